// Local file-system failures as typed errors that name the file and say what went wrong in words
// (a raw `ENOENT` tells a user nothing about which of a thousand files failed, or why).
import { type ErrorCode, S3ToolError } from "./errors.ts";

/** errno codes we explain; anything else keeps its code in the message. */
const WORDS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a component of the path is not a directory",
  EISDIR: "it is a directory",
  EEXIST: "it already exists",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  EBUSY: "resource busy",
  EIO: "input/output error",
  EINVAL: "invalid file name or argument",
  EXDEV: "it is on another file system",
};

/** Failures that come from the path the user gave (fix the path) rather than from the machine. */
const PATH_PROBLEMS: ReadonlySet<string> = new Set([
  "ENOENT",
  "ENOTDIR",
  "EISDIR",
  "EEXIST",
  "ELOOP",
  "ENAMETOOLONG",
  "EINVAL",
]);

export type LocalAction = "read" | "write" | "create" | "remove" | "list";

/** True for a Node file-system error (it carries an errno code such as ENOENT). */
export function isLocalFileError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return !(e instanceof S3ToolError) && typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

/** The words for an errno code (`EACCES` → "permission denied"). */
export function describeErrno(code: string): string {
  return WORDS[code] ?? code;
}

/**
 * `cannot write "out/a.txt": permission denied (EACCES)` as an S3ToolError: InvalidArgument when the
 * path itself is the problem (with `pathHint`), InternalError when the machine is (permissions,
 * space). Anything that is not a file-system error is returned unchanged.
 */
export function localFileError(e: unknown, path: string, action: LocalAction, pathHint?: string): unknown {
  if (!isLocalFileError(e)) return e;
  const code = e.code as string;
  const words = describeErrno(code);
  const errorCode: ErrorCode = PATH_PROBLEMS.has(code) ? "InvalidArgument" : "InternalError";
  return new S3ToolError(
    errorCode,
    `cannot ${action} ${JSON.stringify(path)}: ${words}${words === code ? "" : ` (${code})`}`,
    errorCode === "InvalidArgument"
      ? (pathHint ?? "check the path")
      : "check the disk and the file's permissions",
  );
}
