// What a failed operation leaves behind when its own clean-up fails too. The clean-up's failure is
// reported beside the operation's error (src/ops/run.ts), never in its place: a refused upload
// whose abort fails is still a refusal (exit 3, audited `denied`), with a note saying what remains.
import { type CleanupFailure, failureCause } from "../errors.ts";
import { toS3ToolError } from "../s3/errors.ts";

/** A multipart upload that could not be aborted: its parts stay (and are billed) until removed. */
export function uploadLeftBehind(
  bucket: string,
  key: string,
  uploadId: string | undefined,
  error: unknown,
): CleanupFailure {
  const why = toS3ToolError(error, { bucket, key }).code;
  return {
    note: `the multipart upload ${uploadId ?? "(id unknown)"} of s3://${bucket}/${key} could not be aborted (${why}) and may still hold the parts sent so far`,
    hint: "abort that upload by its id (AbortMultipartUpload, e.g. `aws s3api abort-multipart-upload`), or let a lifecycle rule with AbortIncompleteMultipartUpload remove it",
    cause: failureCause(error),
  };
}

/** A temporary download file that could not be deleted. */
export function fileLeftBehind(path: string, error: unknown): CleanupFailure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "error";
  return {
    note: `the temporary file ${JSON.stringify(path)} could not be deleted (${code})`,
    hint: "delete that file by hand",
    cause: failureCause(error),
  };
}
