// Bad input never takes the server down: malformed JSON-RPC gets JSON-RPC errors, arguments of the
// wrong type get an InvalidArgument result, and the server goes on answering afterwards.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import {
  err,
  INITIALIZE,
  ok,
  type RawServer,
  readAudit,
  type Session,
  startRaw,
  startSession,
} from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await putTestObject(s3, bucket, "data/a.txt", "alpha");
});

describe("malformed JSON-RPC on a raw pipe", () => {
  let raw: RawServer;

  beforeAll(async () => {
    // Read-only (the default): the longest accepted message is 1 MiB.
    raw = startRaw({ ...testEnv(s3), MCP_S3_MAX_PUT_SIZE: "1KB" });
    raw.request(1, "initialize", INITIALIZE);
    expect((await raw.response(1)).result?.serverInfo).toMatchObject({ name: "mcp-s3" });
    raw.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  });

  afterAll(() => raw?.kill("SIGKILL"));

  test("a line that is not JSON: parse error -32700 with id null", async () => {
    raw.send("this is not json");
    const r = await raw.response(null);
    expect(r.error?.code).toBe(-32700);
    raw.send('{"jsonrpc":"2.0","id":99,"method":"tools/list"');
    expect((await raw.response(null)).error?.code).toBe(-32700);
  });

  test("JSON that is not a JSON-RPC message: invalid request -32600, with its id when it has one", async () => {
    raw.send(JSON.stringify({ jsonrpc: "2.0", id: 5, method: 42 }));
    expect((await raw.response(5)).error?.code).toBe(-32600);
    raw.send(JSON.stringify({ jsonrpc: "1.0", id: 6, method: "tools/list" }));
    expect((await raw.response(6)).error?.code).toBe(-32600);
    raw.send("[]");
    expect((await raw.response(null)).error?.code).toBe(-32600);
    raw.send("42");
    expect((await raw.response(null)).error?.code).toBe(-32600);
  });

  test("a message over the size bound is skipped with -32600 for its id, the next one is read", async () => {
    raw.send(
      `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"pad":"${"x".repeat(2 * 1024 * 1024)}"}}`,
    );
    const r = await raw.response(7);
    expect(r.error?.code).toBe(-32600);
    expect(r.error?.message).toContain("limit of 1048576 bytes");
    raw.request(8, "tools/list");
    expect((await raw.response(8)).result?.tools).toHaveLength(9);
  });

  test("unknown method -32601; tools/call without a name or for an unknown tool -32602", async () => {
    raw.request(10, "no/such/method");
    expect((await raw.response(10)).error?.code).toBe(-32601);
    raw.request(11, "tools/call", { arguments: {} });
    const noName = await raw.response(11);
    expect(noName.error?.code).toBe(-32602);
    expect(noName.error?.message).toContain("params.name");
    raw.request(15, "resources/read", { uri: 42 });
    expect((await raw.response(15)).error?.code).toBe(-32602);
    raw.request(12, "tools/call", { name: "s3_format_disk", arguments: {} });
    const unknown = await raw.response(12);
    expect(unknown.error?.code).toBe(-32602);
    expect(unknown.error?.message).toContain("unknown tool");
    expect(unknown.error?.data).toMatchObject({ error: "InvalidArgument" });
  });

  test("blank lines and CRLF line ends are fine", async () => {
    raw.send("");
    raw.send("   ");
    raw.send(`${JSON.stringify({ jsonrpc: "2.0", id: 13, method: "ping" })}\r`);
    expect((await raw.response(13)).result).toEqual({});
  });

  test("after all of it the server still answers tool calls, then exits 0 on EOF", async () => {
    raw.request(14, "tools/call", { name: "s3_get_object", arguments: { bucket, key: "data/a.txt" } });
    const r = await raw.response(14);
    expect(r.result?.structuredContent).toMatchObject({ content: "alpha", is_base64: false });
    raw.endInput();
    expect(await raw.exited()).toEqual({ code: 0, signal: null });
    expect(raw.stderr()).not.toMatch(/error:|panic|Uncaught/i);
    // Each message on stdout was checked as JSON-RPC while it arrived.
    expect(raw.messages.length).toBeGreaterThanOrEqual(15);
    expect(readAudit(raw.auditFile)).toEqual([
      expect.objectContaining({ tool: "s3_get_object", key: "data/a.txt", status: "success" }),
    ]);
  });
});

