// The one place outcomes become MCP results (src/mcp/result.ts): every code becomes
// {error, message, hint} and nothing else (never a mapped error's cause), and every code has a
// JSON-RPC error code for a failed resource read.
import { describe, expect, test } from "bun:test";
import { ErrorCode as RpcCode } from "@modelcontextprotocol/sdk/types.js";
import { DEFAULT_POLICY } from "../../src/config/schema.ts";
import { ERROR_CODES, type ErrorCode, POLICY_CODES, PolicyRefusal, S3ToolError } from "../../src/errors.ts";
import { errorBody, resourceError, toolError } from "../../src/mcp/result.ts";
import { decide } from "../../src/policy/decide.ts";
import { toS3ToolError } from "../../src/s3/errors.ts";

describe("toolError", () => {
  test.each(ERROR_CODES.map((c) => [c]))("%s: isError with exactly {error, message, hint}", (code) => {
    const r = toolError(new S3ToolError(code, `m ${code}`, `h ${code}`, { cause: new Error("inner") }));
    const body = { error: code, message: `m ${code}`, hint: `h ${code}` };
    expect(r).toEqual({
      isError: true,
      structuredContent: body,
      content: [{ type: "text", text: JSON.stringify(body) }],
    });
  });

  test("a cancelled S3 request is Cancelled, and its cause (request id, SDK text) stays out of the result", () => {
    const aborted = new AbortController();
    aborted.abort();
    const sdk = Object.assign(new Error("Request aborted"), {
      name: "AbortError",
      $metadata: { requestId: "REQ-CANCELLED" },
    });
    const r = toolError(toS3ToolError(sdk, { bucket: "b", key: "k", signal: aborted.signal }));
    expect(r.structuredContent).toEqual({ error: "Cancelled", message: "cancelled (s3://b/k)", hint: "" });
    expect(JSON.stringify(r)).not.toContain("REQ-CANCELLED");
    expect(JSON.stringify(r)).not.toContain("Request aborted");
  });

  test("an unknown thrown value becomes a typed error", () => {
    expect(errorBody(new Error("boom")).error).toBe("InternalError");
  });
});

