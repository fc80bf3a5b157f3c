// A clean-up that fails must not hide the failure it cleans up after (SPEC §4, §6). The fault proxy
// denies AbortMultipartUpload (403 AccessDenied) in front of the real RGW; a put refused for its
// size is still EntityTooLarge, exit 3, audited `denied`, and an interrupted put is still
// Cancelled, exit 130, audited `Cancelled`, each saying which multipart upload is left (by its id)
// on the same error line, with the abort's failure in the diagnostic log. An interrupt while stdin
// is an idle pipe aborts the upload at once (it used to wait for input for ever).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { needs } from "../support/capabilities.ts";
import type { FaultProxy } from "../support/faultproxy.ts";
import type { TestS3 } from "../support/s3.ts";
import { adminClient, createTestBucket, testObjectExists } from "../support/s3.ts";
import { runCli } from "./cli.ts";
import {
  BUN,
  MAIN,
  productEnv,
  proxyFor,
  ROOT,
  readLines,
  rgw,
  type Sandbox,
  sandbox,
  sleep,
} from "./env.ts";

setDefaultTimeout(120_000);
const MiB = 1024 * 1024;

let s3: TestS3;
let proxy: FaultProxy;
let box: Sandbox;
let bucket: string;

beforeAll(async () => {
  s3 = await rgw();
  proxy = await proxyFor(s3, 30_000);
  box = sandbox("faults-cleanup");
  bucket = await createTestBucket(s3, "faults-cleanup");
});

afterAll(async () => {
  await proxy?.stop();
  box?.cleanup();
});

const isAbort = (r: { method: string; target: string }) =>
  r.method === "DELETE" && r.target.includes("uploadId=");

function env(audit: string, extra: Record<string, string> = {}): Record<string, string> {
  return productEnv(s3, box, proxy.endpoint, {
    S3_TIMEOUT: "20s",
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_EXT_AUDIT: "true",
    MCP_S3_AUDIT_FILE: audit,
    ...extra,
  });
}

/** Multipart uploads RGW still holds for `key`, asked directly (not through the proxy). */
async function uploadsOf(key: string): Promise<string[]> {
  const out = await adminClient(s3).send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId ?? "");
}

async function abortAll(key: string): Promise<void> {
  for (const id of await uploadsOf(key)) {
    await adminClient(s3).send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id }));
  }
}

