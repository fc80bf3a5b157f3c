// The one S3 server every integration test talks to, and small helpers around it.
//
// Which server, in order:
//   1. MCP_S3_TEST_ENDPOINT is set → that endpoint ("external"), keys from MCP_S3_TEST_ACCESS_KEY_ID /
//      MCP_S3_TEST_SECRET_ACCESS_KEY (optional second user: the same names with _2), region from
//      MCP_S3_TEST_REGION (default us-east-1).
//   2. radosgw is installed → a throwaway Ceph RGW (scripts/rgw.ts): real S3, real signatures,
//      two users.
//   3. otherwise the in-process s3rver emulator, which is not a real S3 (it accepts any secret).
//      Never in CI: there the tests must run against RGW, so a missing radosgw is an error.
//
// bun test runs all test files in one process, so the server is a lazily started module-level
// singleton. It is stopped when the process ends: bun test runs no "exit" hooks, so a guardian
// process (scripts/rgw.ts) does it, for RGW and for our temporary directories alike. Test files
// must not stop it in afterAll: other files still use it.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { isRgwInstalled, startGuardian, startRgw } from "../../scripts/rgw.ts";
import { startS3rver } from "../../scripts/s3rver.ts";

export type TestS3Kind = "rgw" | "s3rver" | "external";

export interface TestS3User {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface TestS3 {
  kind: TestS3Kind;
  endpoint: string;
  region: string;
  /** At least one user; two for rgw (and for external when the _2 variables are set). */
  users: TestS3User[];
}

interface Running {
  s3: TestS3;
  stop(): Promise<void>;
}

let running: Promise<Running> | undefined;
let scratch: string | undefined;

/** This process's temporary directory (s3rver data, testEnv homes), removed when it ends. */
function scratchDir(): string {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "mcp-s3-test-"));
    startGuardian(scratch);
  }
  return scratch;
}

/**
 * The shared test server, started on first use. A failed start is remembered, so every test
 * fails fast with the same message instead of each retrying for a minute.
 */
export function getTestS3(): Promise<TestS3> {
  running ??= chooseAndStart();
  return running.then((r) => r.s3);
}

/** Stops the shared server now (otherwise it is stopped when the process ends). */
export async function stopTestS3(): Promise<void> {
  const r = running;
  running = undefined;
  for (const c of clients.values()) c.destroy();
  clients.clear();
  const server = await r?.catch(() => undefined);
  await server?.stop();
}

/**
 * Which server this test process will use, decided without starting it (tests/support/capabilities.ts
 * needs it while tests are being declared). MCP_S3_TEST_SERVER=s3rver forces the emulator, to see
 * what a machine without Ceph runs.
 */
export function plannedTestS3Kind(): TestS3Kind {
  if (process.env.MCP_S3_TEST_ENDPOINT) return "external";
  if (process.env.MCP_S3_TEST_SERVER === "s3rver") return "s3rver";
  return isRgwInstalled() ? "rgw" : "s3rver";
}

