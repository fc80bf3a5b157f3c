// Every failure the product reports is one of these codes. Front ends map codes to MCP results
// and CLI exit codes in exactly one place each (src/mcp/result.ts, src/cli/exit.ts).
export const ERROR_CODES = [
  "NoSuchBucket",
  "NoSuchKey",
  "AccessDenied",
  "InvalidBucketName",
  "InvalidArgument",
  "EntityTooLarge",
  "ReadOnlyMode",
  "PrefixDenied",
  "BucketDenied",
  "ConnectionNotFound",
  "ConsentRequired",
  "ConsentDeclined",
  "PresignDisabled",
  // No credentials were found for the connection: no request was sent (never S3's answer).
  "NoCredentials",
  // The caller stopped the call (MCP notifications/cancelled, CLI SIGINT/SIGTERM).
  "Cancelled",
  "Timeout",
  "ServiceUnavailable",
  "InternalError",
  // Not S3 errors: configuration and command-line usage problems.
  "InvalidConfig",
  "UsageError",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes produced by the policy gate: the request never reached S3. */
export const POLICY_CODES: ReadonlySet<ErrorCode> = new Set([
  "ReadOnlyMode",
  "PrefixDenied",
  "BucketDenied",
  "EntityTooLarge",
  "ConsentRequired",
  "ConsentDeclined",
  "PresignDisabled",
]);

/**
 * What the diagnostic log keeps of the failure behind a typed error (the SDK's or the system's):
 * its name, code, HTTP status, request id and first message line, scrubbed of URLs. Never shown to
 * MCP clients, CLI users or the audit log.
 */
export interface FailureCause {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly status?: number;
  readonly request_id?: string;
}

/** A clean-up that failed after the error (a multipart upload that could not be aborted). */
export interface CleanupFailure {
  /** What was left behind, said after the error's message. */
  readonly note: string;
  /** How to remove it, added to the hint. */
  readonly hint: string;
  /** Why the clean-up failed, for the diagnostic log. */
  readonly cause?: FailureCause;
}

export class S3ToolError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  /** For the diagnostic log only (src/log.ts): reduced to a FailureCause whatever was passed. */
  override readonly cause: FailureCause | undefined;
  /** Clean-ups that failed after this error; already part of the message and hint. */
  readonly cleanupFailures: readonly CleanupFailure[] = [];
  override readonly name = "S3ToolError";

  constructor(code: ErrorCode, message: string, hint = "", options: { cause?: unknown } = {}) {
    super(message);
    this.code = code;
    this.hint = hint;
    this.cause = options.cause === undefined ? undefined : failureCause(options.cause);
  }

  /**
   * Reports a clean-up that failed after this error without replacing it: the code (and so the
   * exit code and audit status) stay those of the original failure.
   */
  noteCleanupFailure(failure: CleanupFailure): void {
    (this.cleanupFailures as CleanupFailure[]).push(failure);
    this.message = `${this.message}; ${failure.note}`;
    (this as { hint: string }).hint = this.hint === "" ? failure.hint : `${this.hint}; ${failure.hint}`;
  }

  toJSON(): { error: ErrorCode; message: string; hint: string } {
    return { error: this.code, message: this.message, hint: this.hint };
  }
}

/** The parts of any thrown value worth a diagnostic log line, never anything that could carry a secret. */
export function failureCause(e: unknown): FailureCause {
  if (e instanceof S3ToolError) return { name: e.code, message: scrubMessage(e.message) };
  const err = (typeof e === "object" && e !== null ? e : { message: String(e) }) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v.slice(0, 100) : undefined);
  const code = text(err.Code) ?? text(err.code);
  const status = err.$metadata?.httpStatusCode;
  const requestId = text(err.$metadata?.requestId);
  return {
    name: text(err.name) ?? "Error",
    message: scrubMessage(typeof err.message === "string" ? err.message : ""),
    ...(code === undefined ? {} : { code }),
    ...(typeof status === "number" ? { status } : {}),
    ...(requestId === undefined ? {} : { request_id: requestId }),
  };
}

/**
 * A message from elsewhere (S3, the SDK, the system) cut to its first line and `max` characters,
 * with anything URL-like dropped: a presigned URL carries a signature and, with session
 * credentials, the session token.
 */
export function scrubMessage(message: string, max = 300): string {
  return (message.split("\n")[0] ?? "").replace(/\S*(?:https?:\/\/|X-Amz-)\S*/gi, "[url]").slice(0, max);
}

/** A configuration that failed validation; `problems` lists every bad value, one line each. */
export class ConfigError extends S3ToolError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      "InvalidConfig",
      `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems
        .map((p) => `  - ${p}`)
        .join("\n")}`,
      "fix the values listed above; `mcp-s3 config check` validates without running anything",
    );
    this.problems = problems;
  }
}

export function isS3ToolError(e: unknown): e is S3ToolError {
  return e instanceof S3ToolError;
}

/**
 * The policy setting behind a refusal. The hint a refusal carries is the direct recipe for whoever
 * runs the command (the CLI's user is its administrator); an MCP client is told instead that the rule
 * is the server's policy, naming the setting only for an administrator (src/mcp/result.ts).
 */
export type PolicyRule =
  | "read_only"
  | "prefix_acl"
  | "bucket_lists"
  | "max_get_size"
  | "max_put_size"
  | "presign";

/** A refusal by the policy gate. Audited as `denied`; the request never reached S3 (or was cut off). */
export class PolicyRefusal extends S3ToolError {
  /** The rule that refused, when it is one of the policy's settings. */
  readonly rule: PolicyRule | undefined;

  constructor(code: ErrorCode, message: string, hint = "", rule?: PolicyRule) {
    super(code, message, hint);
    this.rule = rule;
  }
}
