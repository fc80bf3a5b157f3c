// Where a bulk item goes: an object's path below the source becomes a key below the destination
// prefix, or a file below the destination directory. A key is any byte string, a file name is not:
// a key whose path would leave the destination directory (`..` segments, a leading `/`: the
// zip-slip of object stores) or could not be written faithfully (empty or `.` segments, NUL) is
// refused for that item, never normalised into some other file.
import { join } from "node:path";
import { S3ToolError } from "../errors.ts";
import { folderPrefix } from "./listing.ts";

/** The destination key of an item: its relative path below the destination prefix. */
export function destinationKey(prefix: string, relative: string): string {
  return folderPrefix(prefix) + relative;
}

/**
 * Why a relative path (from a key) cannot be a file below a directory; undefined when it can. On
 * Windows a backslash separates too and a colon names a drive or a stream.
 */
export function unsafeLocalPath(relative: string, platform: string = process.platform): string | undefined {
  const windows = platform === "win32";
  if (relative === "") return "it names no file";
  if (relative.startsWith("/") || (windows && relative.startsWith("\\"))) return "it starts with a separator";
  if (relative.includes("\0")) return "it contains a NUL character";
  if (windows && relative.includes(":")) return "it contains a colon";
  for (const segment of relative.split(windows ? /[\\/]/ : "/")) {
    if (segment === "..") return "it has a .. segment";
    if (segment === ".") return "it has a . segment";
    if (segment === "") return "it has an empty segment (//)";
  }
  return undefined;
}

/**
 * The file an object is saved to below `root`. InvalidArgument (for that item only) when the key's
 * path would leave `root` or could not be written as is.
 */
export function localPathFor(root: string, relative: string, key: string): string {
  const why = unsafeLocalPath(relative);
  if (why !== undefined) {
    // Not a policy refusal (the gate allows the read): this item fails, the others go on.
    throw new S3ToolError(
      "InvalidArgument",
      `the key ${JSON.stringify(key)} cannot be saved below ${JSON.stringify(root)}: ${why}`,
      "a download never writes outside its destination directory; copy this object on its own with `mcp-s3 get s3://bucket/key FILE`",
    );
  }
  return join(root, ...relative.split("/"));
}
