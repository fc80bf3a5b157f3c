// Faults between the CLI (one `bun src/main.ts COMMAND` process per call) and S3: each ends with
// exit code 1 and one `mcp-s3: CODE: message` line on stderr (or one JSON object with --json), in
// bounded time; a cut-off download never exits 0 and never leaves a file; an interrupted upload
// leaves no object and no multipart upload; every call is audited once.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { needs } from "../support/capabilities.ts";
import type { FaultProxy } from "../support/faultproxy.ts";
import type { TestS3 } from "../support/s3.ts";
import { type Run, runCli } from "./cli.ts";
import {
  createBucket,
  inProgressUploads,
  objectExists,
  objectSha256,
  productEnv,
  proxyFor,
  putObject,
  readLines,
  rgw,
  type Sandbox,
  sandbox,
} from "./env.ts";

setDefaultTimeout(120_000);
const BOUND_MS = 20_000;

let s3: TestS3;
let proxy: FaultProxy;
let box: Sandbox;
let bucket: string;
let env: Record<string, string>;
let auditPath: string;
let calls = 0;
const BODY = "cli fault test body\n".repeat(10_000);

beforeAll(async () => {
  s3 = await rgw();
  proxy = await proxyFor(s3, 25_000);
  box = sandbox("faults-cli");
  bucket = await createBucket(s3, "faults-cli");
  await putObject(s3, bucket, "doc.txt", BODY);
  auditPath = box.auditFile();
  env = productEnv(s3, box, proxy.endpoint, {
    S3_TIMEOUT: "1s",
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_EXT_AUDIT: "true",
    MCP_S3_AUDIT_FILE: auditPath,
  });
});

afterAll(async () => {
  await proxy?.stop();
  box?.cleanup();
});

function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  calls++;
  return runCli(args, options.env ?? env, options);
}

/** The error line: exactly one line on stderr, `mcp-s3: CODE: message`. */
function errorCode(r: Run): string | undefined {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(1);
  return /^mcp-s3: ([A-Za-z]+): /.exec(lines[0] ?? "")?.[1];
}