describe("oversized messages: the bound follows the policy, the line is never buffered (SPEC §3)", () => {
  const MiB = 1024 * 1024;
  /** An s3_put_object request as the SDK's clients write it (id last), with `content` of `bytes` characters. */
  const putLine = (id: number, bytes: number) =>
    JSON.stringify({
      method: "tools/call",
      params: {
        name: "s3_put_object",
        arguments: { bucket, key: "data/big.bin", content: "A".repeat(bytes), is_base64: true },
      },
      jsonrpc: "2.0",
      id,
    });
  const hwmKiB = (pid: number) =>
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);

  test("read-only: an upload-sized line is refused by its id, naming the 1 MiB limit and why; the session goes on", async () => {
    const raw = startRaw(testEnv(s3));
    try {
      raw.request(1, "initialize", INITIALIZE);
      await raw.response(1);
      raw.send(putLine(2, 2 * MiB));
      const r = await raw.response(2);
      expect(r.error?.code).toBe(-32600);
      expect(r.error?.message).toContain(`limit of ${MiB} bytes`);
      expect(r.error?.message).toContain("read-only");
      // Just under the limit is read and answered (ReadOnlyMode, as for any write).
      raw.send(putLine(3, MiB - 1024));
      expect((await raw.response(3)).result?.structuredContent).toMatchObject({ error: "ReadOnlyMode" });
      raw.request(4, "ping");
      expect((await raw.response(4)).result).toEqual({});
    } finally {
      raw.kill("SIGKILL");
    }
  });

  test.skipIf(process.platform !== "linux")(
    "read-only: 64 MiB in one line does not grow the server's memory (discarded as it arrives)",
    async () => {
      const raw = startRaw(testEnv(s3));
      try {
        raw.request(1, "initialize", INITIALIZE);
        await raw.response(1);
        const before = hwmKiB(raw.pid);
        // Written in pieces, as a client streaming a large request would.
        const piece = "A".repeat(MiB);
        raw.write(
          '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"s3_put_object","arguments":{"content":"',
        );
        for (let i = 0; i < 64; i++) raw.write(piece);
        raw.send('"}}}');
        const r = await raw.response(2, 60_000);
        expect(r.error?.code).toBe(-32600);
        // Far less than the line (64 MiB): nothing of it was kept.
        console.log("64 MiB line: VmHWM grew by", hwmKiB(raw.pid) - before, "KiB");
        expect(hwmKiB(raw.pid) - before).toBeLessThan(16 * 1024);
        raw.request(3, "ping");
        expect((await raw.response(3)).result).toEqual({});
      } finally {
        raw.kill("SIGKILL");
      }
    },
  );

  test("writable: the bound is room for the largest upload allowed in base64; one just over is refused", async () => {
    const raw = startRaw({ ...testEnv(s3), MCP_S3_EXT_READONLY: "false", MCP_S3_MAX_PUT_SIZE: "1MiB" });
    try {
      raw.request(1, "initialize", INITIALIZE);
      await raw.response(1);
      // The largest allowed upload (1 MiB, 1.33 MiB in base64) fits in a line ...
      const body = Buffer.alloc(MiB, 7).toString("base64");
      raw.send(
        JSON.stringify({
          method: "tools/call",
          params: {
            name: "s3_put_object",
            arguments: { bucket, key: "data/max.bin", content: body, is_base64: true },
          },
          jsonrpc: "2.0",
          id: 2,
        }),
      );
      expect((await raw.response(2)).result?.structuredContent).toMatchObject({
        key: "data/max.bin",
        size: MiB,
      });
      // ... a line longer than that room plus 1 MiB of envelope is not.
      const limit = Math.ceil(MiB / 3) * 4 + MiB;
      raw.send(putLine(3, limit));
      const r = await raw.response(3);
      expect(r.error?.code).toBe(-32600);
      expect(r.error?.message).toContain(`limit of ${limit} bytes`);
      expect(r.error?.message).toContain("max_put_size 1MiB");
    } finally {
      raw.kill("SIGKILL");
    }
  });
});

describe("invalid tool arguments through an SDK client", () => {
  let session: Session;

  beforeAll(async () => {
    session = await startSession(testEnv(s3));
  });
  afterAll(async () => {
    await session?.close();
  });

  test("wrong types, missing fields, out-of-range values and unknown fields are InvalidArgument", async () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      ["s3_list_objects", { bucket: 5, max_keys: "ten" }, ["bucket", "max_keys"]],
      ["s3_list_objects", { bucket, max_keys: 0 }, ["max_keys"]],
      ["s3_list_objects", { bucket, max_keys: 1001 }, ["max_keys"]],
      ["s3_list_objects", { bucket, max_keys: 2.5 }, ["max_keys"]],
      ["s3_get_object", { bucket }, ["key"]],
      ["s3_get_object", { bucket, key: "data/a.txt", offset: -1 }, ["offset"]],
      ["s3_get_object", { bucket, key: "data/a.txt", length: "all" }, ["length"]],
      ["s3_get_object", { bucket, key: "" }, ["key"]],
      ["s3_get_object", { bucket, key: "data/a.txt", ofset: 3 }, ["ofset"]],
      ["s3_presign_url", { bucket, key: "data/a.txt", expires_in: 0 }, ["expires_in"]],
      ["s3_presign_url", { bucket, key: "data/a.txt", method: "DELETE" }, ["method"]],
      ["s3_put_object", { bucket, key: "k", content: 42 }, ["content"]],
      ["s3_put_object", { bucket, key: "k", content: "x", metadata: { a: 1 } }, ["metadata"]],
      ["s3_list_connections", { extra: true }, ["extra"]],
    ];
    for (const [tool, args, fields] of cases) {
      const before = session.audit().length;
      const e = err(await session.call(tool, args));
      expect({ tool, args, error: e.error }).toEqual({ tool, args, error: "InvalidArgument" });
      for (const f of fields) expect(e.message).toContain(f);
      // Audited as a failed attempt (not a refusal).
      expect(session.audit().slice(before)).toEqual([
        expect.objectContaining({ tool, status: "error", error: "InvalidArgument" }),
      ]);
    }
  });

  test("a malformed bucket name is InvalidBucketName", async () => {
    for (const name of ["..", "a/b", "-x", "bucket with space"]) {
      expect(err(await session.call("s3_list_objects", { bucket: name })).error).toBe("InvalidBucketName");
    }
  });

  test("the server still answers", async () => {
    expect(
      ok<{ content: string }>(await session.call("s3_get_object", { bucket, key: "data/a.txt" })).content,
    ).toBe("alpha");
  });
});
