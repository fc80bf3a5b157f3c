// What the fault, security and load tests share: the real test S3 server (RGW), a fault proxy in
// front of it, environments for the product pointing at either, and an admin view of the server
// that bypasses both the proxy and the product.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
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

export function adminClient(s: TestS3, which = 0): S3Client {
  const u = user(s, which);
  return new S3Client({
    region: "us-east-1",
    endpoint: s.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

let bucketCounter = 0;
export async function createBucket(s: TestS3, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++bucketCounter}-${Date.now().toString(36)}`.toLowerCase();
  await adminClient(s).send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

export async function putObject(s: TestS3, bucket: string, key: string, body: Uint8Array | string) {
  await adminClient(s).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function deleteObject(s: TestS3, bucket: string, key: string) {
  await adminClient(s).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Whether the object exists, asked of RGW directly. */
export async function objectExists(s: TestS3, bucket: string, key: string): Promise<boolean> {
  try {
    await adminClient(s).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

/** SHA-256 of the object as RGW holds it. */
export async function objectSha256(s: TestS3, bucket: string, key: string): Promise<string> {
  const out = await adminClient(s).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await out.Body?.transformToByteArray();
  return createHash("sha256")
    .update(bytes ?? new Uint8Array())
    .digest("hex");
}

export async function listKeys(s: TestS3, bucket: string, prefix?: string): Promise<string[]> {
  const out = await adminClient(s).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? "");
}

/** Multipart uploads still in progress in the bucket (an interrupted put must leave none). */
export async function inProgressUploads(s: TestS3, bucket: string): Promise<string[]> {
  const out = await adminClient(s).send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).map((u) => `${u.Key}:${u.UploadId}`);
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
