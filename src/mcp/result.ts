// The one place where outcomes become MCP results: successes with structuredContent plus a text
// rendering, failures with `isError: true` and {error, message, hint}. Resource reads have no
// isError form, so their failures become JSON-RPC errors carrying the same object as `data`.

import type { PolicyRule, ErrorCode as S3ErrorCode } from "../errors.ts";
import { POLICY_CODES, PolicyRefusal, S3ToolError } from "../errors.ts";
import { toS3ToolError } from "../s3/errors.ts";
import { type CallToolResult, type ContentBlock, ErrorCode } from "./sdk/types.ts";

export interface ErrorBody {
  error: S3ErrorCode;
  message: string;
  hint: string;
}

/**
 * A successful tool result. Unless the tool gives its own content blocks (an object body, returned
 * once), the text block is the same object as JSON, for clients that read only text.
 */
export function toolResult(structured: Record<string, unknown>, content?: ContentBlock[]): CallToolResult {
  return {
    structuredContent: structured,
    content: content ?? [{ type: "text", text: JSON.stringify(structured, null, 2) }],
  };
}

/** Any failure as a tool result. Unknown exceptions become typed errors without echoing request details. */
export function toolError(e: unknown): CallToolResult {
  const body = errorBody(e);
  return {
    isError: true,
    structuredContent: { ...body },
    content: [{ type: "text", text: JSON.stringify(body) }],
  };
}

export function errorBody(e: unknown): ErrorBody {
  const err = e instanceof S3ToolError ? e : toS3ToolError(e);
  return { error: err.code, message: err.message, hint: hintFor(err) };
}

/**
 * The hint an MCP client gets. A policy refusal's own hint is the recipe for whoever runs the server
 * (the CLI shows it as it is: its user is the administrator). An agent must not go looking for a way
 * around the rule, so it is told whose rule it is and what to tell the user; the setting is named
 * only as what an administrator can change. What the agent may do within the rule (read in parts)
 * comes first. Hints of clean-ups that failed after the refusal are kept.
 */
function hintFor(err: S3ToolError): string {
  if (!(err instanceof PolicyRefusal) || !POLICY_CODES.has(err.code) || OWN_WORDS.has(err.code)) {
    return err.hint;
  }
  const rule = err.rule !== undefined ? REFUSALS[err.rule] : (BY_CODE[err.code] ?? ANY_RULE);
  const hint = `${rule.within ?? ""}this is the server's policy, set by its administrator, not something to work around: tell the user which rule refused the call (the message names it); an administrator can change it with ${rule.setting}`;
  return [hint, ...err.cleanupFailures.map((f) => f.hint)].join("; ");
}

interface RuleText {
  /** What the caller can still do within the rule. */
  readonly within?: string;
  /** The settings an administrator changes (environment variable, then the YAML key). */
  readonly setting: string;
}

const REFUSALS: Readonly<Record<PolicyRule, RuleText>> = {
  read_only: { setting: "MCP_S3_EXT_READONLY or policy.read_only" },
  prefix_acl: {
    setting:
      "MCP_S3_ALLOWED_PREFIXES / MCP_S3_DENIED_PREFIXES or policy.allowed_prefixes / policy.denied_prefixes",
  },
  bucket_lists: {
    setting:
      "MCP_S3_ALLOWED_BUCKETS / MCP_S3_DENIED_BUCKETS or policy.allowed_buckets / policy.denied_buckets",
  },
  max_get_size: {
    within: "a larger object can be read in parts with offset/length (s3_get_object); ",
    setting: "MCP_S3_MAX_GET_SIZE or policy.max_get_size",
  },
  max_put_size: { setting: "MCP_S3_MAX_PUT_SIZE or policy.max_put_size" },
  presign: { setting: "MCP_S3_PRESIGN or policy.presign" },
};

/**
 * Consent refusals are already worded for the agent by the MCP front end's consent asker
 * (src/mcp/elicit.ts, src/ops/consent.ts): a declined call is the user's answer, not a setting.
 */
const OWN_WORDS: ReadonlySet<S3ErrorCode> = new Set(["ConsentRequired", "ConsentDeclined"]);

