// Reused MCP servers (src/http/pool.ts): one per request at a time, the request's identity on its
// audit lines, and nothing of the previous request's client left on it.
import { describe, expect, test } from "bun:test";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { loadConfig } from "../../src/config/load.ts";
import { ServerPool } from "../../src/http/pool.ts";
import { createOpsContext } from "../../src/ops/index.ts";

const config = loadConfig({ env: { HOME: "/nonexistent", AWS_EC2_METADATA_DISABLED: "true" } });

function request(body: unknown): Request {
  return new Request("http://localhost/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify(body),
  });
}

async function serve(pool: ServerPool, body: unknown, requestId: string) {
  const lease = pool.acquire(config, { principal: "p", request_id: requestId });
  const transport = new WebStandardStreamableHTTPServerTransport({});
  await lease.server.connect(transport);
  const response = await transport.handleRequest(request(body));
  const text = await response.text();
  await lease.release();
  return { lease, text };
}

describe("ServerPool", () => {
  test("a released server is reused, without the previous request's client", async () => {
    const ops = createOpsContext(config, { source: "http" });
    const pool = new ServerPool(ops, 60_000);
    const first = await serve(
      pool,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: { elicitation: { form: {} } },
          clientInfo: { name: "a", version: "1" },
        },
      },
      "r1",
    );
    expect(first.text).toContain('"serverInfo"');
    const second = pool.acquire(config, { principal: "q", request_id: "r2" });
    expect(second.server).toBe(first.lease.server);
    expect(second.server.server.getClientCapabilities()).toBeUndefined();
    expect(second.server.server.getClientVersion()).toBeUndefined();
    // Taken: the next request gets another server.
    expect(pool.acquire(config, {}).server).not.toBe(second.server);
    await second.release();
    ops.close();
  });

  test("operations are audited under the request the server is serving now", async () => {
    const lines: Record<string, unknown>[] = [];
    const ops = createOpsContext(config, {
      source: "http",
      audit: { enabled: true, write: (r) => void lines.push({ ...r }), close() {} },
    });
    const pool = new ServerPool(ops, 60_000);
    const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "s3_list_connections" } };
    await serve(pool, call, "first");
    await serve(pool, call, "second");
    expect(lines.map((l) => [l.tool, l.request_id, l.source])).toEqual([
      ["s3_list_connections", "first", "http"],
      ["s3_list_connections", "second", "http"],
    ]);
    ops.close();
  });
});
