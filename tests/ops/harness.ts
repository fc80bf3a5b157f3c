// Shared set-up for the operation-layer tests: a real S3 server (tests/support/s3.ts), an OpsContext
// built exactly as the front ends build it (loadConfig from an injected environment, then
// createOpsContext), an audit file to read back, and a counter of every HTTP request the context's
// S3 clients send, so a refusal can be proved to have sent nothing.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { AuditRecord } from "../../src/audit/writer.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { S3ToolError } from "../../src/errors.ts";
import { createOpsContext, type OpsContext } from "../../src/ops/index.ts";
import { getTestS3, testEnv } from "../support/s3.ts";

export type TestS3 = Awaited<ReturnType<typeof getTestS3>>;
export type TestUser = TestS3["users"][number];

/**
 * What the server can prove. The fallback emulator (s3rver, only where RGW is not installed and
 * never in CI) has one account and accepts any secret: tests that need a second user or signature
 * checks skip there, and say so in their name.
 */
export const SERVER = await getTestS3();
export const HAS_SECOND_USER = SERVER.users.length >= 2;
export const CHECKS_SIGNATURES = SERVER.kind !== "s3rver";

export type AuditLine = AuditRecord & { readonly timestamp: string };

export interface Harness {
  readonly s3: TestS3;
  readonly ctx: OpsContext & { close(): void };
  readonly config: Config;
  readonly auditFile: string;
  /** Every audit line written so far. */
  audit(): AuditLine[];
  /** Audit lines written since the last call to `mark()`. */
  auditSinceMark(): AuditLine[];
  mark(): void;
  /** HTTP requests sent by this context's S3 clients (data and presign clients, every connection). */
  requests(): number;
  close(): void;
}

const dirs: string[] = [];
process.on("exit", () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(name = "mcp-s3-ops-test-"): string {
  const d = mkdtempSync(join(tmpdir(), name));
  dirs.push(d);
  return d;
}

/** The product's environment for the test server, signed as `user` (whatever testEnv's default user is). */
export function envFor(s3: TestS3, user: TestUser = s3.users[0] as TestUser): Record<string, string> {
  return {
    ...testEnv(s3),
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
  };
}

/**
 * A context for `user` (default: the first) whose policy comes from `vars` (MCP_S3_* variables).
 * Audit is always on, into a fresh file. The endpoint is always the real server: a request that the
 * gate failed to stop would have a visible effect.
 */
export async function harness(
  vars: Record<string, string> = {},
  options: { user?: TestUser; source?: "mcp" | "cli" } = {},
): Promise<Harness> {
  const s3 = await getTestS3();
  const user = options.user ?? (s3.users[0] as TestUser);
  const dir = tempDir();
  const auditFile = join(dir, "audit.jsonl");
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: dir,
    ...envFor(s3, user),
    MCP_S3_EXT_AUDIT: "true",
    MCP_S3_AUDIT_FILE: auditFile,
    ...vars,
  };
  const config = loadConfig({ env });
  const ctx = createOpsContext(config, { source: options.source ?? "cli" });
  let count = 0;
  // Counted at the request handler: requests sent around the SDK's middleware (src/s3/lean-object.ts)
  // and the SDK's attempts alike.
  const instrumented = new WeakSet<object>();
  const instrument = (client: S3Client) => {
    const handler = client.config.requestHandler as { handle: (...a: unknown[]) => Promise<unknown> };
    if (instrumented.has(handler)) return;
    instrumented.add(handler);
    const handle = handler.handle.bind(handler);
    handler.handle = (...a: unknown[]) => {
      count++;
      return handle(...a);
    };
  };
  // Clients are created lazily and cached per connection: instrument them as they are handed out.
  const pool = ctx.clients;
  const client = pool.client.bind(pool);
  const presignClient = pool.presignClient.bind(pool);
  Object.assign(pool, {
    client(name: string) {
      const c = client(name);
      instrument(c);
      return c;
    },
    presignClient(name: string) {
      const c = presignClient(name);
      instrument(c);
      return c;
    },
  });
  let marked = 0;
  const audit = (): AuditLine[] => {
    let text = "";
    try {
      text = readFileSync(auditFile, "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as AuditLine);
  };
  return {
    s3,
    ctx,
    config,
    auditFile,
    audit,
    mark() {
      marked = audit().length;
    },
    auditSinceMark: () => audit().slice(marked),
    requests: () => count,
    close: () => ctx.close(),
  };
}

/** Runs `fn`, expects an S3ToolError with `code`, returns it. */
export async function rejects(fn: () => Promise<unknown>, code: string): Promise<S3ToolError> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof S3ToolError)) throw e;
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected ${code}, but the operation succeeded`);
}

export const text = (s: string) => new TextEncoder().encode(s);

/** A sink that collects what getObject delivers. */
export function collector(): { sink: (c: Uint8Array) => void; bytes(): Uint8Array; chunks: number } {
  const parts: Uint8Array[] = [];
  const self = {
    chunks: 0,
    sink(c: Uint8Array) {
      parts.push(c.slice());
      self.chunks++;
    },
    bytes() {
      return Buffer.concat(parts);
    },
  };
  return self;
}

/** A deterministic pseudo-random body (cheap, reproducible, incompressible enough). */
export function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Streams `body` in chunks of `chunk` bytes, with no size known in advance. */
export async function* chunked(body: Uint8Array, chunk = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < body.byteLength; off += chunk) {
    yield body.subarray(off, Math.min(body.byteLength, off + chunk));
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