/** A refusal that did not name its rule, by its code. */
const BY_CODE: Partial<Record<S3ErrorCode, RuleText>> = {
  ReadOnlyMode: REFUSALS.read_only,
  PrefixDenied: REFUSALS.prefix_acl,
  BucketDenied: REFUSALS.bucket_lists,
  EntityTooLarge: {
    setting: "MCP_S3_MAX_GET_SIZE / MCP_S3_MAX_PUT_SIZE or policy.max_get_size / policy.max_put_size",
  },
  PresignDisabled: REFUSALS.presign,
};

const ANY_RULE: RuleText = { setting: "the server's policy settings" };

export interface ArgumentIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
}

/**
 * Arguments that do not match a tool's input schema: InvalidArgument naming every bad field, or
 * InvalidBucketName when the only problem is a malformed bucket name.
 */
export function invalidArguments(
  tool: string,
  issues: readonly ArgumentIssue[],
  bucketFields: ReadonlySet<string>,
): S3ToolError {
  const problems = issues.map((i) => {
    const where = i.path.map(String).join(".");
    return where === "" ? i.message : `${where}: ${i.message}`;
  });
  const badBucketName = issues.every(
    (i) =>
      bucketFields.has(String(i.path[0])) &&
      (i.code === "invalid_format" || i.code === "too_small" || i.code === "too_big"),
  );
  return new S3ToolError(
    badBucketName ? "InvalidBucketName" : "InvalidArgument",
    `invalid arguments for ${tool}: ${problems.join("; ")}`,
    badBucketName
      ? "bucket names consist of letters, digits, '.', '-' and '_' and start with a letter or digit"
      : "fix the arguments to match the tool's input schema (tools/list shows it)",
  );
}

/**
 * A failed resource read as a JSON-RPC error: -32002 (resource not found) for a missing bucket or key,
 * -32602 (invalid params) for a bad URI or a policy refusal, -32603 for everything else
 * (RESOURCE_ERROR_CODES).
 * `data` carries {error, message, hint}, as a tool error would.
 */
export function resourceError(e: unknown): JsonRpcError {
  const body = errorBody(e);
  return new JsonRpcError(RESOURCE_ERROR_CODES[body.error], `${body.error}: ${body.message}`, body);
}

/** tools/call naming a tool this server does not have: a protocol error, as the MCP specification asks. */
export function unknownTool(name: string, known: readonly string[]): JsonRpcError {
  return new JsonRpcError(ErrorCode.InvalidParams, `unknown tool ${JSON.stringify(name)}`, {
    error: "InvalidArgument",
    message: `unknown tool ${JSON.stringify(name)}`,
    hint: `the tools are: ${known.join(", ")}`,
  } satisfies ErrorBody);
}

/**
 * An error the SDK sends as a JSON-RPC error response: it copies `code`, `message` and `data`.
 * (McpError would prefix its message with "MCP error <code>:", and the client's McpError does it again.)
 */
export class JsonRpcError extends Error {
  override readonly name = "JsonRpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data: ErrorBody,
  ) {
    super(message);
  }
}

const RESOURCE_NOT_FOUND = -32002;
/** Every code's JSON-RPC error code for a failed resource read: a new code must be given one here. */
const RESOURCE_ERROR_CODES: Readonly<Record<S3ErrorCode, number>> = {
  NoSuchKey: RESOURCE_NOT_FOUND,
  NoSuchBucket: RESOURCE_NOT_FOUND,
  InvalidArgument: ErrorCode.InvalidParams,
  InvalidBucketName: ErrorCode.InvalidParams,
  ConnectionNotFound: ErrorCode.InvalidParams,
  ReadOnlyMode: ErrorCode.InvalidParams,
  PrefixDenied: ErrorCode.InvalidParams,
  BucketDenied: ErrorCode.InvalidParams,
  EntityTooLarge: ErrorCode.InvalidParams,
  ConsentRequired: ErrorCode.InvalidParams,
  ConsentDeclined: ErrorCode.InvalidParams,
  PresignDisabled: ErrorCode.InvalidParams,
  UsageError: ErrorCode.InvalidParams,
  AccessDenied: ErrorCode.InternalError,
  NoCredentials: ErrorCode.InternalError,
  Cancelled: ErrorCode.InternalError,
  Timeout: ErrorCode.InternalError,
  ServiceUnavailable: ErrorCode.InternalError,
  InternalError: ErrorCode.InternalError,
  InvalidConfig: ErrorCode.InternalError,
};
