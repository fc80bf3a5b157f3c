// src/s3/errors.ts and the causes it keeps (src/errors.ts failureCause), table-driven: what the
// SDK, the network or the caller's signal throw becomes one code; the original failure is kept as a
// scrubbed cause for the diagnostic log only.
import { describe, expect, test } from "bun:test";
import { failureCause, PolicyRefusal, S3ToolError } from "../../src/errors.ts";
import { rejectNonS3Answers } from "../../src/s3/answers.ts";
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
    ["an SDK AbortError ('Upload aborted.')", sdkError("AbortError"), { signal: fired() }, "Cancelled"],
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

describe("answers that are not S3's, and network failures, name their cause", () => {
  const target = { endpoint: "http://127.0.0.1:9000", region: "us-east-1", timeout_ms: 30_000 };
  const answer = (status: number, headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error("UnknownError"), {
      name: status === 404 ? "NotFound" : status === 403 ? "Forbidden" : "Unknown",
      $metadata: { httpStatusCode: status, attempts: 1 },
      $response: { statusCode: status, headers },
      ...extra,
    });
  const system = (code: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${code} happened`), { code, $metadata: { attempts: 3 }, ...extra });

  test.each([
    [
      "a HEAD 404 with x-amz-request-id (AWS, RGW, MinIO)",
      answer(404, { "x-amz-request-id": "tx1" }),
      "NoSuchKey",
    ],
    [
      "a HEAD 404 as application/xml (s3rver)",
      answer(404, { "content-type": "application/xml" }),
      "NoSuchKey",
    ],
    ["header names in any case", answer(403, { "X-Amz-Request-Id": "tx1" }), "AccessDenied"],
    ["a HEAD 404 from a web server", answer(404, { "content-type": "text/html" }), "ServiceUnavailable"],
    ["a HEAD 404 with no headers at all", answer(404, {}), "ServiceUnavailable"],
    [
      "a 403 page from a proxy is not S3's AccessDenied",
      answer(403, { "content-type": "text/html" }),
      "ServiceUnavailable",
    ],
    [
      "an S3 error code in the body wins over a misleading content type",
      answer(404, { "content-type": "text/html" }, { name: "NoSuchKey", Code: "NoSuchKey" }),
      "NoSuchKey",
    ],
    [
      "an error the SDK made without a response (as before)",
      sdkError("NotFound", { $metadata: { httpStatusCode: 404 } }),
      "NoSuchKey",
    ],
    [
      "a web page answering a listing",
      answer(200, { "content-type": "text/html" }, { name: "NotS3Answer" }),
      "ServiceUnavailable",
    ],
    ["a refused connection", system("ECONNREFUSED"), "ServiceUnavailable"],
    ["Deno's refused connection", sdkError("ConnectionRefused"), "ServiceUnavailable"],
    ["an unknown host", system("ENOTFOUND", { hostname: "h.invalid" }), "ServiceUnavailable"],
    ["a TLS mismatch", system("ERR_SSL_WRONG_VERSION_NUMBER"), "ServiceUnavailable"],
  ] as const)("%s → %s", (_name, thrown, code) => {
    expect(toS3ToolError(thrown, { bucket: "b", key: "k", target }).code).toBe(code);
  });

  test.each([
    [
      "an HTML 404",
      answer(404, { "content-type": "text/html; charset=utf-8" }),
      "http://127.0.0.1:9000 answered HTTP 404 (content type text/html; charset=utf-8) without an S3 error (s3://b/k): it does not look like an S3 endpoint",
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration): it must be the address of the S3 API, not of a web site or a console",
    ],
    [
      "a web page answering a listing",
      answer(200, { "content-type": "text/html" }, { name: "NotS3Answer" }),
      "http://127.0.0.1:9000 answered HTTP 200 (content type text/html), which is not an S3 answer (s3://b/k): it does not look like an S3 endpoint",
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration): it must be the address of the S3 API, not of a web site or a console",
    ],
    [
      "a redirect",
      answer(308, {}),
      "http://127.0.0.1:9000 answered HTTP 308 (no content type) without an S3 error (s3://b/k): it redirects elsewhere",
      "S3 endpoints do not redirect: check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration), its scheme (https:// rather than http://?) and host",
    ],
    [
      "a gateway's 504",
      answer(504, { "content-type": "text/plain" }),
      "http://127.0.0.1:9000 answered HTTP 504 (content type text/plain) without an S3 error (s3://b/k): a proxy or gateway answered, the S3 service behind it may be down",
      "check that the S3 service behind the proxy is running, then try again",
    ],
    [
      "a hostile content type: printable characters only, cut short",
      answer(404, { "content-type": `text/html\u001b[2J${"x".repeat(200)}` }),
      `http://127.0.0.1:9000 answered HTTP 404 (content type text/html[2J${"x".repeat(48)}) without an S3 error (s3://b/k): it does not look like an S3 endpoint`,
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration): it must be the address of the S3 API, not of a web site or a console",
    ],
    [
      "a refused connection (IPv6)",
      system("ECONNREFUSED", { address: "::1", port: 9000 }),
      "cannot connect to http://127.0.0.1:9000: connection refused, nothing listens at [::1]:9000, after 3 attempts (s3://b/k)",
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration), and that the S3 server is running and listens on that host and port",
    ],
    [
      "a refused connection without an address",
      sdkError("ConnectionRefused"),
      "cannot connect to http://127.0.0.1:9000: connection refused, nothing listens there (s3://b/k)",
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration), and that the S3 server is running and listens on that host and port",
    ],
    [
      "an unknown host",
      system("ENOTFOUND", { hostname: "minio.invalid" }),
      'cannot connect to http://127.0.0.1:9000: the host "minio.invalid" was not found (no such host), after 3 attempts (s3://b/k)',
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration) for a misspelt host name, and this machine's DNS",
    ],
    [
      "a temporary DNS failure, the host taken from the endpoint",
      system("EAI_AGAIN"),
      'cannot connect to http://127.0.0.1:9000: the host "127.0.0.1" was not found (a temporary DNS failure), after 3 attempts (s3://b/k)',
      "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration) for a misspelt host name, and this machine's DNS",
    ],
    [
      "a reset connection (which the SDK may call TimeoutError)",
      system("ECONNRESET", { name: "TimeoutError" }),
      "the connection to http://127.0.0.1:9000 was reset (ECONNRESET), after 3 attempts (s3://b/k)",
      "the server or a proxy on the way closed the connection; try again, and check the endpoint if it goes on",
    ],
    [
      "our timeout",
      system("ETIMEDOUT", { name: "TimeoutError" }),
      "request timed out (s3://b/k): no answer from http://127.0.0.1:9000 within 30s (the limit set by S3_TIMEOUT or the connection's timeout), after 3 attempts",
      "raise S3_TIMEOUT (or the connection's timeout:) if the server is just slow; else check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration) and that the server is up",
    ],
    [
      "S3's own timeout (it stopped waiting for the body)",
      answer(400, { "x-amz-request-id": "tx" }, { name: "RequestTimeout", Code: "RequestTimeout" }),
      "S3 stopped waiting for the request (s3://b/k): RequestTimeout (HTTP 400), after 1 attempt",
      "raise S3_TIMEOUT (or the connection's timeout:) if the server is just slow; else check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration) and that the server is up",
    ],
    [
      "S3's 503 SlowDown: the one 'try again later'",
      answer(503, { "x-amz-request-id": "tx" }, { name: "SlowDown", Code: "SlowDown" }),
      "S3 endpoint unavailable (s3://b/k): SlowDown (HTTP 503), after 1 attempt",
      "the S3 service is overloaded or briefly down; try again later",
    ],
  ] as const)("%s: the message and hint", (_name, thrown, message, hint) => {
    const e = toS3ToolError(thrown, { bucket: "b", key: "k", target });
    expect({ message: e.message, hint: e.hint }).toEqual({ message, hint });
    if (!hint.includes("503") && !message.includes("SlowDown") && !message.includes("reset")) {
      expect(hint).not.toContain("try again later");
    }
  });

  test("the endpoint is named without user info or query (nothing that could carry a secret)", () => {
    const e = toS3ToolError(system("ECONNREFUSED"), {
      target: { ...target, endpoint: "http://user:pw-SECRET@host:9000/base?X-Amz-Signature=SIG" },
    });
    expect(e.message).toBe(
      "cannot connect to http://host:9000/base: connection refused, nothing listens there, after 3 attempts",
    );
    expect(e.message).not.toMatch(/SECRET|SIG|user/);
  });

  test("AWS itself (no endpoint) is named by its region; its hint is about the network, not S3_ENDPOINT", () => {
    const e = toS3ToolError(system("ENOTFOUND", { hostname: "s3.eu-west-1.amazonaws.com" }), {
      target: { region: "eu-west-1", timeout_ms: 30_000 },
    });
    expect(e.message).toBe(
      'cannot connect to AWS S3 (region eu-west-1): the host "s3.eu-west-1.amazonaws.com" was not found (no such host), after 3 attempts',
    );
    expect(e.hint).not.toContain("S3_ENDPOINT");
  });

  test("without the connection (no target) the endpoint is not guessed", () => {
    expect(toS3ToolError(system("ECONNREFUSED")).message).toBe(
      "cannot connect to the S3 endpoint: connection refused, nothing listens there, after 3 attempts",
    );
    expect(toS3ToolError(system("ETIMEDOUT", { name: "TimeoutError" })).message).toBe(
      "request timed out, after 3 attempts",
    );
  });

  test("a call's deadline (http.call_timeout) is a Timeout naming that limit, not S3_TIMEOUT", () => {
    const deadline = new AbortController();
    deadline.abort(new DOMException("the call exceeded its deadline of 120000 ms", "TimeoutError"));
    const e = toS3ToolError(system("ECONNRESET"), { bucket: "b", key: "k", target, signal: deadline.signal });
    expect({ code: e.code, message: e.message }).toEqual({
      code: "Timeout",
      message:
        "request timed out (s3://b/k): the call exceeded its deadline of 120000 ms (http.call_timeout)",
    });
    expect(e.hint).not.toContain("S3_TIMEOUT");
  });

  test("a network failure after the caller's signal fired is Cancelled", () => {
    expect(toS3ToolError(system("ECONNREFUSED"), { target, signal: fired() }).code).toBe("Cancelled");
  });

  test("the failure behind it is kept for the diagnostic log", () => {
    const e = toS3ToolError(answer(404, { "content-type": "text/html" }), { target });
    expect(e.cause).toEqual({ name: "NotFound", message: "UnknownError", status: 404 });
  });
});

