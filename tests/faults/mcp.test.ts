// Faults between the MCP server process and S3, seen through a real MCP session (SDK Client over
// stdio against `bun src/main.ts`): every fault ends in an isError result with the right code, in
// bounded time and retries; the server never crashes, keeps answering other calls meanwhile, never
// returns a cut-off download as content, leaves nothing half-written, and audits every call once.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { needs } from "../support/capabilities.ts";
import type { FaultProxy } from "../support/faultproxy.ts";
import type { TestS3 } from "../support/s3.ts";
import { createTestBucket, listMultipartUploads, putTestObject, testObjectExists } from "../support/s3.ts";
import { productEnv, proxyFor, readLines, rgw, type Sandbox, sandbox } from "./env.ts";
import { type McpSession, startMcp, toolErrorOf } from "./mcp.ts";

setDefaultTimeout(120_000);
const BOUND_MS = 20_000;

let s3: TestS3;
let proxy: FaultProxy;
let box: Sandbox;
let bucket: string;
let mcp: McpSession;
let auditPath: string;
/** tools/call requests sent; the audit file must end with exactly this many lines. */
let calls = 0;
const TEXT = "line of text for the fault tests\n".repeat(2000);

beforeAll(async () => {
  s3 = await rgw();
  proxy = await proxyFor(s3, 25_000);
  box = sandbox("faults-mcp");
  bucket = await createTestBucket(s3, "faults-mcp");
  await putTestObject(s3, bucket, "doc.txt", TEXT);
  await putTestObject(s3, bucket, "other.txt", "other");
  auditPath = box.auditFile();
  mcp = await startMcp(
    productEnv(s3, box, proxy.endpoint, {
      S3_TIMEOUT: "1s",
      MCP_S3_EXT_READONLY: "false",
      MCP_S3_EXT_AUDIT: "true",
      MCP_S3_AUDIT_FILE: auditPath,
      MCP_S3_MAX_PUT_SIZE: "64MB",
    }),
  );
});

afterAll(async () => {
  await mcp?.close();
  await proxy?.stop();
  box?.cleanup();
});

async function call(name: string, args: Record<string, unknown> = {}) {
  calls++;
  const t0 = performance.now();
  const result = await mcp.call(name, args);
  return { result, error: toolErrorOf(result), ms: performance.now() - t0 };
}

async function stillWorks(): Promise<void> {
  await proxy.pass();
  const { result, error } = await call("s3_get_object", { bucket, key: "doc.txt" });
  expect(error).toBeUndefined();
  expect((result.structuredContent as { content: string }).content).toBe(TEXT);
  expect(mcp.alive()).toBe(true);
}

const isGet = (r: { method: string }) => r.method === "GET";

describe("fault → tool error, bounded", () => {
  const cases = [
    ["503 SlowDown storm", { kind: "status", status: 503 }, "ServiceUnavailable"],
    ["500 InternalError storm", { kind: "status", status: 500 }, "InternalError"],
    ["refused connections", { kind: "refuse" }, "ServiceUnavailable"],
    ["connections reset on accept", { kind: "reset-on-accept" }, "ServiceUnavailable"],
    ["stall (S3_TIMEOUT=1s)", { kind: "stall" }, "Timeout"],
    ["slow-loris drip (S3_TIMEOUT=1s)", { kind: "drip", intervalMs: 200 }, "Timeout"],
  ] as const;
  /**
   * 3 attempts by the SDK. A request on a kept-alive connection that is reset before any answer is
   * resent once by Bun's fetch on a new connection (a pooled connection may have gone stale), so a
   * reset can cost one connection more; every other fault, exactly one per attempt.
   */
  const maxConnections = (kind: string) => (kind === "reset-on-accept" ? 4 : 3);
  for (const [label, fault, code] of cases) {
    test(`${label}: ${code}, at most 3 attempts, next call works`, async () => {
      await proxy.set({ fault });
      const { error, ms } = await call("s3_list_objects", { bucket });
      expect(error?.error).toBe(code);
      expect(error?.message.length).toBeGreaterThan(0);
      expect(proxy.matched()).toBeLessThanOrEqual(maxConnections(fault.kind));
      expect(ms).toBeLessThan(BOUND_MS);
      await stillWorks();
    });
  }

  test("2 x 503 then success: the call succeeds with the whole content", async () => {
    await proxy.set({ fault: { kind: "status", status: 503 }, times: 2 });
    const { result, error } = await call("s3_get_object", { bucket, key: "doc.txt" });
    expect(error).toBeUndefined();
    expect((result.structuredContent as { content: string }).content).toBe(TEXT);
    expect(proxy.counts().status).toBe(2);
  });

  test("2 x 500 then success on a listing", async () => {
    await proxy.set({ fault: { kind: "status", status: 500 }, times: 2 });
    const { result, error } = await call("s3_list_objects", { bucket });
    expect(error).toBeUndefined();
    expect((result.structuredContent as { count: number }).count).toBe(2);
  });
});

