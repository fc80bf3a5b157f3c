// Checks shared by the two files mcp-s3 trusts: its config file (it decides the policy) and its
// audit log (it receives every object key). A file another user controls could switch read-only off
// or collect the audit lines; a FIFO or a device could block startup for ever (SPEC §2.2, §4).
import { constants, type Stats } from "node:fs";

/** An open flag the platform lacks (Windows: O_NOFOLLOW, O_NONBLOCK, O_NOCTTY) is 0: no effect. */
function flag(name: "O_NOFOLLOW" | "O_NONBLOCK" | "O_NOCTTY"): number {
  return (constants as Readonly<Record<string, number | undefined>>)[name] ?? 0;
}

/** Opening never follows a symbolic link in the last component (the open fails with ELOOP). */
export const O_NOFOLLOW = flag("O_NOFOLLOW");
/**
 * Opening a FIFO never waits for its other end (write-only: ENXIO without a reader). Regular files
 * ignore the flag, so reads and writes on them still block as usual.
 */
export const O_NONBLOCK = flag("O_NONBLOCK");
/** Opening a terminal never makes it the process's controlling terminal. */
export const O_NOCTTY = flag("O_NOCTTY");

/** What kind of file `st` describes, in words ("a FIFO (named pipe)"). */
export function fileKind(st: Stats): string {
  if (st.isFile()) return "a regular file";
  if (st.isDirectory()) return "a directory";
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

/**
 * Why `st` is not owned by the user running mcp-s3 (nor by root, when `rootAllowed`), or undefined
 * when it is.
 */
export function foreignOwner(st: Pick<Stats, "uid">, rootAllowed: boolean): string | undefined {
  return ownerProblem(st.uid, process.getuid?.(), rootAllowed);
}

/** The rule of foreignOwner; where the platform has no user ids (Windows) there is nothing to compare. */
export function ownerProblem(
  fileUid: number,
  runningUid: number | undefined,
  rootAllowed: boolean,
): string | undefined {
  if (typeof runningUid !== "number" || runningUid < 0) return undefined;
  if (fileUid === runningUid || (rootAllowed && fileUid === 0)) return undefined;
  return `is owned by another user (uid ${fileUid}; mcp-s3 runs as uid ${runningUid}${rootAllowed ? " and accepts only its own or root's files" : ""})`;
}

/** The system error code of a failed file call (ENOENT, ELOOP, ...), else its message. */
export function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? (e as Error | undefined)?.message ?? String(e);
}