describe("rejectNonS3Answers (a web page answering a listing, a HEAD without an ETag)", () => {
  const respond = (status: number, headers: Record<string, string>) => async () => ({
    response: { statusCode: status, headers },
    output: { $metadata: {} },
  });
  const through = (commandName: string, status: number, headers: Record<string, string>) =>
    rejectNonS3Answers(respond(status, headers) as never, { commandName } as never)({ input: {} } as never);

  test.each([
    ["ListObjectsV2Command", 200, { "content-type": "text/html" }],
    ["ListBucketsCommand", 200, { "content-type": "text/plain; charset=utf-8" }],
    ["DeleteObjectsCommand", 200, { "content-type": "application/json" }],
    ["HeadObjectCommand", 200, { "content-type": "text/html" }],
    ["HeadObjectCommand", 204, {}],
  ] as const)("%s answered %d %j fails as NotS3Answer", async (command, status, headers) => {
    const e = await through(command, status, headers).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(toS3ToolError(e).code).toBe("ServiceUnavailable");
    expect((e as Error).name).toBe("NotS3Answer");
  });

  test.each([
    ["an XML listing", "ListObjectsV2Command", 200, { "content-type": "application/xml" }],
    [
      "any x-amz- header",
      "ListObjectsV2Command",
      200,
      { "content-type": "text/html", "x-amz-request-id": "tx" },
    ],
    ["no content type (minimal servers)", "ListBucketsCommand", 200, {}],
    ["an object's own content type", "GetObjectCommand", 200, { "content-type": "text/html" }],
    [
      "a HEAD of an HTML object (its ETag)",
      "HeadObjectCommand",
      200,
      { "content-type": "text/html", ETag: '"e"' },
    ],
    ["a HEAD with x-amz- headers only", "HeadObjectCommand", 200, { "x-amz-request-id": "tx" }],
    [
      "an error answer (the deserializer's business)",
      "ListObjectsV2Command",
      404,
      { "content-type": "text/html" },
    ],
  ] as const)("passes %s", async (_name, command, status, headers) => {
    await expect(through(command, status, headers)).resolves.toBeDefined();
  });
});
