// MCP measures: tools/call latency over stdio with the SDK's own client, against the same S3 call
// made directly with @aws-sdk/client-s3 in this process (the overhead mcp-s3 adds), the server's
// resident memory after start and after many calls, and its peak memory under concurrent large reads.
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { procStatusKb } from "./proc.ts";
import { percentile } from "./stats.ts";

export interface LatencyStats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export interface McpResults {
  initMs: number;
  rssAfterStartBytes: number;
  rssAfterCallsBytes: number;
  hwmBytes: number;
  calls: number;
  meta: { mcp: LatencyStats; raw: LatencyStats };
  get: { mcp: LatencyStats; raw: LatencyStats };
  /** The same get against a direct HeadObject + GetObject: the calls a size-limited read makes. */
  getChecked: { mcp: LatencyStats; raw: LatencyStats };
  errors: string[];
}

export interface McpPlan {
  binary: string;
  env: Record<string, string>;
  bucket: string;
  metaKey: string;
  getKey: string;
  getSize: number;
  metaCalls: number;
  getCalls: number;
  warmup: number;
  raw: S3Client;
}

function stats(xs: number[]): LatencyStats {
  return {
    n: xs.length,
    p50: percentile(xs, 50),
    p99: percentile(xs, 99),
    mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
  };
}

/** How long the server sits idle before its resident memory is read. */
export const IDLE_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function connectServer(
  binary: string,
  env: Record<string, string>,
  maxBufferSize?: number,
): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: binary,
    args: [],
    env,
    stderr: "pipe",
    ...(maxBufferSize === undefined ? {} : { maxBufferSize }),
  });
  let err = "";
  transport.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const client = new Client({ name: "mcp-s3-bench", version: "0" });
  await client.connect(transport);
  return { client, transport, stderr: () => err };
}

/** Throws unless the call succeeded; returns the structured content. */
export async function callOk(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError === true) {
    const text = Array.isArray(r.content) ? JSON.stringify(r.content).slice(0, 300) : "";
    throw new Error(`${name} returned an error: ${text}`);
  }
  return (r.structuredContent ?? {}) as Record<string, unknown>;
}

