// The one mapping from error codes to process exit codes (SPEC §6), and the one place that prints
// a failure: `mcp-s3: CODE: message` on stderr (the hint on a second line on a terminal), or one
// JSON object with --json.
import type { ErrorCode } from "../errors.ts";
import { ConfigError, isS3ToolError, S3ToolError } from "../errors.ts";
import { escapeControls } from "./escape.ts";
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

/** Every code's exit code: a new code does not compile until it is given one here. */
const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  NoSuchBucket: EXIT.notFound,
  NoSuchKey: EXIT.notFound,
  ConnectionNotFound: EXIT.notFound,
  AccessDenied: EXIT.error,
  InvalidBucketName: EXIT.usage,
  InvalidArgument: EXIT.usage,
  UsageError: EXIT.usage,
  // Policy refusals (POLICY_CODES): nothing was done.
  EntityTooLarge: EXIT.refused,
  ReadOnlyMode: EXIT.refused,
  PrefixDenied: EXIT.refused,
  BucketDenied: EXIT.refused,
  ConsentRequired: EXIT.refused,
  ConsentDeclined: EXIT.refused,
  PresignDisabled: EXIT.refused,
  NoCredentials: EXIT.error,
  // A CLI command is cancelled only by a signal: Ctrl-C's code (reportError gives SIGTERM its own).
  Cancelled: EXIT.sigint,
  Timeout: EXIT.error,
  ServiceUnavailable: EXIT.error,
  InternalError: EXIT.error,
  InvalidConfig: EXIT.config,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code];
}

/** A command stopped by SIGINT or SIGTERM after cleaning up: `Cancelled`, exit 130 or 143. */
export class Interrupted extends S3ToolError {
  readonly signal: "SIGINT" | "SIGTERM";
  constructor(signal: "SIGINT" | "SIGTERM") {
    super("Cancelled", `interrupted by ${signal}`);
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
  const err = isS3ToolError(e)
    ? e
    : new S3ToolError(
        "InternalError",
        `unexpected failure: ${(e as Error | undefined)?.message ?? String(e)}`,
        "this is a bug in mcp-s3; please report it",
      );
  if (options.json) {
    // JSON escapes what it must; the object is printed exactly as built.
    const body: Record<string, unknown> = err.toJSON();
    if (err instanceof ConfigError) body.problems = [...err.problems];
    io.error(JSON.stringify(body));
  } else {
    // Messages quote keys, names and S3's own words: none may drive the terminal (escape.ts).
    const prefix = `${paint(io.stderrColor, "red", "mcp-s3:")} ${err.code}: `;
    if (err instanceof ConfigError) {
      // One line per problem, as built; a problem's own line breaks are escaped like any other.
      io.error(`${prefix}${escapeControls(err.message.split("\n")[0] ?? "")}`);
      for (const p of err.problems) io.error(`  - ${escapeControls(p)}`);
    } else {
      io.error(`${prefix}${escapeControls(err.message)}`);
    }
    if (io.stderrIsTTY && err.hint !== "") {
      io.error(paint(io.stderrColor, "dim", `hint: ${escapeControls(err.hint)}`));
    }
  }
  if (err instanceof Interrupted) return err.signal === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
  return exitCodeFor(err.code);
}
