// One JSON line per operation attempt. Lines are written with a synchronous write on an append-only
// descriptor: no userland buffer, so a line is in the kernel before the caller sees the result, and
// concurrent writers (each line one write(2) with O_APPEND) never interleave partial lines.
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  openSync,
  type Stats,
  writeSync,
} from "node:fs";
import { S3ToolError } from "../errors.ts";
import { errnoOf, fileKind, foreignOwner, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK } from "../owned-files.ts";

export type AuditStatus = "success" | "error" | "denied";

export interface AuditRecord {
  readonly tool: string;
  readonly connection: string;
  readonly status: AuditStatus;
  readonly duration_ms: number;
  readonly bucket?: string | undefined;
  readonly key?: string | undefined;
  readonly error?: string | undefined;
  readonly source?: "mcp" | "cli" | undefined;
  readonly dest_bucket?: string | undefined;
  readonly dest_key?: string | undefined;
  readonly prefix?: string | undefined;
  readonly bytes?: number | undefined;
}

export interface AuditWriter {
  readonly enabled: boolean;
  /** Throws AuditWriteError when the line cannot be written: callers fail closed. */
  write(record: AuditRecord): void;
  /**
   * Throws AuditWriteError when the log is already known to be unwritable (an earlier write failed,
   * or it is closed), so an operation is refused before it reaches S3.
   */
  check?(): void;
  close(): void;
}

const FIELD_ORDER = [
  "tool",
  "bucket",
  "key",
  "connection",
  "status",
  "duration_ms",
  "error",
  "source",
  "dest_bucket",
  "dest_key",
  "prefix",
  "bytes",
] as const;

export function formatAuditLine(record: AuditRecord, now: Date): string {
  const line: Record<string, unknown> = { timestamp: now.toISOString() };
  for (const field of FIELD_ORDER) {
    const value = record[field];
    if (value !== undefined) line[field] = value;
  }
  return `${JSON.stringify(line)}\n`;
}

export const NO_AUDIT: AuditWriter = Object.freeze({ enabled: false, write() {}, close() {} });

export interface AuditOptions {
  readonly enabled: boolean;
  readonly file?: string | undefined;
  readonly now?: () => Date;
}

/** The audit line could not be written (InternalError): the operation fails closed (SPEC §4). */
export class AuditWriteError extends S3ToolError {
  /** The system error code of the failed write (ENOSPC, EIO, ...); undefined when the log was closed. */
  readonly errnoCode: string | undefined;

  constructor(reason: string, errnoCode?: string) {
    super(
      "InternalError",
      `the audit log could not be written (${reason}); the operation was not completed unaudited`,
      "fix the audit file (disk space, permissions) and retry",
    );
    this.errnoCode = errnoCode;
  }
}

/** Opens the audit destination now, so an unusable audit file is a startup error, not a surprise later. */
export function createAuditWriter(options: AuditOptions): AuditWriter {
  if (!options.enabled) return NO_AUDIT;
  const now = options.now ?? (() => new Date());
  const fd = options.file === undefined ? 2 : openAuditFile(options.file);
  let closed = false;
  // Sticky: after one failed write (maybe a partial line) nothing more is written or let through,
  // until the log is fixed and the process restarted.
  let failure: { reason: string; errnoCode: string | undefined } | undefined;
  const check = () => {
    if (closed) throw new AuditWriteError("the audit log is closed");
    if (failure !== undefined) {
      throw new AuditWriteError(`an earlier write failed: ${failure.reason}`, failure.errnoCode);
    }
  };
  return {
    enabled: true,
    write(record) {
      check();
      const bytes = Buffer.from(formatAuditLine(record, now()), "utf8");
      try {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        const errnoCode = (e as NodeJS.ErrnoException).code;
        failure = { reason: errnoCode ?? (e as Error).message, errnoCode };
        throw new AuditWriteError(failure.reason, errnoCode);
      }
    },
    check,
    close() {
      if (closed) return;
      closed = true;
      if (fd !== 2) closeSync(fd);
    },
  };
}

const APPEND = constants.O_WRONLY | constants.O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const CREATE = APPEND | constants.O_CREAT | constants.O_EXCL;

/**
 * The audit file must be a regular file owned by the user running mcp-s3, or absent (then it is
 * created, mode 0600). Never a symbolic link (its target would get our mode and our lines), never
 * another user's file (they could read every key we touch, or truncate the log), never a FIFO or
 * device (opening one can block for ever or have side effects). Anything else is refused here.
 */
function openAuditFile(path: string): number {
  const fd = openOrCreate(path);
  try {
    // The descriptor is the truth: the path may have changed since it was examined.
    const st = fstatSync(fd);
    const problem = st.isFile() ? foreignOwner(st, false) : `is ${fileKind(st)}, not a regular file`;
    if (problem !== undefined) throw refusal(path, problem);
    // The mode given to open applies only when the file is created; an existing file of ours that is
    // readable by others is tightened, since an audit log of object keys should not be.
    if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
      try {
        fchmodSync(fd, 0o600);
      } catch {
        // A file system without Unix modes: the file is ours and regular, so keep going.
      }
    }
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Looks before opening, so that a device or FIFO is never opened and the refusal says what the path
 * is; the open itself repeats the checks atomically (O_NOFOLLOW, O_EXCL, O_NONBLOCK), so a path
 * swapped in between is still refused. A few retries cover a file created or removed meanwhile.
 */
function openOrCreate(path: string): number {
  for (let attempt = 0; attempt < 3; attempt++) {
    let st: Stats | undefined;
    try {
      st = lstatSync(path);
    } catch (e) {
      if (errnoOf(e) !== "ENOENT") throw cannotOpen(path, e);
    }
    if (st !== undefined && !st.isFile()) {
      throw refusal(path, `is ${fileKind(st)}, not a regular file${st.isSymbolicLink() ? LINK_WHY : ""}`);
    }
    try {
      // O_CREAT|O_EXCL never follows a link, even a dangling one: it fails with EEXIST instead.
      return st === undefined ? openSync(path, CREATE, 0o600) : openSync(path, APPEND);
    } catch (e) {
      const code = errnoOf(e);
      // Created (EEXIST) or removed (ENOENT of an existing file) meanwhile: look again.
      if (code === "EEXIST" || (code === "ENOENT" && st !== undefined)) continue;
      // O_NOFOLLOW on a link: ELOOP (Linux, macOS) or EMLINK (FreeBSD). O_NONBLOCK on a FIFO: ENXIO.
      if (code === "ELOOP" || code === "EMLINK") {
        throw refusal(path, `is a symbolic link, not a regular file${LINK_WHY}`);
      }
      if (code === "ENXIO") throw refusal(path, "is a FIFO (named pipe) or device, not a regular file");
      throw cannotOpen(path, e);
    }
  }
  throw refusal(path, "kept changing while mcp-s3 opened it (created or removed by something else)");
}

const LINK_WHY = " (the audit log is never written through a link: its target could be any file)";
const HINT =
  "point MCP_S3_AUDIT_FILE / audit.file at a regular file you own, or at a path that does not exist yet (mcp-s3 creates it with mode 0600)";

function refusal(path: string, problem: string): S3ToolError {
  return new S3ToolError("InvalidConfig", `audit file ${JSON.stringify(path)} ${problem}`, HINT);
}

function cannotOpen(path: string, e: unknown): S3ToolError {
  return new S3ToolError(
    "InvalidConfig",
    `audit file ${JSON.stringify(path)} cannot be opened for appending (${errnoOf(e)})`,
    "fix MCP_S3_AUDIT_FILE / audit.file or the directory's permissions",
  );
}
