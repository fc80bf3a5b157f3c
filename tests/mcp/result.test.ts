// The one place outcomes become MCP results (src/mcp/result.ts): every code becomes
// {error, message, hint} and nothing else (never a mapped error's cause), and every code has a
// JSON-RPC error code for a failed resource read.
import { describe, expect, test } from "bun:test";
import { ErrorCode as RpcCode } from "@modelcontextprotocol/sdk/types.js";
import { ERROR_CODES, type ErrorCode, POLICY_CODES, S3ToolError } from "../../src/errors.ts";
import { errorBody, resourceError, toolError } from "../../src/mcp/result.ts";
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
