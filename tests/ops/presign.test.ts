// Presigned URLs against the real test S3 server: usable with plain fetch, expiry defaults and caps,
// signing sends nothing to S3, and the URL never reaches the audit log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { presignUrl } from "../../src/ops/index.ts";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, getTestObject, putTestObject } from "../support/s3.ts";
import { type Harness, harness, rejects, text } from "./harness.ts";

let h: Harness;
let bucket: string;
beforeAll(async () => {
  h = await harness({ MCP_S3_EXT_READONLY: "false" });
  bucket = await createTestBucket(h.s3);
  await putTestObject(h.s3, bucket, "files/report 2024+final.txt", text("the report"));
});
afterAll(() => h?.close());

const expiresParam = (url: string) => Number(new URL(url).searchParams.get("X-Amz-Expires"));

describe("presigned GET", () => {
  test("the URL downloads the object with plain fetch; signing sends no request", async () => {
    h.mark();
    const before = h.requests();
    const p = await presignUrl(h.ctx, { bucket, key: "files/report 2024+final.txt" });
    expect(h.requests()).toBe(before);
    expect(p).toMatchObject({
      bucket,
      key: "files/report 2024+final.txt",
      method: "GET",
      expires_in_seconds: 3600,
    });
    expect(p.url.startsWith(h.s3.endpoint)).toBe(true);
    const res = await fetch(p.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("the report");
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({
        tool: "s3_presign_url",
        status: "success",
        key: "files/report 2024+final.txt",
      }),
    ]);
  });

  test("the default expiry is 3600 seconds", async () => {
    const t0 = Date.now();
    const p = await presignUrl(h.ctx, { bucket, key: "files/report 2024+final.txt" });
    expect(p.expires_in_seconds).toBe(3600);
    expect(expiresParam(p.url)).toBe(3600);
    const at = Date.parse(p.expires_at);
    expect(at).toBeGreaterThanOrEqual(t0 + 3600_000 - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
  });

  test("a shorter expiry is kept", async () => {
    const p = await presignUrl(h.ctx, { bucket, key: "files/report 2024+final.txt", expires_in: 60 });
    expect(p.expires_in_seconds).toBe(60);
    expect(expiresParam(p.url)).toBe(60);
  });

  test("a longer expiry is capped at presign_max_expiry (default 1h)", async () => {
    const p = await presignUrl(h.ctx, {
      bucket,
      key: "files/report 2024+final.txt",
      expires_in: 7 * 24 * 3600,
    });
    expect(p.expires_in_seconds).toBe(3600);
    expect(expiresParam(p.url)).toBe(3600);
  });

  test("presign_max_expiry below 1h caps the default too", async () => {
    const short = await harness({ MCP_S3_PRESIGN_MAX_EXPIRY: "10m" });
    try {
      const p = await presignUrl(short.ctx, { bucket, key: "files/report 2024+final.txt" });
      expect(p.expires_in_seconds).toBe(600);
      expect(expiresParam(p.url)).toBe(600);
      const q = await presignUrl(short.ctx, { bucket, key: "files/report 2024+final.txt", expires_in: 601 });
      expect(q.expires_in_seconds).toBe(600);
    } finally {
      short.close();
    }
  });

  test("presign_max_expiry of 7d allows up to the SigV4 maximum", async () => {
    const long = await harness({ MCP_S3_PRESIGN_MAX_EXPIRY: "7d" });
    try {
      const p = await presignUrl(long.ctx, {
        bucket,
        key: "files/report 2024+final.txt",
        expires_in: 10 * 24 * 3600,
      });
      expect(p.expires_in_seconds).toBe(604_800);
    } finally {
      long.close();
    }
  });

  test.each([[0], [-5], [1.5], [Number.NaN]])("expires_in %p is InvalidArgument", async (expires_in) => {
    h.mark();
    await rejects(
      () => presignUrl(h.ctx, { bucket, key: "files/report 2024+final.txt", expires_in }),
      "InvalidArgument",
    );
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ status: "error", error: "InvalidArgument" }),
    ]);
  });

  test("an expired URL no longer works", async () => {
    const p = await presignUrl(h.ctx, { bucket, key: "files/report 2024+final.txt", expires_in: 1 });
    await Bun.sleep(2100);
    expect((await fetch(p.url)).status).toBe(403);
  });
});

describe("presigned PUT", () => {
  test("the URL uploads with plain fetch (writable connection)", async () => {
    const p = await presignUrl(h.ctx, {
      bucket,
      key: "uploads/new file ✓.txt",
      method: "PUT",
      expires_in: 300,
    });
    expect(p.method).toBe("PUT");
    expect(p.expires_in_seconds).toBe(300);
    const res = await fetch(p.url, { method: "PUT", body: "uploaded via presign" });
    expect(res.status).toBe(200);
    expect(
      new TextDecoder().decode((await getTestObject(h.s3, bucket, "uploads/new file ✓.txt")) ?? undefined),
    ).toBe("uploaded via presign");
  });

  needs("signatures").test("a GET URL cannot be used to PUT", async () => {
    const p = await presignUrl(h.ctx, { bucket, key: "uploads/sneaky.txt" });
    const res = await fetch(p.url, { method: "PUT", body: "nope" });
    expect(res.status).toBe(403);
    expect(await getTestObject(h.s3, bucket, "uploads/sneaky.txt")).toBeNull();
  });

  test("an unknown method is InvalidArgument", async () => {
    await rejects(
      () => presignUrl(h.ctx, { bucket, key: "k", method: "DELETE" as unknown as "GET" }),
      "InvalidArgument",
    );
  });
});

describe("public_endpoint", () => {
  needs("signatures").test(
    "presigned URLs use the connection's public endpoint; S3 requests do not",
    async () => {
      const pub = await harness({
        S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
          public: {
            endpoint: h.s3.endpoint,
            path_style: true,
            region: h.s3.region,
            access_key_id: h.config.connections[h.config.default_connection]?.access_key_id,
            secret_access_key: h.config.connections[h.config.default_connection]?.secret_access_key,
            public_endpoint: "https://files.example.com",
          },
        }),
      });
      try {
        const p = await presignUrl(pub.ctx, {
          bucket,
          key: "files/report 2024+final.txt",
          connection: "public",
        });
        expect(p.url.startsWith("https://files.example.com/")).toBe(true);
        // The same path and query against the real endpoint is a valid signature only for the public host,
        // so it must be refused there: proof that the public host is what was signed.
        const local = new URL(p.url);
        const real = new URL(h.s3.endpoint);
        local.protocol = real.protocol;
        local.host = real.host;
        expect((await fetch(local)).status).toBe(403);
      } finally {
        pub.close();
      }
    },
  );
});

describe("the audit log never holds a presigned URL", () => {
  test("no signature, credential or URL of a presign result is in the audit file", async () => {
    const urls = [
      (await presignUrl(h.ctx, { bucket, key: "files/report 2024+final.txt" })).url,
      (await presignUrl(h.ctx, { bucket, key: "uploads/x", method: "PUT" })).url,
    ];
    const audit = readFileSync(h.auditFile, "utf8");
    expect(audit).toContain("s3_presign_url");
    for (const url of urls) {
      expect(audit).not.toContain(url);
      expect(audit).not.toContain(new URL(url).searchParams.get("X-Amz-Signature") ?? "no-signature");
    }
    expect(audit).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)/i);
    expect(audit).not.toContain("http://");
    expect(audit).not.toContain("https://");
  });
});