describe("a cut-off download is an error, never content", () => {
  for (const fault of [
    { kind: "truncate", keepBytes: 1000 },
    { kind: "truncate", keepBytes: TEXT.length - 1 },
    { kind: "reset-response", afterBytes: 0 },
    { kind: "reset-response", afterBytes: 30_000 },
    { kind: "stall-response", afterBytes: 5000 },
  ] as const) {
    test(`${fault.kind} at ${"keepBytes" in fault ? fault.keepBytes : fault.afterBytes}`, async () => {
      await proxy.set({ fault, match: isGet });
      const { result, error, ms } = await call("s3_get_object", { bucket, key: "doc.txt" });
      expect(result.isError).toBe(true);
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(error?.error as string);
      expect(JSON.stringify(result)).not.toContain("line of text for the fault tests");
      expect(ms).toBeLessThan(BOUND_MS);
      await stillWorks();
    });
  }

  test("a resource read cut off is a JSON-RPC error, never content", async () => {
    await proxy.set({ fault: { kind: "truncate", keepBytes: 100 }, match: isGet });
    calls++;
    const read = await mcp.client
      .readResource({ uri: `s3://default/${bucket}/doc.txt` })
      .then((r) => ({ ok: true as const, r }))
      .catch((e: Error) => ({ ok: false as const, e }));
    expect(read.ok).toBe(false);
    await stillWorks();
  });
});

describe("the server keeps answering while a call hangs on a stalled S3", () => {
  test("other calls are answered while one waits for a stalled GET", async () => {
    await proxy.set({ fault: { kind: "stall" }, match: (r) => isGet(r) && r.target.includes("doc.txt") });
    const hanging = call("s3_get_object", { bucket, key: "doc.txt" });
    const t0 = performance.now();
    const quick = await Promise.all([
      call("s3_list_connections"),
      call("s3_get_object", { bucket, key: "other.txt" }),
      call("s3_list_objects", { bucket }),
      call("s3_delete_object", { bucket: "nope", key: "x", connection: "missing" }),
    ]);
    const quickMs = performance.now() - t0;
    expect(quick.slice(0, 3).map((q) => q.error)).toEqual([undefined, undefined, undefined]);
    expect(quick[3]?.error?.error).toBe("ConnectionNotFound");
    const slow = await hanging;
    expect(slow.error?.error).toBe("Timeout");
    // The quick ones did not wait for the stalled one's timeouts (3 attempts x 1 s).
    expect(quickMs).toBeLessThan(slow.ms);
    await stillWorks();
  });
});

needs("atomicPuts", "multipartAdmin").describe(
  "an interrupted put leaves no object and no multipart upload",
  () => {
    test("small put reset mid-body", async () => {
      await proxy.set({ fault: { kind: "reset-upload", afterBytes: 100 }, match: (r) => r.method === "PUT" });
      const { error } = await call("s3_put_object", { bucket, key: "put-reset.txt", content: TEXT });
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(error?.error as string);
      await proxy.pass();
      expect(await testObjectExists(s3, bucket, "put-reset.txt")).toBe(false);
    });

    test("multipart put (17 MiB) with every part upload reset mid-body", async () => {
      const content = "m".repeat(17 * 1024 * 1024 + 3);
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 512 * 1024 },
        match: (r) => r.method === "PUT" && /[?&]partNumber=/.test(r.target),
      });
      const { error, ms } = await call("s3_put_object", {
        bucket,
        key: "put-multi.bin",
        content,
      });
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(error?.error as string);
      expect(ms).toBeLessThan(60_000);
      await proxy.pass();
      expect(await testObjectExists(s3, bucket, "put-multi.bin")).toBe(false);
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    });

    test("copy under a 503 storm: no destination object", async () => {
      await proxy.set({ fault: { kind: "status", status: 503 }, match: (r) => r.method === "PUT" });
      const { error } = await call("s3_copy_object", {
        source_bucket: bucket,
        source_key: "doc.txt",
        dest_bucket: bucket,
        dest_key: "copied.txt",
      });
      expect(error?.error).toBe("ServiceUnavailable");
      expect(proxy.matched()).toBeLessThanOrEqual(3);
      await proxy.pass();
      expect(await testObjectExists(s3, bucket, "copied.txt")).toBe(false);
    });
  },
);

describe("regressions", () => {
  // Was: the BASE64 regex of src/mcp/content.ts returned false on inputs of a few MB under
  // JavaScriptCore, so a valid base64 body over ~6 MiB was refused as "not valid base64".
  test("a base64 body of 17 MiB (under the put limit) is accepted, not 'not valid base64'", async () => {
    const bytes = Buffer.alloc(17 * 1024 * 1024 + 3);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
    await proxy.pass();
    const { result, error } = await call("s3_put_object", {
      bucket,
      key: "big-base64.bin",
      content: bytes.toString("base64"),
      is_base64: true,
    });
    expect(error).toBeUndefined();
    expect((result.structuredContent as { size: number }).size).toBe(bytes.length);
  });
});

test("the server survived every fault and audited every call exactly once", async () => {
  expect(mcp.alive()).toBe(true);
  const lines = readLines(auditPath);
  expect(lines).toHaveLength(calls);
  for (const l of lines) {
    expect(l.source).toBe("mcp");
    expect(["success", "error", "denied"]).toContain(l.status as string);
  }
  const errors = new Set(lines.filter((l) => l.status === "error").map((l) => l.error));
  for (const code of ["ServiceUnavailable", "InternalError", "Timeout"]) expect(errors.has(code)).toBe(true);
  // Stdout carried only JSON-RPC.
  for (const line of mcp.transport.stdout.split("\n").filter((l) => l !== "")) {
    expect(JSON.parse(line).jsonrpc).toBe("2.0");
  }
  // Closing stdin ends the session cleanly.
  expect(await mcp.close()).toBe(0);
});
