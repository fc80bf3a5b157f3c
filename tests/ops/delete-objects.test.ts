// Batch deletes and bucket operations through the operation layer against the real server: every
// key of a DeleteObjects batch is decided and audited on its own line (s3_delete_object), refused
// keys are audited "denied" and never sent, per-key results line up with the keys; create/delete
// bucket are a write/delete of the bucket itself for the gate; previewOperation sends nothing and
// audits nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { createBucket, deleteBucket } from "../../src/ops/buckets.ts";
import { deleteObjectSpec } from "../../src/ops/delete-object.ts";
import { deleteObjects, MAX_DELETE_BATCH } from "../../src/ops/delete-objects.ts";
import { previewOperation } from "../../src/ops/run.ts";
import { adminClient, createTestBucket, listAllKeys, putTestObject } from "../support/s3.ts";
import { type Harness, harness, rejects, SERVER } from "./harness.ts";

const WRITABLE_ACL = {
  MCP_S3_EXT_READONLY: "false",
  MCP_S3_EXT_PREFIXACL: "true",
  MCP_S3_DENIED_PREFIXES: "secret/",
};

let bucket: string;
const hs: Harness[] = [];
async function open(vars: Record<string, string>): Promise<Harness> {
  const h = await harness(vars);
  hs.push(h);
  return h;
}

beforeAll(async () => {
  bucket = await createTestBucket(SERVER, "delobj");
});
afterAll(() => {
  for (const h of hs) h.close();
});

