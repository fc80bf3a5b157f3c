// A missing key that ends in "/": the user almost always meant the folder (the keys under it), which
// S3 does not store as an object. The error line itself says which command works on the folder
// (hints show only on a terminal). No listing is sent to find out whether anything lies under it:
// that would be a second request, for the gate and the audit, made only to word an error.
import { S3ToolError } from "../errors.ts";

export type FolderCommand = "ls" | "rm -r";

const WHAT: Readonly<Record<FolderCommand, string>> = {
  ls: "to see what is under it",
  "rm -r": "to delete everything under it",
};

/** `e` as it is, unless it is NoSuchKey for a key ending in "/": then the same code, naming `command`. */
export function folderHint(e: unknown, bucket: string, key: string, command: FolderCommand): unknown {
  if (!key.endsWith("/") || !(e instanceof S3ToolError) || e.code !== "NoSuchKey") return e;
  const source = `s3://${bucket}/${key}`;
  return new S3ToolError(
    "NoSuchKey",
    `no object ${source} (a key ending in "/" is a folder: ${WHAT[command]}, use ${command} ${source})`,
    `mcp-s3 ${command} ${source}`,
  );
}
