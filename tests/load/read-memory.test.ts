// SPEC §3 "Bounded resources": with the default configuration, 16 concurrent maximum-size reads
// (10 MiB each, text and binary) fit in a 256 MiB container. The real server (`bun src/main.ts`) on
// stdio against RGW; its peak resident memory comes from /proc/<pid>/status (VmHWM). Each concurrency
// level gets a fresh process, since the high-water mark never goes down. Linux only (/proc).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { BUN, MAIN, productEnv, ROOT, rgw, type Sandbox, sandbox } from "../faults/env.ts";
import { createTestBucket, putTestObject, type TestS3 } from "../support/s3.ts";

setDefaultTimeout(300_000);

const HAS_PROC = process.platform === "linux";
/** The default get limit (10MB = 10 MiB): every object is exactly the largest read allowed. */
const SIZE = 10 * 1024 * 1024;
const CONTAINER_BYTES = 256 * 1024 * 1024;
/** Per call; shorter than the test's timeout. */
const CALL_TIMEOUT_MS = 120_000;

interface Fixture {
  key: string;
  sha256: string;
  kind: "text" | "binary";
}

let s3: TestS3;
let box: Sandbox;
let bucket: string;
const fixtures: Fixture[] = [];
const figures: Record<string, number> = {};

/** Text that is valid UTF-8 but not Latin-1 (the runtime holds it as UTF-16: two bytes a character). */
function textBody(i: number): Uint8Array {
  const line = `line ${i} of a large text object: ✓ ${"x".repeat(60)}\n`;
  const out = new Uint8Array(SIZE);
  const enc = new TextEncoder().encode(line.repeat(Math.ceil(SIZE / line.length)));
  out.set(enc.subarray(0, SIZE));
  // Keep the end on a character boundary: pad the tail with ASCII.
  out.fill(0x2e, SIZE - 8);
  return out;
}

function binaryBody(): Uint8Array {
  const bytes = randomBytes(SIZE);
  bytes[0] = 0xff; // never valid UTF-8
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  s3 = await rgw();
  box = sandbox("read-memory");
  bucket = await createTestBucket(s3, "read-memory");
  for (let i = 0; i < 8; i++) {
    const text = textBody(i);
    await putTestObject(s3, bucket, `text-${i}.txt`, text, "text/plain; charset=utf-8");
    fixtures.push({ key: `text-${i}.txt`, sha256: sha(text), kind: "text" });
    const bin = binaryBody();
    await putTestObject(s3, bucket, `blob-${i}.bin`, bin, "application/octet-stream");
    fixtures.push({ key: `blob-${i}.bin`, sha256: sha(bin), kind: "binary" });
  }
});

afterAll(() => {
  box?.cleanup();
  if (Object.keys(figures).length > 0) console.log("read memory figures (MiB):", JSON.stringify(figures));
});

/** The bytes a get returned, whichever content block carries them. */
function returnedBytes(r: CallToolResult): Uint8Array | string {
  for (const block of r.content ?? []) {
    if (block.type === "text") return block.text;
    if (block.type === "image") return Buffer.from(block.data, "base64");
    if (block.type === "resource" && "blob" in block.resource)
      return Buffer.from(block.resource.blob, "base64");
  }
  throw new Error(`no content block in ${JSON.stringify(r).slice(0, 300)}`);
}

function vmHwmBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) * 1024;
}

/** A fresh server; `n` concurrent whole-object reads; every result checked; the peak RSS. */
async function peakFor(n: number): Promise<number> {
  const transport = new StdioClientTransport({
    command: BUN,
    args: [MAIN],
    cwd: ROOT,
    env: productEnv(s3, box, s3.endpoint),
    stderr: "pipe",
    // The SDK client's default (10 MiB) is smaller than one maximum-size result.
    maxBufferSize: 64 * 1024 * 1024,
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("utf8")).slice(-4000);
  });
  const client = new Client({ name: "read-memory-test", version: "1.0.0" });
  try {
    await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`the server did not start: ${(e as Error).message}\n${stderr}`);
  }
  const pid = transport.pid as number;
  // Whatever happens, the server does not outlive the test.
  const killer = setTimeout(() => process.kill(pid, "SIGKILL"), CALL_TIMEOUT_MS * 2);
  try {
    await client.listTools();
    const picks = Array.from({ length: n }, (_, i) => fixtures[i % fixtures.length] as Fixture);
    const results = await Promise.all(
      picks.map((f) =>
        client.callTool({ name: "s3_get_object", arguments: { bucket, key: f.key } }, undefined, {
          timeout: CALL_TIMEOUT_MS,
        }),
      ),
    );
    results.forEach((r, i) => {
      const f = picks[i] as Fixture;
      const result = r as CallToolResult;
      if (result.isError) throw new Error(`${f.key}: ${JSON.stringify(result.structuredContent)}\n${stderr}`);
      expect({ key: f.key, sha: sha(returnedBytes(result)) }).toEqual({ key: f.key, sha: f.sha256 });
      expect(result.structuredContent).toMatchObject({
        key: f.key,
        size: SIZE,
        is_base64: f.kind === "binary",
      });
      // Content once: the text also in structuredContent (SPEC §5.1), bytes only in their block.
      expect(result.content).toHaveLength(1);
      const sc = result.structuredContent as { content?: string };
      if (f.kind === "binary") expect(sc.content).toBeUndefined();
      else expect(sc.content === returnedBytes(result)).toBe(true);
    });
    return vmHwmBytes(pid);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nserver stderr: ${stderr}`);
  } finally {
    clearTimeout(killer);
    await client.close();
  }
}

describe.skipIf(!HAS_PROC)("peak memory of concurrent maximum-size reads", () => {
  for (const n of [1, 8, 16]) {
    test(`${n} concurrent 10 MiB reads, text and binary: all correct${n === 16 ? ", peak RSS under 256 MiB" : ""}`, async () => {
      const peak = await peakFor(n);
      figures[`peak_rss_${n}`] = Math.round(peak / 1024 / 1024);
      if (n === 16) expect(peak).toBeLessThan(CONTAINER_BYTES);
    });
  }
});
