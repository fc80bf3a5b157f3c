import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import type { ObjectRef } from "./head-object.ts";
import { type OperationSpec, type OpsContext, runOperation } from "./run.ts";
import { objectSpec } from "./spec.ts";

export interface DeleteObjectResult {
  bucket: string;
  key: string;
  deleted: boolean;
}

/** S3 deletes are idempotent: deleting a key that does not exist succeeds. */
export function deleteObject(
  ctx: OpsContext,
  args: ObjectRef,
  tool = "s3_delete_object",
): Promise<DeleteObjectResult> {
  return runOperation(ctx, deleteSpec(args, tool), async (run) => {
    await run.client.send(new DeleteObjectCommand({ Bucket: args.bucket, Key: args.key }), run.http);
    return { bucket: args.bucket, key: args.key, deleted: true };
  });
}

/** What deleteObject declares to the gate (a dry run previews exactly this). */
export function deleteSpec(args: ObjectRef, tool = "s3_delete_object"): OperationSpec {
  return objectSpec(tool, args, "delete");
}
