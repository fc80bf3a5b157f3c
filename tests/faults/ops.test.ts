// Faults injected between the operation layer and the real S3 server (RGW): refused and reset
// connections, 503/500 storms, stalls, resets and truncation mid-body, interrupted uploads. Each
// call must end with the right error code, in bounded time and bounded retries, leave nothing
// half-written on the server, be audited once, and the next call must work.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { S3ToolError } from "../../src/errors.ts";
import * as download from "../../src/ops/download.ts";
import * as ops from "../../src/ops/index.ts";
import { createOpsContext, type OpsContext } from "../../src/ops/index.ts";
import { toS3ToolError } from "../../src/s3/errors.ts";
import { needs } from "../support/capabilities.ts";
import type { FaultProxy } from "../support/faultproxy.ts";
import type { TestS3 } from "../support/s3.ts";
import {
  createTestBucket,
  listAllKeys,
  listMultipartUploads,
  putTestObject as seed,
  testObjectExists,
  testObjectSha256,
} from "../support/s3.ts";
import { productEnv, proxyFor, readLines, rgw, type Sandbox, sandbox } from "./env.ts";

setDefaultTimeout(90_000);

/** Generous: every faulted call here must end well before this (S3_TIMEOUT is 1 s). */
const BOUND_MS = 20_000;

let s3: TestS3;
let proxy: FaultProxy;
let box: Sandbox;
let bucket: string;
let ctx: OpsContext & { close(): void };
/** Same, with a 10 s timeout: a loaded RGW may think longer than 1 s about a 16 MiB part. */
let uploadCtx: OpsContext & { close(): void };
let auditPath: string;
const SMALL = new TextEncoder().encode("hello, faults\n".repeat(10));
const BIG = new Uint8Array(600_000).map((_, i) => (i * 7 + 3) % 251);

beforeAll(async () => {
  s3 = await rgw();
  // Long holds: without a working S3_TIMEOUT a stalled call would take 3 x 25 s, past the bound.
  proxy = await proxyFor(s3, 25_000);
  box = sandbox("faults-ops");
  bucket = await createTestBucket(s3, "faults");
  await seed(s3, bucket, "small.txt", SMALL);
  await seed(s3, bucket, "big.bin", BIG);
  auditPath = box.auditFile();
  const env = productEnv(s3, box, proxy.endpoint, {
    S3_TIMEOUT: "1s",
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_EXT_AUDIT: "true",
    MCP_S3_AUDIT_FILE: auditPath,
    MCP_S3_MAX_PUT_SIZE: "64MB",
  });
  ctx = createOpsContext(loadConfig({ env }), { source: "cli" });
  uploadCtx = createOpsContext(loadConfig({ env: { ...env, S3_TIMEOUT: "10s" } }), { source: "cli" });
});

afterAll(async () => {
  ctx?.close();
  uploadCtx?.close();
  await proxy?.stop();
  box?.cleanup();
});

/** Operation calls made; the audit file must hold exactly this many lines at the end. */
let calls = 0;
function counted<A extends unknown[], R>(f: (...a: A) => R): (...a: A) => R {
  return (...a) => {
    calls++;
    return f(...a);
  };
}
const headObject = counted(ops.headObject);
const getObject = counted(ops.getObject);
const listObjects = counted(ops.listObjects);
const putObject = counted(ops.putObject);
const copyObject = counted(ops.copyObject);

/** Runs `f`, returning its error (or undefined) and how long it took. */
async function timed(f: () => Promise<unknown>): Promise<{ error: S3ToolError | undefined; ms: number }> {
  const t0 = performance.now();
  try {
    await f();
    return { error: undefined, ms: performance.now() - t0 };
  } catch (e) {
    expect(e).toBeInstanceOf(S3ToolError);
    return { error: e as S3ToolError, ms: performance.now() - t0 };
  }
}

async function readAll(key: string): Promise<{ bytes: Uint8Array; size: number }> {
  const parts: Uint8Array[] = [];
  const r = await getObject(ctx, { bucket, key }, (c) => void parts.push(c));
  return { bytes: Buffer.concat(parts), size: r.bytes };
}

/** The next call after a fault works, and sees the right bytes. */
async function stillWorks(): Promise<void> {
  await proxy.pass();
  const { bytes } = await readAll("small.txt");
  expect(Buffer.from(bytes).equals(Buffer.from(SMALL))).toBe(true);
}

const isGet = (r: { method: string }) => r.method === "GET";
const isPartUpload = (r: { method: string; target: string }) =>
  r.method === "PUT" && /[?&]partNumber=/.test(r.target);

