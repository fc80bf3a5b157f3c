// The read budget through the MCP server against RGW (SPEC §3 "Bounded resources"): reads beyond the
// budget wait, a full queue or an expired wait is refused with ServiceUnavailable (audited), tools and
// resources share one budget, and every reservation is given back once its response has been sent.
// In-process (the server factory over the SDK's InMemoryTransport, a real Client) so that each test
// can give the server a small budget; S3 requests pass a delay proxy so that a read reliably holds its
// reservation while the others arrive.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig } from "../../src/config/load.ts";
import { ReadBudget, type ReadBudgetOptions } from "../../src/mcp/read-budget.ts";
import { createServer } from "../../src/mcp/server.ts";
import { createOpsContext } from "../../src/ops/index.ts";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import { type DelayProxy, startDelayProxy } from "./delay-proxy.ts";
import { objectBytes, readAudit, tempDir } from "./harness.ts";

setDefaultTimeout(60_000);

const MiB = 1024 * 1024;
/** Every request to S3 waits this long: a read holds its reservation at least that long. */
const DELAY_MS = 1500;
const BODY = (i: number) => new Uint8Array(MiB).fill(0x80 + i);

let s3: TestS3;
let bucket: string;
let proxy: DelayProxy;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  for (let i = 0; i < 3; i++)
    await putTestObject(s3, bucket, `data/${i}.bin`, BODY(i), "application/octet-stream");
  proxy = await startDelayProxy(s3.endpoint, DELAY_MS);
});

afterAll(async () => {
  await proxy?.close();
});

interface Served {
  client: Client;
  budget: ReadBudget;
  auditFile: string;
  read(i: number, signal?: AbortSignal): Promise<CallToolResult>;
  close(): Promise<void>;
}

async function serve(options: Partial<ReadBudgetOptions>): Promise<Served> {
  const auditFile = join(tempDir(), "audit.jsonl");
  const config = loadConfig({
    env: {
      ...testEnv(s3),
      S3_ENDPOINT: proxy.endpoint,
      MCP_S3_EXT_AUDIT: "true",
      MCP_S3_AUDIT_FILE: auditFile,
    },
  });
  const ops = createOpsContext(config, { source: "mcp" });
  const budget = new ReadBudget({ capacityBytes: MiB, maxWaiting: 8, maxWaitMs: 60_000, ...options });
  const server = createServer(config, ops, { readBudget: budget });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "read-budget-test", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    client,
    budget,
    auditFile,
    read: (i, signal) =>
      client.callTool({ name: "s3_get_object", arguments: { bucket, key: `data/${i}.bin` } }, undefined, {
        timeout: 45_000,
        ...(signal === undefined ? {} : { signal }),
      }) as Promise<CallToolResult>,
    async close() {
      await client.close();
      await server.close();
      ops.close();
    },
  };
}

const codeOf = (r: CallToolResult) => (r.isError ? (r.structuredContent as { error: string }).error : "ok");
const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("the read budget in the server", () => {
  test("reads beyond the budget wait their turn and all succeed; nothing stays reserved", async () => {
    const served = await serve({ capacityBytes: MiB });
    try {
      let most = 0;
      const sampler = setInterval(() => {
        most = Math.max(most, served.budget.inUse);
      }, 5);
      const results = await Promise.all([0, 1, 2].map((i) => served.read(i)));
      clearInterval(sampler);
      results.forEach((r, i) => {
        expect(codeOf(r)).toBe("ok");
        expect(objectBytes(r)).toEqual(BODY(i));
        expect(r._meta).toBeUndefined();
      });
      expect(most).toBeLessThanOrEqual(MiB);
      await settled();
      expect({ inUse: served.budget.inUse, waiting: served.budget.waiting }).toEqual({
        inUse: 0,
        waiting: 0,
      });
    } finally {
      await served.close();
    }
  });

  test("a full queue: the read is refused with ServiceUnavailable and a hint, and audited", async () => {
    const served = await serve({ capacityBytes: MiB + MiB / 2, maxWaiting: 1 });
    try {
      const results = await Promise.all([0, 1, 2].map((i) => served.read(i)));
      const codes = results.map(codeOf).sort();
      // One running, one waiting, the third finds the queue full.
      expect(codes).toEqual(["ServiceUnavailable", "ok", "ok"]);
      const refused = results.find((r) => r.isError)?.structuredContent as { message: string; hint: string };
      expect(refused.message).toContain("too many large reads in flight");
      expect(refused.hint).toContain("retry");
      const audit = readAudit(served.auditFile);
      expect(audit.filter((l) => l.status === "error")).toEqual([
        expect.objectContaining({ tool: "s3_get_object", error: "ServiceUnavailable" }),
      ]);
      await settled();
      expect(served.budget.inUse).toBe(0);
    } finally {
      await served.close();
    }
  });

  test("a wait past the deadline is refused with ServiceUnavailable", async () => {
    const served = await serve({ capacityBytes: MiB, maxWaitMs: 100 });
    try {
      const results = await Promise.all([0, 1].map((i) => served.read(i)));
      expect(results.map(codeOf).sort()).toEqual(["ServiceUnavailable", "ok"]);
      const refused = results.find((r) => r.isError)?.structuredContent as { message?: string } | undefined;
      expect(refused?.message).toContain("no room came free");
    } finally {
      await served.close();
    }
  });

  test("resources/read shares the budget with s3_get_object", async () => {
    const served = await serve({ capacityBytes: MiB, maxWaiting: 0 });
    try {
      const [tool, resource] = await Promise.allSettled([
        served.read(0),
        served.client.readResource({ uri: `s3://default/${bucket}/data/1.bin` }),
      ]);
      const toolCode = tool.status === "fulfilled" ? codeOf(tool.value) : "threw";
      const resourceCode =
        resource.status === "fulfilled"
          ? "ok"
          : ((resource.reason as { data?: { error?: string } }).data?.error ?? "threw");
      // Whichever came second found the budget spent and nowhere to wait.
      expect([toolCode, resourceCode].sort()).toEqual(["ServiceUnavailable", "ok"]);
      await settled();
      expect(served.budget.inUse).toBe(0);
    } finally {
      await served.close();
    }
  });

  test("a waiting read that the client cancels leaves the queue at once", async () => {
    const served = await serve({ capacityBytes: MiB });
    try {
      const first = served.read(0);
      const controller = new AbortController();
      const second = served.read(1, controller.signal).catch((e: Error) => e);
      // Both HEADs pass the delay proxy together; the second then waits for room.
      for (let i = 0; i < 200 && served.budget.waiting === 0; i++) await settled();
      expect(served.budget.waiting).toBe(1);
      controller.abort();
      for (let i = 0; i < 100 && served.budget.waiting > 0; i++) await settled();
      expect(served.budget.waiting).toBe(0);
      expect(served.budget.inUse).toBe(MiB);
      expect(codeOf(await first)).toBe("ok");
      expect(await second).toBeInstanceOf(Error);
      await settled();
      expect(served.budget.inUse).toBe(0);
    } finally {
      await served.close();
    }
  });
});