describe("deleteObjects", () => {
  test("a mixed batch: allowed keys deleted, refused ones audited denied and never sent", async () => {
    const keys = ["a/1.txt", "secret/x.txt", "a/sp ace ünï.txt", "a/ctl\x01key", "secret/y.txt", "a/missing"];
    for (const k of keys.filter((k) => k !== "a/missing")) await putTestObject(SERVER, bucket, k, "x");
    const h = await open(WRITABLE_ACL);
    const outcomes = await deleteObjects(h.ctx, { bucket, keys });
    expect(outcomes.map((o) => (o.ok ? "ok" : o.error.code))).toEqual([
      "ok",
      "PrefixDenied",
      "ok",
      "ok", // a key XML cannot carry goes as its own DeleteObject
      "PrefixDenied",
      "ok", // S3 deletes of missing keys succeed
    ]);
    expect((await listAllKeys(SERVER, bucket)).sort()).toEqual(["secret/x.txt", "secret/y.txt"]);
    const lines = h.audit();
    expect(lines.map((l) => [l.tool, l.key, l.status, l.error])).toEqual(
      expect.arrayContaining([
        ["s3_delete_object", "a/1.txt", "success", undefined],
        ["s3_delete_object", "secret/x.txt", "denied", "PrefixDenied"],
        ["s3_delete_object", "a/sp ace ünï.txt", "success", undefined],
        ["s3_delete_object", "a/ctl\x01key", "success", undefined],
        ["s3_delete_object", "secret/y.txt", "denied", "PrefixDenied"],
        ["s3_delete_object", "a/missing", "success", undefined],
      ]),
    );
    expect(lines).toHaveLength(keys.length); // one line per key, nothing else
    expect(lines.every((l) => l.bucket === bucket && l.source === "cli")).toBe(true);
  });

  test("every key refused: no request at all", async () => {
    const h = await open({ ...WRITABLE_ACL, MCP_S3_EXT_READONLY: "true" });
    const outcomes = await deleteObjects(h.ctx, { bucket, keys: ["a", "b"] });
    expect(outcomes.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ReadOnlyMode", "ReadOnlyMode"]);
    expect(h.requests()).toBe(0);
    expect(h.audit().map((l) => l.status)).toEqual(["denied", "denied"]);
  });

  test("more than 1000 keys in one call is refused before anything", async () => {
    const h = await open(WRITABLE_ACL);
    const keys = Array.from({ length: MAX_DELETE_BATCH + 1 }, (_, i) => `k${i}`);
    await rejects(() => deleteObjects(h.ctx, { bucket, keys }), "InvalidArgument");
    expect(h.requests()).toBe(0);
  });

  test("a missing bucket fails every allowed key, each audited as an error", async () => {
    const h = await open(WRITABLE_ACL);
    const outcomes = await deleteObjects(h.ctx, {
      bucket: "no-such-bucket-for-delobj",
      keys: ["a", "secret/b"],
    });
    expect(outcomes.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["NoSuchBucket", "PrefixDenied"]);
    expect(h.audit().map((l) => [l.key, l.status])).toEqual(
      expect.arrayContaining([
        ["a", "error"],
        ["secret/b", "denied"],
      ]),
    );
  });
});

describe("previewOperation", () => {
  test("the gate's decision, no request, no audit line", async () => {
    const h = await open(WRITABLE_ACL);
    expect(previewOperation(h.ctx, deleteObjectSpec({ bucket, key: "a/x" })).allowed).toBe(true);
    expect(previewOperation(h.ctx, deleteObjectSpec({ bucket, key: "secret/x" }))).toMatchObject({
      allowed: false,
      code: "PrefixDenied",
    });
    expect(h.requests()).toBe(0);
    expect(h.audit()).toEqual([]);
  });

  test("an unknown connection throws, as the real run would", async () => {
    const h = await open(WRITABLE_ACL);
    expect(() =>
      previewOperation(h.ctx, { ...deleteObjectSpec({ bucket, key: "a" }), connection: "nope" }),
    ).toThrow();
  });
});

describe("createBucket / deleteBucket", () => {
  const name = `mbrb-${Date.now().toString(36)}`;
  const exists = async (b: string) => {
    const c = adminClient(SERVER);
    try {
      await c.send(new HeadBucketCommand({ Bucket: b }));
      return true;
    } catch {
      return false;
    } finally {
      c.destroy();
    }
  };

  test("read-only: both refused, nothing sent, audited denied", async () => {
    const h = await open({});
    await rejects(() => createBucket(h.ctx, { bucket: name }), "ReadOnlyMode");
    await rejects(() => deleteBucket(h.ctx, { bucket }), "ReadOnlyMode");
    expect(h.requests()).toBe(0);
    expect(h.audit().map((l) => [l.tool, l.bucket, l.status])).toEqual([
      ["s3_create_bucket", name, "denied"],
      ["s3_delete_bucket", bucket, "denied"],
    ]);
    expect(await exists(name)).toBe(false);
  });

  test("bucket lists apply; the prefix ACL refuses bucket creation and removal", async () => {
    const listed = await open({ MCP_S3_EXT_READONLY: "false", MCP_S3_ALLOWED_BUCKETS: "other" });
    await rejects(() => createBucket(listed.ctx, { bucket: name }), "BucketDenied");
    const acl = await open(WRITABLE_ACL);
    await rejects(() => createBucket(acl.ctx, { bucket: name }), "PrefixDenied");
    expect(listed.requests() + acl.requests()).toBe(0);
  });

  test("writable: create, create again (exists), remove non-empty (not empty), remove", async () => {
    const h = await open({ MCP_S3_EXT_READONLY: "false" });
    expect(await createBucket(h.ctx, { bucket: name })).toEqual({ bucket: name });
    expect(await exists(name)).toBe(true);
    await putTestObject(SERVER, name, "x", "x");
    const notEmpty = await rejects(() => deleteBucket(h.ctx, { bucket: name }), "InvalidArgument");
    expect(notEmpty.message).toContain("not empty");
    expect(notEmpty.hint).toContain(`rm -r --all s3://${name}/`);
    await deleteObjects(h.ctx, { bucket: name, keys: ["x"] });
    expect(await deleteBucket(h.ctx, { bucket: name })).toEqual({ bucket: name });
    expect(await exists(name)).toBe(false);
    const missing = await rejects(() => deleteBucket(h.ctx, { bucket: name }), "NoSuchBucket");
    expect(missing.hint).toContain(`mcp-s3 mb s3://${name}`);
    expect(h.audit().map((l) => [l.tool, l.status, l.error])).toEqual([
      ["s3_create_bucket", "success", undefined],
      ["s3_delete_bucket", "error", "InvalidArgument"],
      ["s3_delete_object", "success", undefined],
      ["s3_delete_bucket", "success", undefined],
      ["s3_delete_bucket", "error", "NoSuchBucket"],
    ]);
  });
});
