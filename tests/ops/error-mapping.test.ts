// src/s3/errors.ts and the causes it keeps (src/errors.ts failureCause), table-driven: what the
// SDK, the network or the caller's signal throw becomes one code; the original failure is kept as a
// scrubbed cause for the diagnostic log only.
import { describe, expect, test } from "bun:test";
import { failureCause, PolicyRefusal, S3ToolError } from "../../src/errors.ts";
import { toS3ToolError } from "../../src/s3/errors.ts";

const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });
const fired = () => {
  const c = new AbortController();
  c.abort(new Error("reason"));
  return c.signal;
};

describe("toS3ToolError", () => {
  test.each([
    ["the SDK's abort (caller's signal)", sdkError("AbortError"), {}, "Cancelled"],
    ["lib-storage's 'Upload aborted.'", sdkError("AbortError"), { signal: fired() }, "Cancelled"],
    [
      "a reset socket after the signal fired",
      sdkError("Error", { code: "ECONNRESET" }),
      { signal: fired() },
      "Cancelled",
    ],
    ["a reset socket, no signal", sdkError("Error", { code: "ECONNRESET" }), {}, "ServiceUnavailable"],
    ["our own timeout (TimeoutError)", sdkError("TimeoutError"), {}, "Timeout"],
    [
      "a timeout while a signal exists but has not fired",
      sdkError("TimeoutError"),
      { signal: new AbortController().signal },
      "Timeout",
    ],
    [
      "no credentials anywhere",
      sdkError("CredentialsProviderError"),
      { connection: "prod" },
      "NoCredentials",
    ],
    [
      "S3 refusing the credentials",
      sdkError("InvalidAccessKeyId", { $metadata: { httpStatusCode: 403 } }),
      {},
      "AccessDenied",
    ],
    ["a bare 403", sdkError("Unknown", { $metadata: { httpStatusCode: 403 } }), {}, "AccessDenied"],
    ["a thrown string", "boom", {}, "InternalError"],
    ["null", null, {}, "InternalError"],
  ] as const)("%s → %s", (_name, thrown, context, code) => {
    expect(toS3ToolError(thrown, context).code).toBe(code);
  });

  test("NoCredentials names the connection, says nothing was sent, and lists the ways to give credentials", () => {
    const err = toS3ToolError(
      sdkError("CredentialsProviderError", { message: "Could not load credentials from any providers" }),
      { connection: "prod", bucket: "b" },
    );
    expect(err.message).toBe('no credentials found for connection "prod"; no request was sent');
    for (const way of ["access_key_id", "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "instance role"]) {
      expect(err.hint).toContain(way);
    }
    expect(err.cause).toEqual({
      name: "CredentialsProviderError",
      message: "Could not load credentials from any providers",
    });
  });

  test("our own errors pass through unchanged, even once the signal fired (a refusal stays a refusal)", () => {
    const refusal = new PolicyRefusal("EntityTooLarge", "too big", "raise it");
    expect(toS3ToolError(refusal, { signal: fired() })).toBe(refusal);
  });
});

describe("failureCause (what the diagnostic log keeps)", () => {
  test.each([
    [
      "an SDK error: name, code, status, request id, first message line",
      Object.assign(new Error("Access Denied\nsecond line"), {
        name: "AccessDenied",
        Code: "AccessDenied",
        $metadata: { httpStatusCode: 403, requestId: "tx-1", extendedRequestId: "ext" },
        $response: { headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIA/…, Signature=abc" } },
      }),
      {
        name: "AccessDenied",
        message: "Access Denied",
        code: "AccessDenied",
        status: 403,
        request_id: "tx-1",
      },
    ],
    [
      "a message holding a presigned URL",
      new Error("failed https://b.s3/k?X-Amz-Signature=abc&X-Amz-Security-Token=tok for good"),
      { name: "Error", message: "failed [url] for good" },
    ],
    [
      "a system error",
      Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }),
      { name: "Error", message: "EACCES: permission denied", code: "EACCES" },
    ],
    ["a string", "plain", { name: "Error", message: "plain" }],
    ["undefined", undefined, { name: "Error", message: "undefined" }],
    [
      "an object with hostile field types",
      { name: 42, message: { toString: () => "x" }, $metadata: { httpStatusCode: "403" } },
      { name: "Error", message: "" },
    ],
    [
      "one of our errors",
      new S3ToolError("Timeout", "request timed out"),
      { name: "Timeout", message: "request timed out" },
    ],
  ] as const)("%s", (_name, thrown, expected) => {
    expect(failureCause(thrown)).toEqual(expected);
  });

  test("a long message is cut short", () => {
    expect(failureCause(new Error("x".repeat(10_000))).message).toHaveLength(300);
  });

  test("an S3ToolError's cause is always the scrubbed form, never the thrown object", () => {
    const raw = Object.assign(new Error("m"), { $response: { body: "secret" } });
    const err = new S3ToolError("InternalError", "m", "", { cause: raw });
    expect(err.cause).toEqual({ name: "Error", message: "m" });
    expect(JSON.stringify(err)).toBe(JSON.stringify({ error: "InternalError", message: "m", hint: "" }));
  });
});
