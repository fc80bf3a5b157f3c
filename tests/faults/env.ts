// What the fault, security and load tests share beyond tests/support/s3.ts (the test S3 server and
// its admin helpers): sandboxes, environments for the product pointing at the server or at a fault
// proxy in front of it, and audit files read back.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FaultProxy, startFaultProxy } from "../support/faultproxy.ts";
import { getTestS3, type TestS3 } from "../support/s3.ts";

export const ROOT = join(import.meta.dir, "../..");
export const BUN = process.execPath;
export const MAIN = join(ROOT, "src/main.ts");

/**
 * The shared test S3 server of the whole test process (tests/support/s3.ts: RGW in CI). These tests
 * rely on real signature checks (a wrong secret must be refused), so they need RGW or a real S3.
 */
export function rgw(): Promise<TestS3> {
  return getTestS3();
}

/** A user of the test server (RGW has two); a clear error when the server has fewer. */
export function user(s: TestS3, i = 0): { accessKeyId: string; secretAccessKey: string } {
  const u = s.users[i];
  if (u === undefined) throw new Error(`the test S3 server has no user ${i} (kind ${s.kind})`);
  return u;
}

export interface Sandbox {
  readonly dir: string;
  /** A fresh audit file path inside the sandbox. */
  auditFile(name?: string): string;
  cleanup(): void;
}

let auditCounter = 0;
export function sandbox(label: string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), `mcp-s3-${label}-`));
  for (const d of ["home", "xdg"]) mkdirSync(join(dir, d));
  return {
    dir,
    auditFile: (name) => join(dir, name ?? `audit-${++auditCounter}.jsonl`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The environment for the product: only what we set, never the caller's AWS settings, so the
 * machine running the tests cannot change their outcome.
 */
export function productEnv(
  s: TestS3,
  box: Sandbox,
  endpoint: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const u = user(s, 0);
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: join(box.dir, "home"),
    XDG_CONFIG_HOME: join(box.dir, "xdg"),
    AWS_CONFIG_FILE: join(box.dir, "home", "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(box.dir, "home", "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: u.accessKeyId,
    AWS_SECRET_ACCESS_KEY: u.secretAccessKey,
    S3_ENDPOINT: endpoint,
    S3_USE_PATH_STYLE: "true",
    NO_COLOR: "1",
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function proxyFor(s: TestS3, holdMaxMs = 8000): Promise<FaultProxy> {
  return startFaultProxy({ upstream: s.endpoint, holdMaxMs, lifetimeMs: 15 * 60_000 });
}

export function readLines(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
