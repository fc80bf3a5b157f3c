// No secret (secret key, session token) ever appears in results, errors, audit lines or the
// diagnostic log, and presigned URLs never appear in the audit log. A broad mix of operations —
// successes, refusals, S3 errors, bad credentials — is run and everything they produced is scanned.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { S3ToolError } from "../../src/errors.ts";
import type { Logger } from "../../src/log.ts";
import {
  copyObject,
  createOpsContext,
  deleteObject,
  getObject,
  headObject,
  listBuckets,
  listConnections,
  listObjects,
  presignUrl,
  putObject,
} from "../../src/ops/index.ts";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, getTestS3 } from "../support/s3.ts";
import { CHECKS_SIGNATURES, chunked, envFor, pattern, type TestS3, tempDir, text } from "./harness.ts";

const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEFAKE-SESSION-TOKEN-0123456789abcdef";
const WRONG_SECRET = "wrong-secret-that-must-never-be-printed-000";

let s3: TestS3;
let bucket: string;
let auditFile: string;
const produced: string[] = [];
const urls: string[] = [];
const logged: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  const dir = tempDir();
  auditFile = join(dir, "audit.jsonl");
  const env1 = envFor(s3, s3.users[0]);
  // With one user only (the fallback emulator), the "other" connection reuses it.
  const env2 = envFor(s3, s3.users[1] ?? s3.users[0]);
  for (const e of [env1, env2]) if (e.AWS_SECRET_ACCESS_KEY) secrets.push(e.AWS_SECRET_ACCESS_KEY);
  expect(secrets.length).toBeGreaterThanOrEqual(1);
  secrets.push(SESSION_TOKEN, WRONG_SECRET);

  const config = loadConfig({
    env: {
      HOME: dir,
      XDG_CONFIG_HOME: dir,
      ...env1,
      // RGW ignores a session token it did not issue; the point is that it is configured.
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      MCP_S3_EXT_READONLY: "false",
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret-area/",
      MCP_S3_MAX_GET_SIZE: "64KiB",
      MCP_S3_EXT_AUDIT: "true",
      MCP_S3_AUDIT_FILE: auditFile,
      MCP_S3_EXT_LOGGING: "true",
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
        wrong: {
          endpoint: env1.S3_ENDPOINT ?? s3.endpoint,
          path_style: true,
          region: s3.region,
          access_key_id: env1.AWS_ACCESS_KEY_ID,
          secret_access_key: WRONG_SECRET,
        },
        other: {
          endpoint: env2.S3_ENDPOINT ?? s3.endpoint,
          path_style: true,
          region: s3.region,
          access_key_id: env2.AWS_ACCESS_KEY_ID,
          secret_access_key: env2.AWS_SECRET_ACCESS_KEY,
          session_token: SESSION_TOKEN,
        },
      }),
    },
  });
  const log: Logger = {
    enabled: true,
    log(level, msg, fields) {
      logged.push(JSON.stringify({ level, msg, ...fields }));
    },
  };
  const ctx = createOpsContext(config, { source: "mcp", log });
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      const r = (await fn()) as Record<string, unknown>;
      // A presigned URL is itself a credential handed to whoever asked for it; with temporary
      // credentials it must carry the session token (SigV4). It is checked separately below.
      const { url, ...rest } = r;
      if (typeof url === "string") urls.push(url);
      produced.push(JSON.stringify(rest));
    } catch (e) {
      if (!(e instanceof S3ToolError)) throw e;
      produced.push(e.message, e.hint, JSON.stringify(e.toJSON()), String(e), e.stack ?? "");
    }
  };
  const sink = () => {};
  for (const connection of [undefined, "wrong", "other", "missing"]) {
    await attempt(() => listBuckets(ctx, { connection }));
    await attempt(() => putObject(ctx, { bucket, key: "a/one.txt", body: text("one"), connection }));
    await attempt(() =>
      putObject(ctx, { bucket, key: "a/big.bin", body: chunked(pattern(70 * 1024), 16 * 1024), connection }),
    );
    await attempt(() => getObject(ctx, { bucket, key: "a/one.txt", connection }, sink));
    await attempt(() => getObject(ctx, { bucket, key: "a/big.bin", connection }, sink));
    await attempt(() => getObject(ctx, { bucket, key: "a/missing.txt", connection }, sink));
    await attempt(() => headObject(ctx, { bucket, key: "a/one.txt", connection }));
    await attempt(() => listObjects(ctx, { bucket, prefix: "a/", connection }));
    await attempt(() => listObjects(ctx, { bucket, prefix: "secret-area/", connection }));
    await attempt(() =>
      copyObject(ctx, {
        source_bucket: bucket,
        source_key: "a/one.txt",
        dest_bucket: bucket,
        dest_key: "a/two.txt",
        connection,
      }),
    );
    await attempt(() => presignUrl(ctx, { bucket, key: "a/one.txt", connection }));
    await attempt(() => presignUrl(ctx, { bucket, key: "a/up.txt", method: "PUT", connection }));
    await attempt(() => presignUrl(ctx, { bucket, key: "secret-area/x", connection }));
    await attempt(() => deleteObject(ctx, { bucket, key: "a/two.txt", connection }));
    await attempt(() => getObject(ctx, { bucket: "mcp-s3-no-such-bucket-qq", key: "k", connection }, sink));
  }
  await attempt(() => listConnections(ctx));
  ctx.close();
}, 120_000);

