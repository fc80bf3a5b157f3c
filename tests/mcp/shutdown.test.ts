// Ending a session: on stdin EOF, SIGTERM or SIGINT the server stops reading, lets the calls in
// flight finish (their responses reach the client), writes their audit lines and exits 0.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import { type DelayProxy, startDelayProxy } from "./delay-proxy.ts";
import { INITIALIZE, MAIN, type RawServer, ROOT, readAudit, startRaw } from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
let proxy: DelayProxy | undefined;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await putTestObject(s3, bucket, "data/slow.txt", "worth the wait", "text/plain");
});

afterAll(async () => {
  await proxy?.close();
});

async function started(env: Record<string, string>, command?: readonly string[]): Promise<RawServer> {
  const raw = startRaw({ ...testEnv(s3), ...env }, command);
  raw.request(1, "initialize", INITIALIZE);
  await raw.response(1);
  raw.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  return raw;
}

describe("ending the session with a call in flight", () => {
  // Every byte to S3 is held for 400 ms: a get (HEAD + GET) takes most of a second.
  for (const how of ["SIGTERM", "SIGINT", "EOF"] as const) {
    test(`${how}: the call finishes, its response and audit line are written, exit 0`, async () => {
      proxy = await startDelayProxy(s3.endpoint, 400);
      const raw = await started({ S3_ENDPOINT: proxy.endpoint });
      raw.request(2, "tools/call", { name: "s3_get_object", arguments: { bucket, key: "data/slow.txt" } });
      await proxy.firstRequest;
      // The call is in flight when the session ends: S3 has its request, the client no answer yet.
      expect(raw.messages.some((m) => m.id === 2)).toBe(false);
      if (how === "EOF") raw.endInput();
      else raw.kill(how);

      // The answer comes before the exit: no output can follow the end of the process.
      const response = await raw.response(2);
      expect(response.result?.isError).toBeUndefined();
      expect(response.result?.structuredContent).toMatchObject({ content: "worth the wait" });
      expect(await raw.exited()).toEqual({ code: 0, signal: null });
      expect(readAudit(raw.auditFile)).toEqual([
        expect.objectContaining({
          tool: "s3_get_object",
          key: "data/slow.txt",
          status: "success",
          bytes: 14,
        }),
      ]);
      await proxy.close();
      proxy = undefined;
    });
  }

  test("a second signal while draining aborts the call and still exits 0 with the attempt audited", async () => {
    proxy = await startDelayProxy(s3.endpoint, 3000);
    const raw = await started({ S3_ENDPOINT: proxy.endpoint });
    raw.request(2, "tools/call", { name: "s3_get_object", arguments: { bucket, key: "data/slow.txt" } });
    await proxy.firstRequest;
    raw.kill("SIGTERM");
    await Bun.sleep(200);
    raw.kill("SIGTERM");
    expect(await raw.exited()).toEqual({ code: 0, signal: null });
    // Aborted, not waited for: the call never answered (S3 was still holding its bytes).
    expect(raw.messages.some((m) => m.id === 2 && m.result !== undefined)).toBe(false);
    const lines = readAudit(raw.auditFile);
    expect(lines).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        key: "data/slow.txt",
        status: "error",
        error: "Cancelled",
      }),
    ]);
    await proxy.close();
    proxy = undefined;
  });
});

describe("a call the client cancels", () => {
  test("gets no response, is audited as Cancelled, and does not hold up the end of the session", async () => {
    proxy = await startDelayProxy(s3.endpoint, 1500);
    const raw = await started({ S3_ENDPOINT: proxy.endpoint });
    raw.request(2, "tools/call", { name: "s3_get_object", arguments: { bucket, key: "data/slow.txt" } });
    await proxy.firstRequest;
    raw.send(
      JSON.stringify({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 2, reason: "test" },
      }),
    );
    raw.request(3, "ping");
    expect((await raw.response(3)).result).toEqual({});
    raw.endInput();
    expect(await raw.exited()).toEqual({ code: 0, signal: null });
    expect(raw.messages.filter((m) => m.id === 2)).toEqual([]);
    // SPEC §5.1: a cancelled call is audited with error Cancelled (it used to say Timeout).
    expect(readAudit(raw.auditFile)).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        key: "data/slow.txt",
        status: "error",
        error: "Cancelled",
      }),
    ]);
    await proxy.close();
    proxy = undefined;
  });
});

describe("ending an idle session", () => {
  for (const how of ["SIGTERM", "SIGINT", "EOF"] as const) {
    test(`${how}: exit 0`, async () => {
      const raw = await started({});
      raw.request(2, "tools/call", { name: "s3_list_connections", arguments: {} });
      await raw.response(2);
      if (how === "EOF") raw.endInput();
      else raw.kill(how);
      expect(await raw.exited()).toEqual({ code: 0, signal: null });
      expect(readAudit(raw.auditFile)).toEqual([
        expect.objectContaining({ tool: "s3_list_connections", status: "success" }),
      ]);
    });
  }
});

describe("under Deno", () => {
  const DENO = [join(ROOT, "node_modules/.bin/deno"), "run", "-A", MAIN];
  for (const how of ["SIGTERM", "EOF"] as const) {
    test(`${how} with a call in flight: the call finishes, exit 0`, async () => {
      proxy = await startDelayProxy(s3.endpoint, 400);
      const raw = await started({ S3_ENDPOINT: proxy.endpoint }, DENO);
      raw.request(2, "tools/call", { name: "s3_get_object", arguments: { bucket, key: "data/slow.txt" } });
      await proxy.firstRequest;
      if (how === "EOF") raw.endInput();
      else raw.kill(how);
      expect((await raw.response(2)).result?.structuredContent).toMatchObject({ content: "worth the wait" });
      expect(await raw.exited()).toEqual({ code: 0, signal: null });
      expect(readAudit(raw.auditFile)).toEqual([
        expect.objectContaining({ tool: "s3_get_object", key: "data/slow.txt", status: "success" }),
      ]);
      await proxy.close();
      proxy = undefined;
    });
  }
});
