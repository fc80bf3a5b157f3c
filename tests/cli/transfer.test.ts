// Large transfers through the real entry point: a 200 MB put (stdin redirected from a file, as in
// `mcp-s3 put - s3://b/k < big.bin`) and get (parallel ranged requests) whose peak resident set
// stays under 150 MB, and interrupted transfers that leave nothing behind: no object and no
// multipart upload after a put, no file (final or temporary) after a get.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { needs } from "../support/capabilities.ts";
import { startFaultProxy } from "../support/faultproxy.ts";
import {
  adminClient,
  createTestBucket,
  getTestObject,
  getTestS3,
  listMultipartUploads,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { BUN, errorCode, MAIN, type Result, readHwm, run, tempDir, until } from "./helpers.ts";

setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
const SIZE = 200 * MiB;
const RSS_BOUND = 150 * MiB;

let s3: TestS3;
let bucket: string;
let env: Record<string, string>;
const tmp = tempDir();
const bigFile = join(tmp.path, "big.bin");
let bigSha: string;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "cli-transfer");
  env = {
    ...testEnv(s3),
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_MAX_GET_SIZE: "1GB",
    MCP_S3_MAX_PUT_SIZE: "1GB",
  };
  // 200 MB of random bytes, written in 8 MiB blocks (no 200 MB buffer in the test process).
  const hash = createHash("sha256");
  const fd = openSync(bigFile, "w");
  const block = randomBytes(8 * MiB);
  for (let i = 0; i < SIZE / block.length; i++) {
    block.writeUInt32BE(i, 0); // every block differs, so misplaced ranges are caught
    writeSync(fd, block);
    hash.update(block);
  }
  closeSync(fd);
  bigSha = hash.digest("hex");
});

afterAll(() => tmp.remove());

function sha256File(path: string): string {
  return hashFile(path, "sha256");
}

function hashFile(path: string, algorithm: "sha256" | "md5"): string {
  const hash = createHash(algorithm);
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(8 * MiB);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

function expectOk(r: Result): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
}

const mb = (n: number | undefined) => `${((n ?? 0) / MiB).toFixed(1)} MB`;