describe("a policy refusal's hint is addressed to the user or administrator, never a recipe for the agent", () => {
  const POLICY =
    "this is the server's policy, set by its administrator, not something to work around: tell the user which rule refused the call (the message names it); an administrator can change it with ";
  const refusalOf = (touch: Parameters<typeof decide>[1], policy = {}) => {
    const d = decide({ ...DEFAULT_POLICY, ...policy }, touch);
    if (d.allowed) throw new Error("expected a refusal");
    return new PolicyRefusal(d.code, d.message, d.hint, d.rule);
  };

  test.each([
    [
      "read-only",
      refusalOf({ access: "write", bucket: "b", key: "k" }),
      `${POLICY}MCP_S3_EXT_READONLY or policy.read_only`,
    ],
    [
      "a denied prefix",
      refusalOf({ access: "read", bucket: "b", key: "s/x" }, { prefix_acl: true, denied_prefixes: ["s/"] }),
      `${POLICY}MCP_S3_ALLOWED_PREFIXES / MCP_S3_DENIED_PREFIXES or policy.allowed_prefixes / policy.denied_prefixes`,
    ],
    [
      "a denied bucket",
      refusalOf({ access: "read", bucket: "b", key: "k" }, { denied_buckets: ["b"] }),
      `${POLICY}MCP_S3_ALLOWED_BUCKETS / MCP_S3_DENIED_BUCKETS or policy.allowed_buckets / policy.denied_buckets`,
    ],
    [
      "a read over the get limit: what the agent may do first",
      refusalOf({ access: "read", bucket: "b", key: "k", size: 11 * 1024 * 1024 }),
      `a larger object can be read in parts with offset/length (s3_get_object); ${POLICY}MCP_S3_MAX_GET_SIZE or policy.max_get_size`,
    ],
    [
      "presigned URLs that are off",
      refusalOf({ access: "read", bucket: "b", key: "k", presign: "GET" }, { presign: "off" }),
      `${POLICY}MCP_S3_PRESIGN or policy.presign`,
    ],
    [
      "a write over the put limit",
      refusalOf({ access: "write", bucket: "b", key: "k", size: 101 * 1024 * 1024 }, { read_only: false }),
      `${POLICY}MCP_S3_MAX_PUT_SIZE or policy.max_put_size`,
    ],
    [
      "a refusal that names no rule (by its code)",
      new PolicyRefusal("PresignDisabled", "presigned PUT URLs are off", "set MCP_S3_PRESIGN=get_put"),
      `${POLICY}MCP_S3_PRESIGN or policy.presign`,
    ],
    [
      "EntityTooLarge without its rule names both limits, and offers no read in parts",
      new PolicyRefusal("EntityTooLarge", "too big", "raise the limits"),
      `${POLICY}MCP_S3_MAX_GET_SIZE / MCP_S3_MAX_PUT_SIZE or policy.max_get_size / policy.max_put_size`,
    ],
  ] as const)("%s", (_name, refusal, hint) => {
    expect(errorBody(refusal)).toEqual({ error: refusal.code, message: refusal.message, hint });
    // The CLI keeps the direct recipe: its user is the administrator.
    expect(refusal.hint).not.toBe(hint);
    expect(refusal.hint.length).toBeGreaterThan(10);
  });

  test("the CLI's recipe is the gate's own hint", () => {
    expect(refusalOf({ access: "write", bucket: "b", key: "k" }).hint).toBe(
      "writes are off by default; set MCP_S3_EXT_READONLY=false (or policy.read_only: false, or --read-only=false) to allow them",
    );
  });

  test("the hint of a clean-up that failed after the refusal is kept", () => {
    const refusal = new PolicyRefusal("EntityTooLarge", "too big", "raise it", "max_put_size");
    refusal.noteCleanupFailure({ note: "upload u left", hint: "mcp-s3 abort the upload u" });
    expect(errorBody(refusal).hint).toBe(
      `${POLICY}MCP_S3_MAX_PUT_SIZE or policy.max_put_size; mcp-s3 abort the upload u`,
    );
  });

  test.each([
    [
      "S3's own EntityTooLarge (not the server's policy)",
      new S3ToolError("EntityTooLarge", "S3 said so", "s3 hint"),
    ],
    [
      "a declined consent (the consent asker words it for the agent)",
      new PolicyRefusal(
        "ConsentDeclined",
        "delete of s3://b/k was declined; nothing was done",
        "the user did not approve this operation: do not retry it unless they ask for it",
      ),
    ],
    [
      "a malformed request the gate refuses",
      new PolicyRefusal("InvalidArgument", "an object key is required", "name the object key"),
    ],
  ] as const)("%s keeps its hint", (_name, e) => {
    expect(errorBody(e).hint).toBe(e.hint);
  });
});

describe("resourceError", () => {
  const expected: Record<ErrorCode, number> = {
    NoSuchKey: -32002,
    NoSuchBucket: -32002,
    InvalidArgument: RpcCode.InvalidParams,
    InvalidBucketName: RpcCode.InvalidParams,
    ConnectionNotFound: RpcCode.InvalidParams,
    UsageError: RpcCode.InvalidParams,
    ReadOnlyMode: RpcCode.InvalidParams,
    PrefixDenied: RpcCode.InvalidParams,
    BucketDenied: RpcCode.InvalidParams,
    EntityTooLarge: RpcCode.InvalidParams,
    ConsentRequired: RpcCode.InvalidParams,
    ConsentDeclined: RpcCode.InvalidParams,
    PresignDisabled: RpcCode.InvalidParams,
    AccessDenied: RpcCode.InternalError,
    NoCredentials: RpcCode.InternalError,
    Cancelled: RpcCode.InternalError,
    Timeout: RpcCode.InternalError,
    ServiceUnavailable: RpcCode.InternalError,
    InternalError: RpcCode.InternalError,
    InvalidConfig: RpcCode.InternalError,
  };

  test.each(ERROR_CODES.map((c) => [c, expected[c]] as const))(
    "%s → %d, data {error, message, hint}",
    (code, rpc) => {
      const e = resourceError(new S3ToolError(code, "m", "h", { cause: new Error("inner") }));
      expect({ code: e.code, message: e.message, data: e.data }).toEqual({
        code: rpc,
        message: `${code}: m`,
        data: { error: code, message: "m", hint: "h" },
      });
    },
  );

  test("every policy refusal is invalid params", () => {
    for (const code of POLICY_CODES)
      expect(resourceError(new S3ToolError(code, "m")).code).toBe(RpcCode.InvalidParams);
  });
});
