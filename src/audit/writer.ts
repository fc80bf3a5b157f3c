// One JSON line per operation attempt. Lines are written with a synchronous write on an append-only
// descriptor: no userland buffer, so a line is in the kernel before the caller sees the result, and
// concurrent writers (each line one write(2) with O_APPEND) never interleave partial lines.
import { closeSync, fchmodSync, fstatSync, openSync, writeSync } from "node:fs";
import { S3ToolError } from "../errors.ts";

export type AuditStatus = "success" | "error" | "denied";

export interface AuditRecord {
  readonly tool: string;
  readonly connection: string;
  readonly status: AuditStatus;
  readonly duration_ms: number;
  readonly bucket?: string | undefined;
  readonly key?: string | undefined;
  readonly error?: string | undefined;
  readonly source?: "mcp" | "cli" | "http" | undefined;
  readonly dest_bucket?: string | undefined;
  readonly dest_key?: string | undefined;
  readonly prefix?: string | undefined;
  readonly bytes?: number | undefined;
  /** The authenticated caller over HTTP (`sub`, else `client_id`). */
  readonly principal?: string | undefined;
  /** The HTTP request the operation was part of. */
  readonly request_id?: string | undefined;
}

export interface AuditWriter {
  readonly enabled: boolean;
  /** Throws S3ToolError(InternalError) when the line cannot be written: callers fail closed. */
  write(record: AuditRecord): void;
  /**
   * Throws S3ToolError(InternalError) when the log is already known to be unwritable (an earlier
   * write failed, or it is closed), so an operation is refused before it reaches S3.
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
  "principal",
  "request_id",
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

/** `audit.file: "-"`: audit lines on stdout, for container platforms that collect it (HTTP mode only). */
export const AUDIT_STDOUT = "-";

export interface AuditOptions {
  readonly enabled: boolean;
  readonly file?: string | undefined;
  /** Whether stdout is free for audit lines (`serve --http`); over stdio it carries MCP messages. */
  readonly stdoutAllowed?: boolean;
  readonly now?: () => Date;
}

/** Opens the audit destination now, so an unwritable audit file is a startup error, not a surprise later. */
export function createAuditWriter(options: AuditOptions): AuditWriter {
  if (!options.enabled) return NO_AUDIT;
  const now = options.now ?? (() => new Date());
  const fd =
    options.file === undefined
      ? 2
      : options.file === AUDIT_STDOUT
        ? stdoutFd(options)
        : openAuditFile(options.file);
  let closed = false;
  // Sticky: after one failed write (maybe a partial line) nothing more is written or let through,
  // until the log is fixed and the process restarted.
  let failure: string | undefined;
  const check = () => {
    if (closed) throw auditFailure("the audit log is closed");
    if (failure !== undefined) throw auditFailure(`an earlier write failed: ${failure}`);
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
        failure = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw auditFailure(failure);
      }
    },
    check,
    close() {
      if (closed) return;
      closed = true;
      if (fd > 2) closeSync(fd);
    },
  };
}

function stdoutFd(options: AuditOptions): number {
  if (options.stdoutAllowed === true) return 1;
  throw new S3ToolError(
    "InvalidConfig",
    'audit file "-" (stdout) is only for `serve --http`: here stdout carries MCP messages or command output',
    "set MCP_S3_AUDIT_FILE / audit.file to a file, or leave it unset for stderr",
  );
}

function openAuditFile(path: string): number {
  try {
    const fd = openSync(path, "a", 0o600);
    // The mode of openSync applies only when the file is created; an existing file keeps its mode
    // unless it is readable by others, which an audit log of object keys should not be. Only a
    // regular file: a device or pipe (/dev/null, /dev/stderr) is shared and must keep its mode.
    const st = fstatSync(fd);
    if (process.platform !== "win32" && st.isFile() && (st.mode & 0o077) !== 0) {
      try {
        fchmodSync(fd, 0o600);
      } catch {
        // Not our file to chmod: leave it; the owner chose its mode.
      }
    }
    return fd;
  } catch (e) {
    throw new S3ToolError(
      "InvalidConfig",
      `audit file ${JSON.stringify(path)} cannot be opened for appending (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      "fix MCP_S3_AUDIT_FILE / audit.file or the directory's permissions",
    );
  }
}

function auditFailure(reason: string): S3ToolError {
  return new S3ToolError(
    "InternalError",
    `the audit log could not be written (${reason}); the operation was not completed unaudited`,
    "fix the audit file (disk space, permissions) and retry",
  );
}