// The reads below use single.bin, which the PutObject test stores on every server (the multipart
// test needs one that lists multipart uploads).
describe("200 MB streamed with constant memory", () => {
  needs("multipartAdmin").test("put - < 200 MB file: multipart upload, peak RSS under 150 MB", async () => {
    const r = await run(["put", "-", `s3://${bucket}/big.bin`, "--json"], {
      env,
      stdin: { file: bigFile },
      measureRss: true,
    });
    expectOk(r);
    console.log(`[cli] put 200 MB from stdin: ${(r.ms / 1000).toFixed(1)} s, peak RSS ${mb(r.peakRss)}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ key: "big.bin", size: SIZE });
    expect(r.peakRss).toBeGreaterThan(0);
    expect(r.peakRss as number).toBeLessThan(RSS_BOUND);
    expect(await listMultipartUploads(s3, bucket)).toEqual([]);
  });

  test("put of a 200 MB file: one streamed PutObject (200 MiB is the default threshold), peak RSS under 150 MB", async () => {
    const r = await run(["put", bigFile, `s3://${bucket}/single.bin`, "--json"], { env, measureRss: true });
    expectOk(r);
    console.log(
      `[cli] put 200 MB file as one PutObject: ${(r.ms / 1000).toFixed(1)} s, peak RSS ${mb(r.peakRss)}`,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ key: "single.bin", size: SIZE });
    expect(r.peakRss as number).toBeLessThan(RSS_BOUND);
    const head = await adminClient(s3).send(new HeadObjectCommand({ Bucket: bucket, Key: "single.bin" }));
    // A multipart upload's ETag ends in "-<parts>"; a single PutObject's is the MD5 of the bytes.
    expect(head.ETag).toBe(`"${hashFile(bigFile, "md5")}"`);
    expect(head.ContentLength).toBe(SIZE);
  });

  test("get 200 MB: parallel ranged requests into a file, peak RSS under 150 MB, same bytes", async () => {
    const dir = join(tmp.path, "get");
    mkdirSync(dir);
    const r = await run(["get", `s3://${bucket}/single.bin`, dir], { env, measureRss: true });
    expectOk(r);
    console.log(`[cli] get 200 MB to a file: ${(r.ms / 1000).toFixed(1)} s, peak RSS ${mb(r.peakRss)}`);
    expect(r.peakRss as number).toBeLessThan(RSS_BOUND);
    expect(readdirSync(dir)).toEqual(["single.bin"]);
    expect(sha256File(join(dir, "single.bin"))).toBe(bigSha);
  });

  test("cat 200 MB to stdout: constant memory, same bytes", async () => {
    const proc = Bun.spawn([BUN, MAIN, "cat", `s3://${bucket}/single.bin`], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    let peak = 0;
    const poll = setInterval(() => {
      peak = Math.max(peak, readHwm(proc.pid) ?? 0);
    }, 20);
    const hash = createHash("sha256");
    let n = 0;
    for await (const chunk of proc.stdout) {
      hash.update(chunk);
      n += chunk.byteLength;
    }
    const code = await proc.exited;
    clearInterval(poll);
    console.log(`[cli] cat 200 MB to a pipe: peak RSS ${mb(peak)}`);
    expect({ code, n }).toEqual({ code: 0, n: SIZE });
    expect(hash.digest("hex")).toBe(bigSha);
    expect(peak).toBeLessThan(RSS_BOUND);
  });
});

describe("stdout copied natively where the runtime can (src/runtime/)", () => {
  test("a reader that leaves after 10 bytes: exit 141 (SIGPIPE), nothing on stderr", async () => {
    const proc = Bun.spawn([BUN, MAIN, "cat", `s3://${bucket}/single.bin`], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(first.value?.byteLength ?? 0).toBeGreaterThan(0);
    await reader.cancel();
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    const code = await proc.exited;
    clearTimeout(timer);
    expect({ code, stderr: await new Response(proc.stderr).text() }).toEqual({ code: 141, stderr: "" });
  });

  test("stdout a file opened for appending: the object lands after what the file held", async () => {
    const out = join(tmp.path, "appended.bin");
    writeFileSync(out, "before\n");
    const fd = openSync(out, "a");
    try {
      // Not spawnSync: the s3rver emulator answers from this very process.
      const proc = Bun.spawn([BUN, MAIN, "cat", `s3://${bucket}/single.bin`, "--range", "0-99999"], {
        env,
        stdout: fd,
        stderr: "pipe",
      });
      const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      const code = await proc.exited;
      clearTimeout(timer);
      expect({ code, stderr: await new Response(proc.stderr).text() }).toEqual({ code: 0, stderr: "" });
    } finally {
      closeSync(fd);
    }
    const got = readFileSync(out);
    expect(got.subarray(0, 7).toString()).toBe("before\n");
    expect(got.byteLength).toBe(7 + 100_000);
    expect(createHash("sha256").update(got.subarray(7)).digest("hex")).toBe(
      createHash("sha256").update(readPrefix(bigFile, 100_000)).digest("hex"),
    );
  });
});

function readPrefix(path: string, n: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(n);
    readSync(fd, buf, 0, n, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

describe("interrupted transfers leave nothing behind", () => {
  needs("multipartAdmin", "atomicPuts").test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "put killed by %s mid-upload: exit %d, no object, no multipart upload",
    async (signal, exit) => {
      const key = `interrupted-put-${signal}.bin`;
      // Parts are held by a proxy, so the upload is always in flight when the signal lands (a fast
      // loopback could otherwise finish it first); the abort (a DELETE) passes through.
      const proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 60_000, lifetimeMs: 120_000 });
      try {
        await proxy.set({
          fault: { kind: "stall" },
          match: (req) => req.method === "PUT" && req.target.includes("partNumber="),
        });
        let sent = false;
        const r = await run(["put", bigFile, `s3://${bucket}/${key}`, "--multipart-threshold", "16MiB"], {
          env: { ...env, S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "60s" },
          onSpawn: (proc) => {
            // Mid-upload: once the multipart upload exists and a part is on its way.
            void until(
              async () =>
                proxy.counts().stall > 0 &&
                (await listMultipartUploads(s3, bucket)).some((u) => u.key === key),
              60_000,
            ).then((found) => {
              sent = found;
              proc.kill(signal);
            });
          },
        });
        expect(sent).toBe(true);
        expect(r.code).toBe(exit);
        expect(r.stderr).toBe(`mcp-s3: Cancelled: interrupted by ${signal}\n`);
        expect(await listMultipartUploads(s3, bucket)).toEqual([]);
        expect(await getTestObject(s3, bucket, key)).toBeNull();
      } finally {
        await proxy.stop();
      }
    },
  );

  needs("atomicPuts").test(
    "put of a file as one PutObject killed mid-upload: exit 130, no object",
    async () => {
      const key = "interrupted-single-put.bin";
      // The body is held after 4 MiB, so the PutObject is always in flight when the signal lands.
      const proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 60_000, lifetimeMs: 120_000 });
      try {
        await proxy.set({
          fault: { kind: "stall-upload", afterBytes: 4 * MiB },
          match: (req) => req.method === "PUT",
        });
        let sent = false;
        const r = await run(["put", bigFile, `s3://${bucket}/${key}`], {
          env: { ...env, S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "60s" },
          onSpawn: (proc) => {
            void until(() => proxy.counts()["stall-upload"] > 0, 60_000).then((found) => {
              sent = found;
              proc.kill("SIGINT");
            });
          },
        });
        expect(sent).toBe(true);
        expect({ code: r.code, stderr: r.stderr }).toEqual({
          code: 130,
          stderr: "mcp-s3: Cancelled: interrupted by SIGINT\n",
        });
        expect(await getTestObject(s3, bucket, key)).toBeNull();
        expect(await listMultipartUploads(s3, bucket)).toEqual([]);
      } finally {
        await proxy.stop();
      }
    },
  );

  test("get killed mid-download: exit 130, neither the file nor a temporary file remains", async () => {
    const dir = join(tmp.path, "interrupted-get");
    mkdirSync(dir);
    // On a fast loopback the 200 MB download can finish before a signal lands; through a proxy that
    // holds every GET after 4 MiB of body, the process is always mid-download when it is interrupted.
    const proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 60_000, lifetimeMs: 120_000 });
    try {
      await proxy.set({
        fault: { kind: "stall-response", afterBytes: 4 * MiB },
        match: (req) => req.method === "GET",
      });
      let seen = false;
      const r = await run(["get", `s3://${bucket}/single.bin`, join(dir, "out.bin")], {
        env: { ...env, S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "60s" },
        onSpawn: (proc) => {
          // Mid-download: once the temporary file has data in it.
          void until(() => {
            const part = readdirSync(dir).find((f) => f.endsWith(".mcp-s3-part"));
            return part !== undefined && statSync(join(dir, part)).size > 0;
          }, 60_000).then((found) => {
            seen = found;
            proc.kill("SIGINT");
          });
        },
      });
      expect(seen).toBe(true);
      expect(proxy.counts()["stall-response"]).toBeGreaterThan(0);
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 130,
        stderr: "mcp-s3: Cancelled: interrupted by SIGINT\n",
      });
      expect(readdirSync(dir)).toEqual([]);
      expect(existsSync(join(dir, "out.bin"))).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  test("a failed get (object over the limit) leaves no file; an existing file is kept", async () => {
    const dir = join(tmp.path, "failed-get");
    mkdirSync(dir);
    const target = join(dir, "keep.bin");
    writeFileSync(target, "previous contents");
    const r = await run(["--max-get-size", "100MB", "get", `s3://${bucket}/single.bin`, target], { env });
    expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 3, error: "EntityTooLarge" });
    expect(readdirSync(dir)).toEqual(["keep.bin"]);
    expect(readFileSync(target, "utf8")).toBe("previous contents");
  });
});