async function stillWorks(): Promise<void> {
  await proxy.pass();
  const r = await cli(["cat", `s3://${bucket}/doc.txt`]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(BODY);
}

const isGet = (r: { method: string }) => r.method === "GET";

describe("fault → exit 1 with the right code, bounded", () => {
  const cases = [
    ["503 SlowDown storm", { kind: "status", status: 503 }, "ServiceUnavailable"],
    ["500 InternalError storm", { kind: "status", status: 500 }, "InternalError"],
    ["refused connections", { kind: "refuse" }, "ServiceUnavailable"],
    ["stall (S3_TIMEOUT=1s)", { kind: "stall" }, "Timeout"],
    ["slow-loris drip (S3_TIMEOUT=1s)", { kind: "drip", intervalMs: 200 }, "Timeout"],
  ] as const;
  for (const [label, fault, code] of cases) {
    test(`ls under ${label}: ${code}`, async () => {
      await proxy.set({ fault });
      const r = await cli(["ls", `s3://${bucket}/`]);
      expect(r.code).toBe(1);
      expect(errorCode(r)).toBe(code);
      expect(r.stdout).toBe("");
      expect(proxy.matched()).toBeLessThanOrEqual(3);
      expect(r.ms).toBeLessThan(BOUND_MS);
      await stillWorks();
    });
  }

  test("--json: the error is one JSON object on stderr", async () => {
    await proxy.set({ fault: { kind: "status", status: 503 } });
    const r = await cli(["--json", "stat", `s3://${bucket}/doc.txt`]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}").error).toBe("ServiceUnavailable");
    await stillWorks();
  });

  test("2 x 503 then success: cat exits 0 with the whole body", async () => {
    await proxy.set({ fault: { kind: "status", status: 503 }, times: 2 });
    const r = await cli(["cat", `s3://${bucket}/doc.txt`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(BODY);
    expect(proxy.counts().status).toBe(2);
  });
});

describe("a cut-off download never exits 0", () => {
  for (const fault of [
    { kind: "truncate", keepBytes: 1000 },
    { kind: "truncate", keepBytes: BODY.length - 1 },
    { kind: "reset-response", afterBytes: 50_000 },
    { kind: "stall-response", afterBytes: 50_000 },
  ] as const) {
    const at = "keepBytes" in fault ? fault.keepBytes : fault.afterBytes;
    test(`cat with ${fault.kind} at ${at}: exit 1, stdout shorter than the object`, async () => {
      await proxy.set({ fault, match: isGet });
      const r = await cli(["cat", `s3://${bucket}/doc.txt`]);
      expect(r.code).toBe(1);
      expect(["ServiceUnavailable", "Timeout"]).toContain(errorCode(r) as string);
      // cat streams: what was written is a prefix, and the exit status says it is incomplete.
      expect(r.stdout.length).toBeLessThan(BODY.length);
      expect(BODY.startsWith(r.stdout)).toBe(true);
      expect(r.ms).toBeLessThan(BOUND_MS);
      await stillWorks();
    });

    test(`get to a file with ${fault.kind} at ${at}: exit 1, no file left (not even a partial one)`, async () => {
      const dir = mkdtempSync(join(box.dir, "get-"));
      await proxy.set({ fault, match: isGet });
      const r = await cli(["get", `s3://${bucket}/doc.txt`, join(dir, "doc.txt")]);
      expect(r.code).toBe(1);
      expect(readdirSync(dir)).toEqual([]);
      await stillWorks();
    });
  }
});

needs("atomicPuts", "multipartAdmin").describe(
  "an interrupted upload leaves no object and no multipart upload",
  () => {
    test("put of a 17 MiB file with every part upload reset: exit 1, nothing left", async () => {
      const file = join(box.dir, "upload.bin");
      writeFileSync(file, Buffer.alloc(17 * 1024 * 1024 + 5, 9));
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 512 * 1024 },
        match: (r) => r.method === "PUT" && /[?&]partNumber=/.test(r.target),
      });
      const r = await cli(["put", file, `s3://${bucket}/upload.bin`, "--multipart-threshold", "8MiB"], {
        env: { ...env, S3_TIMEOUT: "10s" },
      });
      expect(r.code).toBe(1);
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(errorCode(r) as string);
      await proxy.pass();
      expect(await objectExists(s3, bucket, "upload.bin")).toBe(false);
      expect(await inProgressUploads(s3, bucket)).toEqual([]);
    });

    test("put of a 17 MiB file to a server that stops reading mid-part: Timeout within S3_TIMEOUT, nothing left", async () => {
      const file = join(box.dir, "stalled.bin");
      writeFileSync(file, Buffer.alloc(17 * 1024 * 1024 + 5, 7));
      await proxy.set({
        fault: { kind: "stall-upload", afterBytes: 256 * 1024 },
        match: (r) => r.method === "PUT" && /[?&]partNumber=/.test(r.target),
      });
      const r = await cli(["put", file, `s3://${bucket}/stalled.bin`, "--multipart-threshold", "8MiB"], {
        env: { ...env, S3_TIMEOUT: "2s" },
      });
      expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 1, error: "Timeout" });
      // Retries are bounded: a few attempts of 2 s each, not the 25 s the proxy would hold a socket.
      expect(r.ms).toBeLessThan(BOUND_MS);
      await proxy.pass();
      expect(await objectExists(s3, bucket, "stalled.bin")).toBe(false);
      expect(await inProgressUploads(s3, bucket)).toEqual([]);
    });

    test("a file sent as one PutObject, reset once mid-body: retried from the file's start, object whole", async () => {
      const file = join(box.dir, "single.bin");
      const bytes = Buffer.alloc(3 * 1024 * 1024 + 7);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
      writeFileSync(file, bytes);
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 1024 * 1024 },
        times: 1,
        match: (r) =>
          r.method === "PUT" && !r.target.includes("partNumber=") && !r.target.includes("uploads"),
      });
      const r = await cli(["put", file, `s3://${bucket}/single.bin`, "--json"]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(proxy.counts()["reset-upload"]).toBe(1);
      await proxy.pass();
      expect(await objectSha256(s3, bucket, "single.bin")).toBe(
        createHash("sha256").update(bytes).digest("hex"),
      );
      expect(await inProgressUploads(s3, bucket)).toEqual([]);
    });

    test("a file sent as one PutObject, reset every time: exit 1 after 3 attempts, no object", async () => {
      const file = join(box.dir, "single-fail.bin");
      writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 5));
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 512 * 1024 },
        match: (r) => r.method === "PUT",
      });
      const r = await cli(["put", file, `s3://${bucket}/single-fail.bin`]);
      expect(r.code).toBe(1);
      expect(["ServiceUnavailable", "Timeout", "InternalError"]).toContain(errorCode(r) as string);
      expect(proxy.counts()["reset-upload"]).toBe(3);
      await proxy.pass();
      expect(await objectExists(s3, bucket, "single-fail.bin")).toBe(false);
    });

    test("a file sent as one PutObject to a server that stops reading: Timeout within S3_TIMEOUT, no object", async () => {
      const file = join(box.dir, "single-stall.bin");
      writeFileSync(file, Buffer.alloc(12 * 1024 * 1024, 3));
      await proxy.set({
        fault: { kind: "stall-upload", afterBytes: 256 * 1024 },
        match: (r) => r.method === "PUT",
      });
      const r = await cli(["put", file, `s3://${bucket}/single-stall.bin`], {
        env: { ...env, S3_TIMEOUT: "2s" },
      });
      expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 1, error: "Timeout" });
      expect(r.ms).toBeLessThan(BOUND_MS);
      await proxy.pass();
      expect(await objectExists(s3, bucket, "single-stall.bin")).toBe(false);
    });

    test("put from stdin reset mid-body: exit 1, no object", async () => {
      await proxy.set({
        fault: { kind: "reset-upload", afterBytes: 1000 },
        match: (r) => r.method === "PUT",
      });
      const r = await cli(["put", "-", `s3://${bucket}/stdin.txt`], { stdin: BODY });
      expect(r.code).toBe(1);
      await proxy.pass();
      expect(await objectExists(s3, bucket, "stdin.txt")).toBe(false);
      expect(await inProgressUploads(s3, bucket)).toEqual([]);
    });
  },
);

test("every CLI call was audited exactly once, as source cli", () => {
  const lines = readLines(auditPath);
  expect(lines).toHaveLength(calls);
  for (const l of lines) expect(l.source).toBe("cli");
});