/** stderr split into the error line(s) and the diagnostic log's JSON lines. */
function stderrParts(stderr: string): { lines: string[]; log: Record<string, unknown>[] } {
  const all = stderr.split("\n").filter((l) => l !== "");
  return {
    lines: all.filter((l) => !l.startsWith("{")),
    log: all.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

needs("multipartAdmin").describe("a refused streamed put whose AbortMultipartUpload is denied", () => {
  test("stays EntityTooLarge (exit 3, audited denied) and names the upload left behind", async () => {
    const key = "refused/too-big.bin";
    const audit = box.auditFile();
    await proxy.set({ fault: { kind: "status", status: 403 }, match: isAbort });
    try {
      // 24 MiB from a pipe against a 12 MiB limit: the first 8 MiB part creates the multipart
      // upload, the refusal comes while the second part is read.
      const r = await runCli(
        ["--max-put-size", "12MiB", "put", "-", `s3://${bucket}/${key}`],
        env(audit, { MCP_S3_EXT_LOGGING: "true" }),
        { stdin: "x".repeat(24 * MiB), killMs: 60_000 },
      );
      const { lines, log } = stderrParts(r.stderr);
      const left = await uploadsOf(key);
      expect(left).toHaveLength(1);
      const uploadId = left[0] as string;
      expect({ code: r.code, lines }).toEqual({
        code: 3,
        lines: [
          `mcp-s3: EntityTooLarge: write to s3://${bucket}/${key} exceeds the put limit of 12MiB (12582912 bytes); nothing was stored; the multipart upload ${uploadId} of s3://${bucket}/${key} could not be aborted (AccessDenied) and may still hold the parts sent so far`,
        ],
      });
      // The abort was really sent, once, and denied.
      expect(proxy.requests.filter(isAbort).map((q) => q.action)).toEqual(["status"]);
      expect(readLines(audit)).toEqual([
        expect.objectContaining({ tool: "s3_put_object", key, status: "denied", error: "EntityTooLarge" }),
      ]);
      // The diagnostic log has the abort's own failure, scrubbed (name, status, request id).
      expect(log).toContainEqual(
        expect.objectContaining({
          level: "warn",
          msg: expect.stringContaining(`clean-up failed: the multipart upload ${uploadId}`),
          cause: expect.objectContaining({ name: "AccessDenied", status: 403, request_id: "faultproxy" }),
        }),
      );
      expect(await testObjectExists(s3, bucket, key)).toBe(false);
    } finally {
      await proxy.pass();
      await abortAll(key);
    }
  });

  test("--json: one object, the refusal's code, the upload id in the message and how to remove it in the hint", async () => {
    const key = "refused/too-big-json.bin";
    await proxy.set({ fault: { kind: "status", status: 403 }, match: isAbort });
    try {
      const r = await runCli(
        ["--json", "--max-put-size", "12MiB", "put", "-", `s3://${bucket}/${key}`],
        env(box.auditFile()),
        { stdin: "y".repeat(24 * MiB), killMs: 60_000 },
      );
      const uploadId = (await uploadsOf(key))[0] as string;
      expect(r.code).toBe(3);
      const body = JSON.parse(r.stderr) as Record<string, string>;
      expect(body).toEqual({
        error: "EntityTooLarge",
        message: expect.stringContaining(`the multipart upload ${uploadId} of s3://${bucket}/${key}`),
        hint: expect.stringContaining("AbortIncompleteMultipartUpload"),
      });
      expect(body.hint).toStartWith("raise MCP_S3_MAX_PUT_SIZE");
    } finally {
      await proxy.pass();
      await abortAll(key);
    }
  });

  test("when the abort succeeds nothing is said about it and nothing is left", async () => {
    const key = "refused/cleaned.bin";
    await proxy.pass();
    const r = await runCli(
      ["--max-put-size", "12MiB", "put", "-", `s3://${bucket}/${key}`],
      env(box.auditFile()),
      { stdin: "z".repeat(24 * MiB), killMs: 60_000 },
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 3,
      stderr: `mcp-s3: EntityTooLarge: write to s3://${bucket}/${key} exceeds the put limit of 12MiB (12582912 bytes); nothing was stored\n`,
    });
    expect(proxy.requests.filter(isAbort)).toHaveLength(1);
    expect(await uploadsOf(key)).toEqual([]);
  });
});

/**
 * `put -` from a pipe that stays open after 9 MiB: the first part is on its way and the put waits
 * for more input when SIGINT arrives.
 */
async function interruptIdlePipe(
  key: string,
  audit: string,
  command: readonly string[] = [BUN, MAIN],
): Promise<{ code: number; stderr: string }> {
  const proc = Bun.spawn([...command, "put", "-", `s3://${bucket}/${key}`], {
    env: env(audit),
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  try {
    proc.stdin.write(new Uint8Array(9 * MiB).fill(0x61));
    await proc.stdin.flush();
    let started = false;
    for (let i = 0; i < 400 && !started; i++) {
      started = (await uploadsOf(key)).length > 0;
      if (!started) await sleep(50);
    }
    expect(started).toBe(true);
    proc.kill("SIGINT");
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    return { code, stderr };
  } finally {
    clearTimeout(killer);
    proc.kill("SIGKILL");
  }
}

const DENO = [join(ROOT, "node_modules/.bin/deno"), "run", "-A", MAIN];

needs("multipartAdmin").describe("an interrupted put from an idle pipe", () => {
  test.each([
    ["Bun", [BUN, MAIN]],
    ["Deno", DENO],
  ] as const)(
    "%s: aborted at once, exit 130, Cancelled, no multipart upload left (it used to hang until killed)",
    async (runtime, command) => {
      const key = `interrupted/idle-${runtime}.bin`;
      const audit = box.auditFile();
      await proxy.pass();
      const r = await interruptIdlePipe(key, audit, command);
      expect(r).toEqual({ code: 130, stderr: "mcp-s3: Cancelled: interrupted by SIGINT\n" });
      expect(await uploadsOf(key)).toEqual([]);
      expect(await testObjectExists(s3, bucket, key)).toBe(false);
      expect(readLines(audit)).toEqual([
        expect.objectContaining({ tool: "s3_put_object", key, status: "error", error: "Cancelled" }),
      ]);
    },
  );

  test("whose AbortMultipartUpload is denied stays Cancelled (exit 130) and names the upload left behind", async () => {
    const key = "interrupted/left.bin";
    const audit = box.auditFile();
    await proxy.set({ fault: { kind: "status", status: 403 }, match: isAbort });
    try {
      const r = await interruptIdlePipe(key, audit);
      const uploadId = (await uploadsOf(key))[0] as string;
      expect(r).toEqual({
        code: 130,
        stderr: `mcp-s3: Cancelled: interrupted by SIGINT; the multipart upload ${uploadId} of s3://${bucket}/${key} could not be aborted (AccessDenied) and may still hold the parts sent so far\n`,
      });
      expect(proxy.requests.filter(isAbort).map((q) => q.action)).toEqual(["status"]);
      expect(readLines(audit)).toEqual([
        expect.objectContaining({ tool: "s3_put_object", key, status: "error", error: "Cancelled" }),
      ]);
    } finally {
      await proxy.pass();
      await abortAll(key);
    }
  });
});
