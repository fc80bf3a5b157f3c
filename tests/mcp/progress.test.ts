// Progress and cancellation over MCP (SPEC §5.1) with the SDK's real Client against the test S3
// server: notifications/progress for a transfer larger than one part when the request carries a
// progressToken; notifications/cancelled stops the S3 requests, aborts the multipart upload, leaves
// nothing and is audited as Cancelled.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { needs } from "../support/capabilities.ts";
import { startFaultProxy } from "../support/faultproxy.ts";
import {
  createTestBucket,
  getTestObject,
  getTestS3,
  listMultipartUploads,
  putTestObject,
  type TestS3,
} from "../support/s3.ts";
import { errorOf, type InProcess, inProcess } from "./inprocess.ts";

const MiB = 1024 * 1024;

let s3: TestS3;
let bucket: string;
beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "mcp-progress");
});

function body(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) out.writeUInt32LE(i, i);
  return out;
}

describe("progress", () => {
  let c: InProcess;
  beforeAll(async () => {
    c = await inProcess({ MCP_S3_EXT_READONLY: "false", MCP_S3_MAX_GET_SIZE: "16MiB" });
  });
  afterAll(() => c.close());

  test("a 12 MiB put reports increasing progress up to its size", async () => {
    const bytes = body(12 * MiB);
    const seen: Progress[] = [];
    const result = await c.call(
      "s3_put_object",
      { bucket, key: "big/12m.bin", content: bytes.toString("base64"), is_base64: true },
      { onprogress: (p) => seen.push(p) },
    );
    expect(errorOf(result)).toBeUndefined();
    expect(seen.length).toBeGreaterThan(1);
    // At most one notification per MiB, and the last one at the whole size.
    expect(seen.length).toBeLessThanOrEqual(12);
    expect(seen.every((p, i) => i === 0 || p.progress > (seen[i - 1] as Progress).progress)).toBe(true);
    expect(seen.every((p) => p.total === 12 * MiB)).toBe(true);
    expect(seen.at(-1)?.progress).toBe(12 * MiB);
    expect(Buffer.from((await getTestObject(s3, bucket, "big/12m.bin")) ?? []).equals(bytes)).toBe(true);
  });

  test("a 12 MiB get reports progress as the body comes in", async () => {
    const seen: Progress[] = [];
    const result = await c.call(
      "s3_get_object",
      { bucket, key: "big/12m.bin" },
      { onprogress: (p) => seen.push(p) },
    );
    expect(errorOf(result)).toBeUndefined();
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toMatchObject({ progress: 12 * MiB, total: 12 * MiB });
  });

  test("one part or less: no notifications", async () => {
    const seen: Progress[] = [];
    await putTestObject(s3, bucket, "small/one.txt", "one");
    const put = await c.call(
      "s3_put_object",
      { bucket, key: "small/p.txt", content: "x".repeat(1024) },
      { onprogress: (p) => seen.push(p) },
    );
    const get = await c.call(
      "s3_get_object",
      { bucket, key: "small/one.txt" },
      { onprogress: (p) => seen.push(p) },
    );
    expect(errorOf(put)).toBeUndefined();
    expect(errorOf(get)).toBeUndefined();
    expect(seen).toEqual([]);
  });
});

describe("cancellation", () => {
  needs("multipartAdmin").test(
    "a large put through a stalled S3, cancelled by the client: no object, no multipart upload, audited Cancelled",
    async () => {
      const proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 60_000, lifetimeMs: 120_000 });
      const c = await inProcess(
        { MCP_S3_EXT_READONLY: "false", S3_TIMEOUT: "60s" },
        { env: { S3_ENDPOINT: proxy.endpoint } },
      );
      try {
        // Part uploads stop being read after 1 MiB: the upload hangs as on a slow path.
        await proxy.set({
          fault: { kind: "stall-upload", afterBytes: MiB },
          match: (r) => r.method === "PUT" && r.target.includes("uploadId="),
        });
        const controller = new AbortController();
        const call = c.call(
          "s3_put_object",
          { bucket, key: "cancel/20m.bin", content: body(20 * MiB).toString("base64"), is_base64: true },
          { signal: controller.signal },
        );
        const outcome = call.then(
          () => "answered",
          (e: Error) => e.message,
        );
        // Cancel once a part upload is stuck in the stall.
        const deadline = Date.now() + 30_000;
        while (proxy.matched() === 0 && Date.now() < deadline) await Bun.sleep(20);
        expect(proxy.matched()).toBeGreaterThan(0);
        controller.abort("the user changed their mind");
        expect(await outcome).not.toBe("answered");

        // The server writes the audit line once the S3 requests are stopped and the upload aborted.
        const audited = Date.now() + 30_000;
        while (c.audit().find((l) => l.key === "cancel/20m.bin") === undefined && Date.now() < audited) {
          await Bun.sleep(20);
        }
        expect(c.audit().filter((l) => l.key === "cancel/20m.bin")).toEqual([
          expect.objectContaining({ tool: "s3_put_object", status: "error", error: "Cancelled" }),
        ]);
        await proxy.pass();
        expect(await getTestObject(s3, bucket, "cancel/20m.bin")).toBeNull();
        expect((await listMultipartUploads(s3, bucket)).filter((u) => u.key === "cancel/20m.bin")).toEqual(
          [],
        );
        // The session goes on.
        expect(errorOf(await c.call("s3_list_objects", { bucket, prefix: "cancel/" }))).toBeUndefined();
      } finally {
        await c.close();
        await proxy.stop();
      }
    },
    90_000,
  );
});