afterAll(() => {
  produced.length = 0;
});

describe("secrets never leak", () => {
  test("the run produced successes, refusals and errors (the scan is meaningful)", () => {
    const audit = readFileSync(auditFile, "utf8");
    for (const status of ['"status":"success"', '"status":"denied"', '"status":"error"'])
      expect(audit).toContain(status);
    for (const code of [
      ...(CHECKS_SIGNATURES ? ["AccessDenied"] : []),
      "ConnectionNotFound",
      "PrefixDenied",
      "EntityTooLarge",
      "NoSuchKey",
      "NoSuchBucket",
    ]) {
      expect(audit).toContain(`"error":"${code}"`);
    }
    expect(urls.length).toBeGreaterThanOrEqual(4);
    expect(logged.length).toBeGreaterThan(0);
  });

  test("no secret in any result or error", () => {
    const all = produced.join("\n");
    for (const s of secrets) expect(all).not.toContain(s);
  });

  test("no secret in the audit log", () => {
    const audit = readFileSync(auditFile, "utf8");
    for (const s of secrets) expect(audit).not.toContain(s);
  });

  test("no secret in the diagnostic log", () => {
    const all = logged.join("\n");
    for (const s of secrets) expect(all).not.toContain(s);
  });

  test("one audit line per attempt", () => {
    const lines = readFileSync(auditFile, "utf8").trim().split("\n");
    // 4 connections x 15 operations, plus list connections.
    expect(lines).toHaveLength(4 * 15 + 1);
    for (const l of lines) expect(JSON.parse(l).source).toBe("mcp");
  });

  test("presigned URLs (and their signatures) never reach the audit log or the diagnostic log", () => {
    const audit = readFileSync(auditFile, "utf8");
    const log = logged.join("\n");
    for (const url of urls) {
      const sig = new URL(url).searchParams.get("X-Amz-Signature");
      expect(sig).not.toBeNull();
      for (const text of [audit, log]) {
        expect(text).not.toContain(url);
        expect(text).not.toContain(sig ?? "");
      }
    }
    expect(audit).not.toMatch(/X-Amz-/i);
    expect(log).not.toMatch(/X-Amz-/i);
  });

  needs("distinctSecret").test(
    "presigned URLs never hold a secret key; the session token only as X-Amz-Security-Token",
    () => {
      for (const url of urls) {
        for (const s of secrets.filter((x) => x !== SESSION_TOKEN))
          expect(decodeURIComponent(url)).not.toContain(s);
        const u = new URL(url);
        const token = u.searchParams.get("X-Amz-Security-Token");
        if (token !== null) expect(token).toBe(SESSION_TOKEN);
        u.searchParams.delete("X-Amz-Security-Token");
        expect(decodeURIComponent(u.toString())).not.toContain(SESSION_TOKEN);
      }
      // Both kinds were signed: the default connection and "other" have a session token.
      expect(urls.some((u) => new URL(u).searchParams.has("X-Amz-Security-Token"))).toBe(true);
    },
  );
});
