import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import type { ObjectRef } from "./head-object.ts";
import { type OpsContext, runOperation } from "./run.ts";

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
  return runOperation(
    ctx,
    {
      tool,
      connection: args.connection,
      bucket: args.bucket,
      key: args.key,
      touches: [{ access: "delete", bucket: args.bucket, key: args.key }],
    },
    async (run) => {
      await run.client.send(new DeleteObjectCommand({ Bucket: args.bucket, Key: args.key }), run.http);
      return { bucket: args.bucket, key: args.key, deleted: true };
    },
  );
}