async function chooseAndStart(): Promise<Running> {
  const kind = plannedTestS3Kind();
  if (kind === "external") return useExternal(process.env.MCP_S3_TEST_ENDPOINT as string);
  if (kind === "rgw") return startRgwServer();
  if (isCi() && process.env.MCP_S3_TEST_SERVER !== "s3rver") {
    throw new Error(
      "[test-s3] CI is set but radosgw is not installed: CI must test against a real S3 (Ceph RGW). " +
        "Install the Debian packages radosgw ceph-mon ceph-osd, or set MCP_S3_TEST_ENDPOINT.",
    );
  }
  return startS3rverServer();
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

function announce(msg: string): void {
  process.stderr.write(`[test-s3] ${msg}\n`);
}

function useExternal(endpoint: string): Running {
  const user = (suffix: string): TestS3User | undefined => {
    const accessKeyId = process.env[`MCP_S3_TEST_ACCESS_KEY_ID${suffix}`];
    const secretAccessKey = process.env[`MCP_S3_TEST_SECRET_ACCESS_KEY${suffix}`];
    return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
  };
  const first = user("");
  if (!first) {
    throw new Error(
      "[test-s3] MCP_S3_TEST_ENDPOINT is set, so MCP_S3_TEST_ACCESS_KEY_ID and MCP_S3_TEST_SECRET_ACCESS_KEY must be too",
    );
  }
  const second = user("_2");
  const s3: TestS3 = {
    kind: "external",
    endpoint,
    region: process.env.MCP_S3_TEST_REGION || "us-east-1",
    users: second ? [first, second] : [first],
  };
  announce(`using the external S3 at ${endpoint} (${s3.users.length} user(s))`);
  return { s3, stop: async () => {} };
}

async function startRgwServer(): Promise<Running> {
  const t0 = Date.now();
  const rgw = await startRgw();
  const s3: TestS3 = {
    kind: "rgw",
    endpoint: rgw.endpoint,
    region: rgw.region,
    users: rgw.users.map(({ accessKeyId, secretAccessKey }) => ({ accessKeyId, secretAccessKey })),
  };
  announce(`using Ceph RGW at ${rgw.endpoint} (started in ${((Date.now() - t0) / 1000).toFixed(2)}s)`);
  return { s3, stop: () => rgw.stop() };
}

async function startS3rverServer(): Promise<Running> {
  const server = await startS3rver(scratchDir());
  announce(
    `RGW not installed: using the s3rver emulator at ${server.endpoint} (not a real S3; tests that need RGW are skipped, see the summary at the end)`,
  );
  return {
    s3: { kind: "s3rver", endpoint: server.endpoint, region: server.region, users: server.users },
    stop: () => server.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// Clients and helpers

/**
 * A new S3 client for one of the test users; the caller owns it. Path style and no flexible
 * checksums: RGW answers 411 to the SDK's streaming-trailer checksums, and virtual hosts would
 * need DNS for bucket.127.0.0.1.
 */
export function adminClient(s3: TestS3, user = 0): S3Client {
  const u = s3.users[user];
  if (!u) throw new Error(`[test-s3] the ${s3.kind} test server has no user ${user}`);
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

// The helpers below share one client per server and user instead of opening new connections.
const clients = new Map<string, S3Client>();

function client(s3: TestS3, user = 0): S3Client {
  const key = `${s3.endpoint}#${user}`;
  let c = clients.get(key);
  if (!c) {
    c = adminClient(s3, user);
    clients.set(key, c);
  }
  return c;
}

/** Creates a bucket with a unique, valid name starting with `prefix`; no LocationConstraint (RGW rejects it). */
export async function createTestBucket(s3: TestS3, prefix = "t"): Promise<string> {
  const suffix = `-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+/, "")
      .slice(0, 63 - suffix.length) || "t";
  const bucket = `${clean}${suffix}`.replace(/-{2,}/g, "-");
  await client(s3).send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function putTestObject(
  s3: TestS3,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  contentType?: string,
): Promise<void> {
  await client(s3).send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ...(contentType === undefined ? {} : { ContentType: contentType }),
    }),
  );
}

/** The object's bytes, or null when there is no such key. */
export async function getTestObject(s3: TestS3, bucket: string, key: string): Promise<Uint8Array | null> {
  try {
    const res = await client(s3).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

/** Every key in the bucket (under `prefix`), across all pages, in listing order. */
export async function listAllKeys(s3: TestS3, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await client(s3).send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ...(prefix === undefined ? {} : { Prefix: prefix }),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const o of res.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Multipart uploads still in progress: a failed upload must leave none behind. */
export async function listMultipartUploads(
  s3: TestS3,
  bucket: string,
): Promise<{ key: string; uploadId: string }[]> {
  if (s3.kind === "s3rver") {
    // Say so plainly instead of a bare 501 (or a count that proves nothing).
    throw new Error(
      "[test-s3] s3rver implements neither ListMultipartUploads nor AbortMultipartUpload: " +
        "run this test against Ceph RGW (install radosgw) or skip it when s3.kind is 's3rver'",
    );
  }
  const uploads: { key: string; uploadId: string }[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const res = await client(s3).send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
        ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }),
      }),
    );
    for (const u of res.Uploads ?? []) {
      if (u.Key !== undefined && u.UploadId !== undefined) uploads.push({ key: u.Key, uploadId: u.UploadId });
    }
    if (!res.IsTruncated) return uploads;
    keyMarker = res.NextKeyMarker;
    uploadIdMarker = res.NextUploadIdMarker;
  }
}

// Passed through from our environment: needed to find and run programs, nothing S3 or AWS.
const PASS_THROUGH = ["PATH", "TMPDIR", "DENO_DIR"];

/**
 * A complete, hermetic environment for running mcp-s3 against the test server: only PATH (and
 * TMPDIR, DENO_DIR) from our environment, so no AWS_PROFILE or developer MCP_S3_* setting leaks
 * in; HOME and XDG_CONFIG_HOME in a fresh empty directory, so ~/.aws and ~/.config are not read;
 * plus the connection settings. Use it as the child's whole env (add to it, but do not spread
 * process.env into it).
 */
export function testEnv(s3: TestS3, user = 0): Record<string, string> {
  const u = s3.users[user];
  if (!u) throw new Error(`[test-s3] the ${s3.kind} test server has no user ${user}`);
  const env: Record<string, string> = {};
  for (const k of PASS_THROUGH) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  const home = mkdtempSync(join(scratchDir(), "home-"));
  mkdirSync(join(home, ".config"));
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    S3_ENDPOINT: s3.endpoint,
    S3_USE_PATH_STYLE: "true",
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: u.accessKeyId,
    AWS_SECRET_ACCESS_KEY: u.secretAccessKey,
    // Never wait for the EC2 metadata service when a test deliberately leaves credentials out.
    AWS_EC2_METADATA_DISABLED: "true",
  };
}
