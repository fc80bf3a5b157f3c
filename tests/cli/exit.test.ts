// The one mapping from error codes to exit codes and the one way a failure is printed
// (src/cli/exit.ts), as pure functions over a recording Io: every code has its exit code, policy
// codes are 3, an interrupt is Cancelled with 130/143, human error lines escape what could drive a
// terminal, --json is exactly the object, and a mapped error's cause is never printed.
import { describe, expect, test } from "bun:test";
import { EXIT, exitCodeFor, Interrupted, reportError } from "../../src/cli/exit.ts";
import type { Io } from "../../src/cli/io.ts";
import { ConfigError, ERROR_CODES, type ErrorCode, POLICY_CODES, S3ToolError } from "../../src/errors.ts";
import { toS3ToolError } from "../../src/s3/errors.ts";

function recordingIo(options: { tty?: boolean } = {}): Io & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY: options.tty ?? false,
    stdoutColor: false,
    stderrColor: false,
    write: async () => {},
    error: (text) => {
      err.push(text);
    },
    status: () => {},
    flush: async () => {},
    stdoutClosed: () => false,
  };
}

describe("exitCodeFor", () => {
  const expected: Record<ErrorCode, number> = {
    NoSuchBucket: 4,
    NoSuchKey: 4,
    ConnectionNotFound: 4,
    AccessDenied: 1,
    InvalidBucketName: 2,
    InvalidArgument: 2,
    UsageError: 2,
    EntityTooLarge: 3,
    ReadOnlyMode: 3,
    PrefixDenied: 3,
    BucketDenied: 3,
    ConsentRequired: 3,
    ConsentDeclined: 3,
    PresignDisabled: 3,
    NoCredentials: 1,
    Cancelled: 130,
    Timeout: 1,
    ServiceUnavailable: 1,
    InternalError: 1,
    InvalidConfig: 5,
  };

  test.each(ERROR_CODES.map((c) => [c, expected[c]] as const))("%s → %d", (code, exit) => {
    expect(exitCodeFor(code)).toBe(exit);
  });

  test("every policy code is a refusal (3), and nothing else is", () => {
    for (const code of ERROR_CODES) {
      expect(exitCodeFor(code) === EXIT.refused).toBe(POLICY_CODES.has(code));
    }
  });
});

describe("reportError", () => {
  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("an interrupt by %s: Cancelled, exit %d", (signal, exit) => {
    const io = recordingIo();
    expect(reportError(io, new Interrupted(signal), { json: false })).toBe(exit);
    expect(io.err).toEqual([`mcp-s3: Cancelled: interrupted by ${signal}`]);
    const jsonIo = recordingIo();
    expect(reportError(jsonIo, new Interrupted(signal), { json: true })).toBe(exit);
    expect(jsonIo.err).toEqual([
      JSON.stringify({ error: "Cancelled", message: `interrupted by ${signal}`, hint: "" }),
    ]);
  });

  test("an interrupt whose clean-up failed says what is left on the same line", () => {
    const stop = new Interrupted("SIGINT");
    stop.noteCleanupFailure({
      note: "the multipart upload U of s3://b/k could not be aborted",
      hint: "abort it",
    });
    const io = recordingIo({ tty: true });
    expect(reportError(io, stop, { json: false })).toBe(130);
    expect(io.err).toEqual([
      "mcp-s3: Cancelled: interrupted by SIGINT; the multipart upload U of s3://b/k could not be aborted",
      "hint: abort it",
    ]);
  });

  test("a refusal with a failed clean-up keeps its code and exit code", () => {
    const err = new S3ToolError("EntityTooLarge", "too big", "raise the limit");
    err.noteCleanupFailure({ note: "upload U left", hint: "abort U" });
    const io = recordingIo();
    expect(reportError(io, err, { json: true })).toBe(3);
    expect(io.err).toEqual([
      JSON.stringify({
        error: "EntityTooLarge",
        message: "too big; upload U left",
        hint: "raise the limit; abort U",
      }),
    ]);
  });

  test("the message and hint are escaped on the human line", () => {
    const io = recordingIo({ tty: true });
    const err = new S3ToolError("NoSuchKey", "no such key (s3://b/a\x1b[2J\nb\u202e)", "list s3://b/a\r");
    expect(reportError(io, err, { json: false })).toBe(4);
    expect(io.err).toEqual([
      "mcp-s3: NoSuchKey: no such key (s3://b/a\\x1b[2J\\nb\\u202e)",
      "hint: list s3://b/a\\r",
    ]);
  });

  test("--json prints the object exactly as JSON.stringify writes it (no second escaping)", () => {
    const io = recordingIo();
    const err = new S3ToolError("NoSuchKey", "no such key (s3://b/a\x1b\u202e\\x)", "");
    reportError(io, err, { json: true });
    expect(io.err).toEqual([JSON.stringify({ error: "NoSuchKey", message: err.message, hint: "" })]);
  });

  test("an invalid configuration: one line per problem, each escaped (a value cannot add a line)", () => {
    const io = recordingIo();
    const err = new ConfigError(["S3_TIMEOUT: bad value", 'policy.max_get_size: "1\nforged" is not a size']);
    expect(reportError(io, err, { json: false })).toBe(5);
    expect(io.err).toEqual([
      "mcp-s3: InvalidConfig: invalid configuration (2 problems):",
      "  - S3_TIMEOUT: bad value",
      '  - policy.max_get_size: "1\\nforged" is not a size',
    ]);
  });

  test("a mapped SDK error's cause is never printed, in either form", () => {
    const sdk = Object.assign(new Error("We encountered an internal error. (detail)"), {
      name: "InternalError",
      $metadata: { httpStatusCode: 500, requestId: "REQ-123" },
    });
    const err = toS3ToolError(sdk, { bucket: "b", key: "k" });
    expect(err.cause).toEqual({
      name: "InternalError",
      message: "We encountered an internal error. (detail)",
      status: 500,
      request_id: "REQ-123",
    });
    for (const json of [false, true]) {
      const io = recordingIo({ tty: true });
      reportError(io, err, { json });
      expect(io.err.join("\n")).not.toContain("REQ-123");
    }
  });
});