export async function measureMcp(p: McpPlan): Promise<McpResults> {
  const errors: string[] = [];
  const t0 = performance.now();
  const { client, transport, stderr } = await connectServer(p.binary, p.env);
  const initMs = performance.now() - t0;
  const pid = transport.pid ?? 0;
  try {
    await sleep(IDLE_MS);
    const rssAfterStartBytes = procStatusKb(pid, "VmRSS") * 1024;

    const metaArgs = { bucket: p.bucket, key: p.metaKey };
    const getArgs = { bucket: p.bucket, key: p.getKey };
    const head = () => p.raw.send(new HeadObjectCommand({ Bucket: p.bucket, Key: p.metaKey }));
    const rawGet = async () => {
      const out = await p.raw.send(new GetObjectCommand({ Bucket: p.bucket, Key: p.getKey }));
      const bytes = await out.Body?.transformToByteArray();
      if (bytes?.byteLength !== p.getSize) throw new Error(`raw get returned ${bytes?.byteLength} bytes`);
    };
    // What mcp-s3 sends for a size-limited read (SPEC §3: refused before download): HEAD, then GET.
    const rawCheckedGet = async () => {
      await p.raw.send(new HeadObjectCommand({ Bucket: p.bucket, Key: p.getKey }));
      await rawGet();
    };
    const mcpGet = async () => {
      const n = returnedBytes(await client.callTool({ name: "s3_get_object", arguments: getArgs }));
      if (n !== p.getSize) throw new Error(`s3_get_object returned ${n} bytes, expected ${p.getSize}`);
    };
    let calls = 0;
    for (let i = 0; i < p.warmup; i++) {
      await callOk(client, "s3_get_object_metadata", metaArgs);
      await mcpGet();
      await head();
      await rawGet();
      calls += 2;
    }
    // Alternate the MCP call and the direct call so drift on a shared machine hits both alike.
    const metaMcp: number[] = [];
    const metaRaw: number[] = [];
    for (let i = 0; i < p.metaCalls; i++) {
      let t = performance.now();
      await callOk(client, "s3_get_object_metadata", metaArgs);
      metaMcp.push(performance.now() - t);
      calls++;
      t = performance.now();
      await head();
      metaRaw.push(performance.now() - t);
    }
    const getMcp: number[] = [];
    const getRaw: number[] = [];
    const getCheckedRaw: number[] = [];
    for (let i = 0; i < p.getCalls; i++) {
      let t = performance.now();
      await mcpGet();
      getMcp.push(performance.now() - t);
      calls++;
      t = performance.now();
      await rawGet();
      getRaw.push(performance.now() - t);
      t = performance.now();
      await rawCheckedGet();
      getCheckedRaw.push(performance.now() - t);
    }
    await sleep(IDLE_MS);
    const rssAfterCallsBytes = procStatusKb(pid, "VmRSS") * 1024;
    const hwmBytes = procStatusKb(pid, "VmHWM") * 1024;
    return {
      initMs,
      rssAfterStartBytes,
      rssAfterCallsBytes,
      hwmBytes,
      calls,
      meta: { mcp: stats(metaMcp), raw: stats(metaRaw) },
      get: { mcp: stats(getMcp), raw: stats(getRaw) },
      getChecked: { mcp: stats(getMcp), raw: stats(getCheckedRaw) },
      errors,
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nserver stderr: ${stderr().trim().slice(-1000)}`);
  } finally {
    await client.close().catch(() => {});
  }
}

function padding(b64: string): number {
  return b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
}

const base64Bytes = (b64: string) => Math.floor((b64.length * 3) / 4) - padding(b64);

/**
 * Bytes an s3_get_object result carries: its one content block holds the content (text, or base64 in
 * an image or embedded resource block). Throws for an error result.
 */
export function returnedBytes(r: Awaited<ReturnType<Client["callTool"]>>): number {
  if (r.isError === true) {
    throw new Error(`s3_get_object returned an error: ${JSON.stringify(r.structuredContent).slice(0, 300)}`);
  }
  const block = (
    r.content as { type: string; text?: string; data?: string; resource?: { blob?: string } }[]
  )[0];
  if (block?.type === "text") return Buffer.byteLength(block.text ?? "");
  if (block?.type === "image") return base64Bytes(block.data ?? "");
  if (block?.type === "resource") return base64Bytes(block.resource?.blob ?? "");
  throw new Error(`s3_get_object returned no content block: ${JSON.stringify(r).slice(0, 300)}`);
}

export interface ReadsPlan {
  binary: string;
  /** The server's environment; the reads measure runs the default read policy (read-only, get limit = size). */
  env: Record<string, string>;
  bucket: string;
  /** Objects read round-robin (say, a binary and a text one), each `size` bytes. */
  keys: string[];
  size: number;
  /** Concurrency levels; each gets a fresh server, since the peak (VmHWM) never goes down. */
  levels: number[];
}

export interface ReadsLevel {
  concurrent: number;
  peakBytes: number;
  wallMs: number;
}

export interface ReadsResult {
  size: number;
  levels: ReadsLevel[];
}

/**
 * Peak resident memory of the server while it serves N concurrent maximum-size s3_get_object calls
 * (SPEC §3: 16 of them within a 256 MiB container). Every result is checked for its size.
 */
export async function measureConcurrentReads(p: ReadsPlan): Promise<ReadsResult> {
  const levels: ReadsLevel[] = [];
  for (const n of p.levels) {
    // A result line holds the content in base64 or, for text, twice: beyond the SDK client's 10 MiB default.
    const { client, transport, stderr } = await connectServer(p.binary, p.env, 8 * p.size + 1024 * 1024);
    const pid = transport.pid ?? 0;
    try {
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          client.callTool(
            { name: "s3_get_object", arguments: { bucket: p.bucket, key: p.keys[i % p.keys.length] } },
            undefined,
            {
              timeout: 300_000,
            },
          ),
        ),
      );
      const wallMs = performance.now() - t0;
      for (const r of results) {
        const got = returnedBytes(r);
        if (got !== p.size) throw new Error(`s3_get_object returned ${got} bytes, expected ${p.size}`);
      }
      levels.push({ concurrent: n, peakBytes: procStatusKb(pid, "VmHWM") * 1024, wallMs });
    } catch (e) {
      throw new Error(`${(e as Error).message}\nserver stderr: ${stderr().trim().slice(-1000)}`);
    } finally {
      await client.close().catch(() => {});
    }
  }
  return { size: p.size, levels };
}
