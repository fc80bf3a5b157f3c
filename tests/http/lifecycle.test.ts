// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references in the YAML under test
// Statelessness (two processes answer one client), graceful SIGTERM (in-flight calls finish, their
// audit lines are written, exit 0; a call that outlives the drain is aborted and still audited),
// per-call deadlines, and startup refusals.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { type DelayProxy, startDelayProxy } from "../mcp/delay-proxy.ts";
import { err, ok } from "../mcp/harness.ts";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import {
  connectClient,
  DENO,
  type HttpServer,
  post,
  readAudit,
  sseMessages,
  startFailure,
  startHttpServer,
  tempDir,
  writeConfigFile,
} from "./harness.ts";

setDefaultTimeout(90_000);

let s3: TestS3;
let bucket: string;
const proxies: DelayProxy[] = [];

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "life");
  await putTestObject(s3, bucket, "data/a.txt", "alpha", "text/plain");
  await putTestObject(s3, bucket, "data/slow.txt", "worth the wait", "text/plain");
});

afterAll(async () => {
  for (const p of proxies) await p.close();
});

async function delayed(ms: number): Promise<DelayProxy> {
  const proxy = await startDelayProxy(s3.endpoint, ms);
  proxies.push(proxy);
  return proxy;
}

const callBody = (key: string) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 5,
    method: "tools/call",
    params: { name: "s3_get_object", arguments: { bucket, key } },
  });

describe("stateless: any process answers any request", () => {
  test("one client, its requests spread over two server processes, sharing one audit file", async () => {
    const auditFile = join(tempDir(), "audit.jsonl");
    const env = { ...testEnv(s3), MCP_S3_EXT_LOGGING: "true" };
    const [a, b] = await Promise.all([
      startHttpServer({ env, auditFile }),
      startHttpServer({ env, auditFile }),
    ]);
    try {
      // A round-robin "load balancer": each request goes to the other process.
      let turn = 0;
      const ports = [a.port, b.port];
      const balancer = ((input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(input instanceof Request ? input.url : input.toString());
        url.port = String(ports[turn++ % 2]);
        return fetch(url, init);
      }) as typeof fetch;
      const session = await connectClient(a.url, { fetch: balancer });
      for (let i = 0; i < 6; i++) {
        expect(ok(await session.call("s3_get_object", { bucket, key: "data/a.txt" }))).toMatchObject({
          content: "alpha",
        });
      }
      await session.close();
      // Both processes served calls (and the initialize, tools/list ... before them).
      const served = (s: HttpServer) =>
        s
          .stderr()
          .split("\n")
          .filter((l) => l.includes('"msg":"http request"')).length;
      expect(served(a)).toBeGreaterThanOrEqual(4);
      expect(served(b)).toBeGreaterThanOrEqual(4);
      // Six whole lines from two writers on one file.
      const lines = readAudit(auditFile);
      expect(lines).toHaveLength(6);
      expect(new Set(lines.map((l) => l.request_id)).size).toBe(6);
      expect(
        lines.every((l) => l.source === "http" && l.status === "success" && l.principal === undefined),
      ).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe("SIGTERM", () => {
  test("a call in flight finishes, its audit line is written, the process exits 0", async () => {
    const proxy = await delayed(400);
    const server = await startHttpServer({ env: { ...testEnv(s3), S3_ENDPOINT: proxy.endpoint } });
    const pending = post(server.url, {}, callBody("data/slow.txt"));
    await proxy.firstRequest;
    server.kill("SIGTERM");
    const res = await pending;
    expect(res.status).toBe(200);
    const [message] = await sseMessages(res);
    expect(message).toMatchObject({ id: 5, result: { structuredContent: { content: "worth the wait" } } });
    expect(await server.exited()).toEqual({ code: 0, signal: null });
    expect(readAudit(server.auditFile)).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        key: "data/slow.txt",
        status: "success",
        source: "http",
      }),
    ]);
    // It no longer accepts connections.
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });

  test("a call still running after the 10 s drain is aborted and audited; exit 0", async () => {
    const proxy = await delayed(30_000);
    const server = await startHttpServer({
      env: { ...testEnv(s3), S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "60s" },
    });
    const pending = post(server.url, {}, callBody("data/slow.txt")).then(
      async (r) => r.text(),
      () => "",
    );
    await proxy.firstRequest;
    server.kill("SIGTERM");
    expect(await server.exited()).toEqual({ code: 0, signal: null });
    await pending;
    expect(readAudit(server.auditFile)).toEqual([
      expect.objectContaining({ tool: "s3_get_object", key: "data/slow.txt", status: "error" }),
    ]);
  });
});

describe("under Deno", () => {
  test("the same sources serve HTTP, and SIGTERM after calls ends the process (no timer keeps it alive)", async () => {
    const server = await startHttpServer({ env: testEnv(s3), runtime: DENO });
    const session = await connectClient(server.url);
    expect(ok(await session.call("s3_get_object", { bucket, key: "data/a.txt" }))).toMatchObject({
      content: "alpha",
    });
    await session.close();
    // stop() sends SIGTERM and gives up with SIGKILL after 15 s: a clean exit 0 came by itself.
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(readAudit(server.auditFile)).toHaveLength(1);
  });
});

describe("deadlines", () => {
  test("a call that outlives http.call_timeout is stopped and answered as a timeout", async () => {
    const proxy = await delayed(3_000);
    const config = writeConfigFile(tempDir(), "http:\n  call_timeout: 1s\n");
    const server = await startHttpServer({
      env: { ...testEnv(s3), S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "60s", MCP_S3_CONFIG: config },
    });
    try {
      const session = await connectClient(server.url);
      const body = err(await session.call("s3_get_object", { bucket, key: "data/slow.txt" }));
      expect(body.error).toBe("Timeout");
      await session.close();
      expect(readAudit(server.auditFile)).toEqual([
        expect.objectContaining({ tool: "s3_get_object", status: "error", error: "Timeout" }),
      ]);
    } finally {
      await server.stop();
    }
  });
});

describe("startup", () => {
  test("no authorization on a non-loopback address is refused (exit 5) ...", async () => {
    const r = await startFailure(testEnv(s3), ["--http", "0.0.0.0:0"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("only allowed on a loopback address");
  });

  test("... unless --insecure-no-auth, which is announced", async () => {
    const server = await startHttpServer({
      env: testEnv(s3),
      args: ["--http", "0.0.0.0:0", "--insecure-no-auth"],
    });
    try {
      expect(server.stderr()).toContain("WARNING: --insecure-no-auth");
      expect(server.url).toStartWith("http://127.0.0.1:");
    } finally {
      await server.stop();
    }
  });

  test("audit lines on stdout (audit.file -) in HTTP mode; refused for stdio, whose stdout is MCP's", async () => {
    const server = await startHttpServer({ env: testEnv(s3), auditFile: "-" });
    try {
      const session = await connectClient(server.url);
      ok(await session.call("s3_list_objects", { bucket }));
      await session.close();
    } finally {
      await server.stop();
    }
    const line = JSON.parse(server.stdout().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ tool: "s3_list_objects", status: "success", source: "http" });

    const stdio = await startFailure(
      { ...testEnv(s3), MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: "-" },
      [],
    );
    expect(stdio.code).toBe(5);
    expect(stdio.stderr).toContain("only for `serve --http`");
  });

  test("--insecure-no-auth without --http is a usage error", async () => {
    const r = await startFailure(testEnv(s3), ["--insecure-no-auth"]);
    expect(r.code).toBe(2);
  });
});
