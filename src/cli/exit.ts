// The one mapping from error codes to process exit codes (SPEC §6), and the one place that prints
// a failure: `mcp-s3: CODE: message` on stderr (the hint on a second line on a terminal), or one
// JSON object with --json.
import type { ErrorCode } from "../errors.ts";
import { ConfigError, isS3ToolError, POLICY_CODES, S3ToolError } from "../errors.ts";
import { BrokenPipe, type Io, paint } from "./io.ts";

export const EXIT = Object.freeze({
  ok: 0,
  error: 1,
  usage: 2,
  refused: 3,
  notFound: 4,
  config: 5,
  /** 128 + signal number, as a shell reports a process killed by it. */
  sigint: 130,
  sigpipe: 141,
  sigterm: 143,
});

export function exitCodeFor(code: ErrorCode): number {
  if (code === "InvalidConfig") return EXIT.config;
  if (code === "UsageError" || code === "InvalidArgument" || code === "InvalidBucketName") return EXIT.usage;
  if (code === "NoSuchKey" || code === "NoSuchBucket" || code === "ConnectionNotFound") return EXIT.notFound;
  if (POLICY_CODES.has(code)) return EXIT.refused;
  return EXIT.error;
}

/** A command stopped by SIGINT or SIGTERM after cleaning up. */
export class Interrupted extends Error {
  override readonly name = "Interrupted";
  readonly signal: "SIGINT" | "SIGTERM";
  constructor(signal: "SIGINT" | "SIGTERM") {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}

export interface ReportOptions {
  readonly json: boolean;
}

/** Prints `e` the one way errors are printed and returns the exit code for it. */
export function reportError(io: Io, e: unknown, options: ReportOptions): number {
  // The reader left (`mcp-s3 cat ... | head`): nothing to say, exit as cat(1) would. The operation
  // layer may have wrapped the EPIPE in an S3ToolError on the way, so ask the stream too.
  if (e instanceof BrokenPipe || io.stdoutClosed()) return EXIT.sigpipe;
  if (e instanceof Interrupted) {
    io.error(
      options.json
        ? JSON.stringify({ error: "Interrupted", message: e.message, hint: "" })
        : `${paint(io.stderrColor, "red", "mcp-s3:")} ${e.message}`,
    );
    return e.signal === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
  }
  const err = isS3ToolError(e)
    ? e
    : new S3ToolError(
        "InternalError",
        `unexpected failure: ${(e as Error | undefined)?.message ?? String(e)}`,
        "this is a bug in mcp-s3; please report it",
      );
  if (options.json) {
    const body: Record<string, unknown> = err.toJSON();
    if (err instanceof ConfigError) body.problems = [...err.problems];
    io.error(JSON.stringify(body));
  } else {
    io.error(`${paint(io.stderrColor, "red", "mcp-s3:")} ${err.code}: ${err.message}`);
    if (io.stderrIsTTY && err.hint !== "") io.error(paint(io.stderrColor, "dim", `hint: ${err.hint}`));
  }
  return exitCodeFor(err.code);
}