describe("retries are bounded and the error code is right", () => {
  test("a 503 SlowDown storm: ServiceUnavailable after at most 3 attempts", async () => {
    await proxy.set({ fault: { kind: "status", status: 503 } });
    const { error, ms } = await timed(() => headObject(ctx, { bucket, key: "small.txt" }));
    expect(error?.code).toBe("ServiceUnavailable");
    expect(proxy.counts().status).toBeLessThanOrEqual(3);
    expect(proxy.counts().status).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  // A download to a file sends its GET outside the SDK's middleware first (src/s3/lean-object.ts); the
  // SDK makes the remaining attempts, so the bound and the error's count are the same as elsewhere.
  const downloadToFile = counted(download.downloadToFile);
  const downloadSmall = (dir: string) =>
    downloadToFile(ctx, {
      bucket,
      key: "small.txt",
      path: join(dir, "small.txt"),
      listed: { size: SMALL.byteLength, etag: null, last_modified: null },
    });

  test("a download to a file under a 503 storm: 3 attempts in all, and the error says 3", async () => {
    const dir = mkdtempSync(join(box.dir, "dl-"));
    await proxy.set({ fault: { kind: "status", status: 503 }, match: isGet });
    const { error, ms } = await timed(() => downloadSmall(dir));
    expect(error?.code).toBe("ServiceUnavailable");
    expect(proxy.counts().status).toBe(3);
    expect(error?.message).toContain("after 3 attempts");
    expect(ms).toBeLessThan(BOUND_MS);
    expect(readdirSync(dir)).toEqual([]);
    await stillWorks();
  });

  test("a download to a file from a stalled server: Timeout after at most 3 attempts", async () => {
    const dir = mkdtempSync(join(box.dir, "dl-"));
    await proxy.set({ fault: { kind: "stall" }, match: isGet });
    const { error, ms } = await timed(() => downloadSmall(dir));
    expect(error?.code).toBe("Timeout");
    expect(proxy.counts().stall).toBeLessThanOrEqual(3);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(readdirSync(dir)).toEqual([]);
    await stillWorks();
  });

  test("a download to a file, 2 x 503 then success: whole", async () => {
    const dir = mkdtempSync(join(box.dir, "dl-"));
    await proxy.set({ fault: { kind: "status", status: 503 }, match: isGet, times: 2 });
    await downloadSmall(dir);
    expect(proxy.counts().status).toBe(2);
    expect(Buffer.from(readFileSync(join(dir, "small.txt"))).equals(Buffer.from(SMALL))).toBe(true);
  });

  test("a storm of 2 x 503 then success: the call succeeds (retried), with whole content", async () => {
    await proxy.set({ fault: { kind: "status", status: 503 }, times: 2 });
    const { bytes } = await readAll("big.bin");
    expect(proxy.counts().status).toBe(2);
    expect(Buffer.from(bytes).equals(Buffer.from(BIG))).toBe(true);
  });

  test("a 500 InternalError storm: InternalError after at most 3 attempts", async () => {
    await proxy.set({ fault: { kind: "status", status: 500 } });
    const { error, ms } = await timed(() => listObjects(ctx, { bucket }));
    expect(error?.code).toBe("InternalError");
    expect(proxy.counts().status).toBeLessThanOrEqual(3);
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  test("a 500 storm of 2 then success on a listing", async () => {
    await proxy.set({ fault: { kind: "status", status: 500 }, times: 2 });
    const out = await listObjects(ctx, { bucket });
    expect(out.objects.map((o) => o.key).sort()).toEqual(["big.bin", "small.txt"]);
    expect(proxy.counts().status).toBe(2);
  });

  test("refused connections: ServiceUnavailable, bounded", async () => {
    await proxy.set({ fault: { kind: "refuse" } });
    const { error, ms } = await timed(() => headObject(ctx, { bucket, key: "small.txt" }));
    expect(error?.code).toBe("ServiceUnavailable");
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  test("connections reset on accept: ServiceUnavailable (not Timeout), at most 3 attempts", async () => {
    await proxy.set({ fault: { kind: "reset-on-accept" } });
    const { error, ms } = await timed(() => listObjects(ctx, { bucket }));
    expect(error?.code).toBe("ServiceUnavailable");
    // 3 attempts by the SDK; Bun's fetch resends a request once on a new connection when a kept-alive
    // one is reset before any answer (it may have gone stale), so one connection more.
    expect(proxy.counts()["reset-on-accept"]).toBeLessThanOrEqual(4);
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  test("a stalled server: Timeout with S3_TIMEOUT=1s, well before the bound", async () => {
    await proxy.set({ fault: { kind: "stall" } });
    const { error, ms } = await timed(() => headObject(ctx, { bucket, key: "small.txt" }));
    expect(error?.code).toBe("Timeout");
    expect(proxy.counts().stall).toBeLessThanOrEqual(3);
    // 3 attempts x 1 s plus back-off; the proxy itself would hold each for 6 s.
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  test("a stall in the middle of a download: Timeout, never a short object", async () => {
    // Let the HEAD through, stall the GET.
    await proxy.set({ fault: { kind: "stall" }, match: isGet });
    const got: Uint8Array[] = [];
    const { error, ms } = await timed(() =>
      getObject(ctx, { bucket, key: "big.bin" }, (c) => void got.push(c)),
    );
    expect(error?.code).toBe("Timeout");
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });
});

describe("an interrupted download is an error, never short content returned as whole", () => {
  for (const kind of ["reset-response", "truncate"] as const) {
    for (const cut of [0, 1, 65_536, BIG.length - 1]) {
      test(`${kind} after ${cut} body bytes`, async () => {
        const fault = kind === "truncate" ? { kind, keepBytes: cut } : { kind, afterBytes: cut };
        await proxy.set({ fault, match: isGet });
        let delivered = 0;
        const { error, ms } = await timed(() =>
          getObject(ctx, { bucket, key: "big.bin" }, (c) => {
            delivered += c.byteLength;
          }),
        );
        expect(error).toBeDefined();
        expect(["ServiceUnavailable", "InternalError"]).toContain(error?.code as string);
        expect(delivered).toBeLessThan(BIG.length);
        expect(ms).toBeLessThan(BOUND_MS);
        await stillWorks();
      });
    }
  }

  test("a ranged read cut short is an error too", async () => {
    await proxy.set({ fault: { kind: "truncate", keepBytes: 100 }, match: isGet });
    const { error } = await timed(() =>
      getObject(ctx, { bucket, key: "big.bin", offset: 1000, length: 5000 }, () => {}),
    );
    expect(error?.code).toBe("ServiceUnavailable");
    await stillWorks();
  });
});

describe("an interrupted download to a file leaves no file, whole or partial", () => {
  const downloadToFile = counted(download.downloadToFile);
  for (const [label, fault] of [
    ["one range truncated", { kind: "truncate", keepBytes: 10 }],
    ["one range reset", { kind: "reset-response", afterBytes: 1000 }],
    ["one range stalled", { kind: "stall-response", afterBytes: 1000 }],
  ] as const) {
    test(`parallel ranged download, ${label}`, async () => {
      const dir = mkdtempSync(join(box.dir, "dl-"));
      const path = join(dir, "big.bin");
      // The 3rd GET (a middle range) is faulted; the others pass.
      let gets = 0;
      await proxy.set({ fault, match: (r) => isGet(r) && ++gets === 3 });
      const { error, ms } = await timed(() =>
        downloadToFile(ctx, { bucket, key: "big.bin", path, parallelThreshold: 1, rangeSize: 64 * 1024 }),
      );
      expect(error).toBeDefined();
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(error?.code as string);
      expect(ms).toBeLessThan(BOUND_MS);
      // Neither the file nor the temporary part file is left behind.
      expect(readdirSync(dir)).toEqual([]);
      await stillWorks();
    });
  }

  test("the same download without a fault is whole", async () => {
    const dir = mkdtempSync(join(box.dir, "dl-"));
    const path = join(dir, "big.bin");
    await proxy.pass();
    await downloadToFile(ctx, { bucket, key: "big.bin", path, parallelThreshold: 1, rangeSize: 64 * 1024 });
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(BIG))).toBe(true);
  });
});

needs("atomicPuts", "multipartAdmin").describe(
  "an interrupted upload leaves no object and no multipart upload behind",
  () => {
    /** A streamed body of `n` bytes, so the put goes multipart (parts of 16 MiB). */
    function stream(n: number, seedByte: number): { body: AsyncIterable<Uint8Array>; sha: string } {
      const chunk = new Uint8Array(1 << 20).map((_, i) => (i + seedByte) % 256);
      const hash = createHash("sha256");
      let left = n;
      const chunks: Uint8Array[] = [];
      while (left > 0) {
        const c = chunk.subarray(0, Math.min(left, chunk.length));
        chunks.push(c);
        hash.update(c);
        left -= c.length;
      }
      return {
        body: (async function* () {
          for (const c of chunks) yield c;
        })(),
        sha: hash.digest("hex"),
      };
    }
    const MULTI = 17 * (1 << 20) + 12_345;

    test("every part upload reset mid-body: the put fails, the upload is aborted", async () => {
      const key = "multi-reset.bin";
      await proxy.set({ fault: { kind: "reset-upload", afterBytes: 1 << 20 }, match: isPartUpload });
      const { body } = stream(MULTI, 1);
      const { error, ms } = await timed(() => putObject(uploadCtx, { bucket, key, body }));
      expect(error).toBeDefined();
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(error?.code as string);
      expect(ms).toBeLessThan(60_000);
      // Each part was tried at most 3 times (the parts run in parallel).
      const tries = new Map<string, number>();
      for (const r of proxy.requests.filter((q) => q.action === "reset-upload")) {
        const part = /[?&]partNumber=(\d+)/.exec(r.target)?.[1] ?? "?";
        tries.set(part, (tries.get(part) ?? 0) + 1);
      }
      expect(tries.size).toBeGreaterThanOrEqual(2);
      for (const n of tries.values()) expect(n).toBeLessThanOrEqual(3);
      await proxy.pass();
      expect(await testObjectExists(s3, bucket, key)).toBe(false);
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    });

    test("one part reset once: the SDK retries that part and the object is whole", async () => {
      const key = "multi-retry.bin";
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 1 << 20 },
        match: isPartUpload,
        times: 1,
      });
      const { body, sha } = stream(MULTI, 2);
      const out = await putObject(uploadCtx, { bucket, key, body });
      expect(out.size).toBe(MULTI);
      expect(proxy.counts()["reset-upload"]).toBe(1);
      await proxy.pass();
      expect(await testObjectSha256(s3, bucket, key)).toBe(sha);
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    });

    test("a single PutObject reset mid-body: error, no object", async () => {
      const key = "single-reset.bin";
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 1000 },
        match: (r) => r.method === "PUT",
      });
      const { error } = await timed(() => putObject(ctx, { bucket, key, body: BIG }));
      expect(error).toBeDefined();
      expect(proxy.counts()["reset-upload"]).toBeLessThanOrEqual(3);
      await proxy.pass();
      expect(await testObjectExists(s3, bucket, key)).toBe(false);
    });

    test("a 503 storm on a copy: ServiceUnavailable, no destination object", async () => {
      await proxy.set({ fault: { kind: "status", status: 503 }, match: (r) => r.method === "PUT" });
      const { error } = await timed(() =>
        copyObject(ctx, {
          source_bucket: bucket,
          source_key: "small.txt",
          dest_bucket: bucket,
          dest_key: "copy-storm.txt",
        }),
      );
      expect(error?.code).toBe("ServiceUnavailable");
      expect(proxy.counts().status).toBeLessThanOrEqual(3);
      await proxy.pass();
      expect(await testObjectExists(s3, bucket, "copy-storm.txt")).toBe(false);
    });
  },
);

test("every faulted call above was audited exactly once, with its status and error code", async () => {
  const lines = readLines(auditPath);
  expect(calls).toBeGreaterThan(30);
  expect(lines).toHaveLength(calls);
  for (const l of lines) {
    expect(["success", "error", "denied"]).toContain(l.status as string);
    if (l.status === "error") expect(typeof l.error).toBe("string");
  }
  const errors = lines.filter((l) => l.status === "error").map((l) => l.error);
  for (const code of ["ServiceUnavailable", "InternalError", "Timeout"]) expect(errors).toContain(code);
  const keys = await listAllKeys(s3, bucket);
  expect(keys).not.toContain("multi-reset.bin");
});

describe("regressions", () => {
  test("S3_TIMEOUT also bounds a server that trickles its answer (slow loris): Timeout", async () => {
    await proxy.set({ fault: { kind: "drip", intervalMs: 200 } });
    const { error, ms } = await timed(() => listObjects(ctx, { bucket }));
    expect(error?.code).toBe("Timeout");
    expect(proxy.counts().drip).toBeLessThanOrEqual(3);
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  test("S3_TIMEOUT bounds a download that goes silent half-way: Timeout, never a short object", async () => {
    await proxy.set({ fault: { kind: "stall-response", afterBytes: 100_000 }, match: isGet });
    let delivered = 0;
    const { error, ms } = await timed(() =>
      getObject(ctx, { bucket, key: "big.bin" }, (c) => {
        delivered += c.byteLength;
      }),
    );
    expect(error?.code).toBe("Timeout");
    expect(delivered).toBeLessThan(BIG.length);
    expect(ms).toBeLessThan(BOUND_MS);
    await stillWorks();
  });

  test("a connection reset the SDK renames to TimeoutError maps to ServiceUnavailable", () => {
    const reset = Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
    expect(toS3ToolError(reset).code).toBe("ServiceUnavailable");
    const epipe = Object.assign(new Error("write EPIPE"), { name: "TimeoutError", code: "EPIPE" });
    expect(toS3ToolError(epipe).code).toBe("ServiceUnavailable");
    const idle = Object.assign(new Error("socket timed out"), { name: "TimeoutError" });
    expect(toS3ToolError(idle).code).toBe("Timeout");
  });
});
