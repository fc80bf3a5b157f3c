import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { S3ToolError } from "../errors.ts";
import type { Touch } from "../policy/decide.ts";
import { head, type ObjectRef } from "./head-object.ts";
import { type OperationSpec, type OpsContext, runOperation } from "./run.ts";
import { operationSpec } from "./spec.ts";

export interface DeleteObjectResult {
  bucket: string;
  key: string;
  deleted: boolean;
}

export interface DeleteOptions {
  /**
   * HEAD the key first and fail with NoSuchKey when there is no such object (S3 itself answers a
   * delete of a missing key with success). The CLI asks for it on keys ending in "/", where a
   * missing object almost always means the user meant a folder (`rm -r`).
   */
  readonly mustExist?: boolean;
  /** Cancels the delete (the same as `args.signal`). */
  readonly signal?: AbortSignal | undefined;
}

/** What a delete of one key declares to the gate: shared by the single delete, the batch and dry runs. */
export function deleteObjectSpec(
  args: ObjectRef,
  tool = "s3_delete_object",
  mustExist = false,
): OperationSpec {
  const { bucket, key } = args;
  const touches: Touch[] = [
    ...(mustExist ? [{ access: "read" as const, bucket, key }] : []),
    { access: "delete", bucket, key },
  ];
  return operationSpec(tool, args, { bucket, key }, touches);
}

/** S3 deletes are idempotent: deleting a key that does not exist succeeds (unless `mustExist`). */
export function deleteObject(
  ctx: OpsContext,
  args: ObjectRef,
  tool = "s3_delete_object",
  options: DeleteOptions = {},
): Promise<DeleteObjectResult> {
  const mustExist = options.mustExist === true;
  const target = options.signal === undefined ? args : { ...args, signal: options.signal };
  return runOperation(ctx, deleteObjectSpec(target, tool, mustExist), async (run) => {
    if (mustExist) await head(run, args.bucket, args.key);
    await run.client.send(new DeleteObjectCommand({ Bucket: args.bucket, Key: args.key }), run.http);
    return { bucket: args.bucket, key: args.key, deleted: true };
  });
}

export function isMissingKey(e: unknown): boolean {
  return e instanceof S3ToolError && e.code === "NoSuchKey";
}
