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

export class S3ToolError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  override readonly name = "S3ToolError";

  constructor(code: ErrorCode, message: string, hint = "") {
    super(message);
    this.code = code;
    this.hint = hint;
  }

  toJSON(): { error: ErrorCode; message: string; hint: string } {
    return { error: this.code, message: this.message, hint: this.hint };
  }
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

/** A refusal by the policy gate. Audited as `denied`; the request never reached S3 (or was cut off). */
export class PolicyRefusal extends S3ToolError {}
