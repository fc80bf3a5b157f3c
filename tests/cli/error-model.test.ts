// The error model end to end against the real RGW (SPEC §5, §6): no credentials is NoCredentials
// (exit 1, nothing sent, named as such, never "access denied by S3"), and a mapped error keeps its
// cause (request id, S3's own code) for the diagnostic log only: never on the error line, in --json
// or in the audit.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { needs } from "../support/capabilities.ts";
import { type FaultProxy, startFaultProxy } from "../support/faultproxy.ts";
import { createTestBucket, getTestS3, type TestS3, testEnv } from "../support/s3.ts";
import { run, tempDir } from "./helpers.ts";

setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
let proxy: FaultProxy;
const tmp = tempDir("mcp-s3-error-model-");

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "error-model");
  // Every request is seen (and passed on): "no request was sent" is checked, not assumed.
  proxy = await startFaultProxy({ upstream: s3.endpoint, lifetimeMs: 10 * 60_000 });
});

afterAll(async () => {
  await proxy?.stop();
  tmp.remove();
});

let audits = 0;
function withAudit(env: Record<string, string>): { env: Record<string, string>; audit: () => unknown[] } {
  const file = join(tmp.path, `audit-${++audits}.jsonl`);
  return {
    env: { ...env, MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: file },
    audit: () =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l)),
  };
}

/** The test server's environment without any credentials (no keys, no profile, no files, no IMDS). */
function noCredentials(): Record<string, string> {
  const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...rest } = testEnv(s3);
  return { ...rest, S3_ENDPOINT: proxy.endpoint };
}

describe("no credentials", () => {
  test("NoCredentials naming the connection, exit 1, nothing sent, audited", async () => {
    await proxy.pass();
    const { env, audit } = withAudit(noCredentials());
    const r = await run(["ls", `s3://${bucket}/`], { env });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: 'mcp-s3: NoCredentials: no credentials found for connection "default"; no request was sent\n',
    });
    expect(proxy.requests).toEqual([]);
    expect(audit()).toEqual([
      expect.objectContaining({ tool: "s3_list_objects", status: "error", error: "NoCredentials" }),
    ]);
  });

  test("--json: the hint names the ways to give credentials", async () => {
    const r = await run(["--json", "-c", "default", "stat", `s3://${bucket}/k`], { env: noCredentials() });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stderr);
    expect(body.error).toBe("NoCredentials");
    for (const way of ["access_key_id", "AWS_ACCESS_KEY_ID", "profile", "AWS_PROFILE", "role"]) {
      expect(body.hint).toContain(way);
    }
  });

  test("the diagnostic log has the SDK's reason; the error line does not", async () => {
    const r = await run(["stat", `s3://${bucket}/k`], {
      env: { ...noCredentials(), MCP_S3_EXT_LOGGING: "true" },
    });
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    const log = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const human = lines.filter((l) => !l.startsWith("{"));
    expect(human).toEqual([
      'mcp-s3: NoCredentials: no credentials found for connection "default"; no request was sent',
    ]);
    expect(log).toContainEqual(
      expect.objectContaining({
        error: "NoCredentials",
        cause: expect.objectContaining({ name: "CredentialsProviderError" }),
      }),
    );
  });
});

describe("causes are for the diagnostic log only", () => {
  needs("realErrors").test("a missing key: S3's request id is logged, never printed or audited", async () => {
    await proxy.pass();
    const { env, audit } = withAudit({ ...testEnv(s3), MCP_S3_EXT_LOGGING: "true" });
    for (const json of [false, true]) {
      const r = await run([...(json ? ["--json"] : []), "stat", `s3://${bucket}/missing.txt`], { env });
      expect(r.code).toBe(4);
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      const log = lines.filter((l) => l.startsWith('{"time"')).map((l) => JSON.parse(l));
      const shown = lines.filter((l) => !l.startsWith('{"time"'));
      const failure = log.find((l) => l.error === "NoSuchKey");
      expect(failure?.cause).toEqual(
        expect.objectContaining({ status: 404, request_id: expect.stringMatching(/^tx/) }),
      );
      expect(shown).toHaveLength(1);
      expect(shown[0]).not.toContain(failure.cause.request_id);
      expect(shown[0]).not.toContain("request_id");
    }
    const lines = audit();
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ status: "error", error: "NoSuchKey" });
      expect(Object.keys(line as object)).not.toContain("cause");
    }
  });
});
