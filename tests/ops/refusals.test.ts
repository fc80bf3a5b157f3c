// Every policy refusal, through the operation layer against the real server: the refusal has the
// right code, sends no request to S3 (counted at the SDK, and proved by the bucket's state after,
// with a context whose endpoint is the real server so a leaked request would have had an effect),
// and writes exactly one audit line with status "denied".
import { beforeAll, describe, expect, test } from "bun:test";
import {
  copyObject,
  deleteObject,
  getObject,
  headObject,
  listObjects,
  presignUrl,
  putObject,
} from "../../src/ops/index.ts";
import type { OpsContext } from "../../src/ops/run.ts";
import { createTestBucket, getTestObject, listAllKeys, putTestObject } from "../support/s3.ts";
import { collector, type Harness, harness, rejects, type TestS3, text } from "./harness.ts";

let s3: TestS3;
let bucket: string;
let vault: string;
const ORIGINAL = "original content";

async function snapshot(): Promise<string> {
  const out: string[] = [];
  for (const b of [bucket, vault]) {
    for (const k of await listAllKeys(s3, b)) {
      out.push(`${b}/${k}=${new TextDecoder().decode((await getTestObject(s3, b, k)) ?? undefined)}`);
    }
  }
  return out.sort().join("\n");
}

beforeAll(async () => {
  const probe = await harness();
  s3 = probe.s3;
  probe.close();
  bucket = await createTestBucket(s3);
  vault = await createTestBucket(s3);
  for (const k of ["data/existing.txt", "secrets/s.txt", "logs/l.txt"])
    await putTestObject(s3, bucket, k, text(ORIGINAL));
  await putTestObject(s3, vault, "data/in-vault.txt", text(ORIGINAL));
});

type Op = (ctx: OpsContext) => Promise<unknown>;
const put =
  (key: string, b = () => bucket): Op =>
  (ctx) =>
    putObject(ctx, { bucket: b(), key, body: text("overwritten!") });
const del =
  (key: string, b = () => bucket): Op =>
  (ctx) =>
    deleteObject(ctx, { bucket: b(), key });
const copy =
  (src: string, dest: string, sb = () => bucket, db = () => bucket): Op =>
  (ctx) =>
    copyObject(ctx, { source_bucket: sb(), source_key: src, dest_bucket: db(), dest_key: dest });
const get =
  (key: string, b = () => bucket): Op =>
  (ctx) =>
    getObject(ctx, { bucket: b(), key }, () => {
      throw new Error("a refused read delivered bytes");
    });
const stat =
  (key: string, b = () => bucket): Op =>
  (ctx) =>
    headObject(ctx, { bucket: b(), key });
const presign =
  (key: string, method: "GET" | "PUT", b = () => bucket): Op =>
  (ctx) =>
    presignUrl(ctx, { bucket: b(), key, method });
const list =
  (prefix: string, b = () => bucket): Op =>
  (ctx) =>
    listObjects(ctx, { bucket: b(), prefix });

const WRITABLE = { MCP_S3_EXT_READONLY: "false" };
const ACL = {
  ...WRITABLE,
  MCP_S3_EXT_PREFIXACL: "true",
  MCP_S3_ALLOWED_PREFIXES: "data/,logs/",
  MCP_S3_DENIED_PREFIXES: "secrets/,logs/private/",
};
const vaultDenied = () => ({ ...WRITABLE, MCP_S3_DENIED_BUCKETS: vault });
const onlyBucket = () => ({ ...WRITABLE, MCP_S3_ALLOWED_BUCKETS: bucket });

// [name, policy variables, operation, expected code, expected audit tool]
type Row = [string, () => Record<string, string>, Op, string, string];
const rows: Row[] = [
  // read-only (the default)
  ["read-only: put", () => ({}), put("data/existing.txt"), "ReadOnlyMode", "s3_put_object"],
  ["read-only: put of a new key", () => ({}), put("data/new.txt"), "ReadOnlyMode", "s3_put_object"],
  ["read-only: delete", () => ({}), del("data/existing.txt"), "ReadOnlyMode", "s3_delete_object"],
  [
    "read-only: copy",
    () => ({}),
    copy("data/existing.txt", "data/copy.txt"),
    "ReadOnlyMode",
    "s3_copy_object",
  ],
  ["read-only: presign PUT", () => ({}), presign("data/upload.txt", "PUT"), "ReadOnlyMode", "s3_presign_url"],
  [
    "read-only (explicit true): put",
    () => ({ MCP_S3_EXT_READONLY: "TRUE" }),
    put("x"),
    "ReadOnlyMode",
    "s3_put_object",
  ],
  // prefix ACL
  ["prefix denied: get", () => ACL, get("secrets/s.txt"), "PrefixDenied", "s3_get_object"],
  ["prefix denied: stat", () => ACL, stat("secrets/s.txt"), "PrefixDenied", "s3_get_object_metadata"],
  [
    "prefix denied: presign GET",
    () => ACL,
    presign("secrets/s.txt", "GET"),
    "PrefixDenied",
    "s3_presign_url",
  ],
  [
    "prefix denied: presign PUT",
    () => ACL,
    presign("secrets/new.txt", "PUT"),
    "PrefixDenied",
    "s3_presign_url",
  ],
  ["prefix denied: put", () => ACL, put("secrets/s.txt"), "PrefixDenied", "s3_put_object"],
  ["prefix denied: delete", () => ACL, del("secrets/s.txt"), "PrefixDenied", "s3_delete_object"],
  [
    "prefix denied inside allowed: put",
    () => ACL,
    put("logs/private/p.txt"),
    "PrefixDenied",
    "s3_put_object",
  ],
  ["outside allowed: get", () => ACL, get("other/x.txt"), "PrefixDenied", "s3_get_object"],
  ["outside allowed: put", () => ACL, put("other/x.txt"), "PrefixDenied", "s3_put_object"],
  ["case differs (Data/): put", () => ACL, put("Data/existing.txt"), "PrefixDenied", "s3_put_object"],
  [
    "copy: denied source",
    () => ACL,
    copy("secrets/s.txt", "data/leak.txt"),
    "PrefixDenied",
    "s3_copy_object",
  ],
  [
    "copy: denied destination",
    () => ACL,
    copy("data/existing.txt", "secrets/planted.txt"),
    "PrefixDenied",
    "s3_copy_object",
  ],
  [
    "copy: destination outside allowed",
    () => ACL,
    copy("data/existing.txt", "elsewhere/x.txt"),
    "PrefixDenied",
    "s3_copy_object",
  ],
  ["list: inside a denied prefix", () => ACL, list("secrets/"), "PrefixDenied", "s3_list_objects"],
  ["list: outside allowed", () => ACL, list("other/"), "PrefixDenied", "s3_list_objects"],
  // bucket lists
  ["bucket denied: get", vaultDenied, get("data/in-vault.txt", () => vault), "BucketDenied", "s3_get_object"],
  ["bucket denied: put", vaultDenied, put("data/in-vault.txt", () => vault), "BucketDenied", "s3_put_object"],
  [
    "bucket denied: delete",
    vaultDenied,
    del("data/in-vault.txt", () => vault),
    "BucketDenied",
    "s3_delete_object",
  ],
  ["bucket denied: list", vaultDenied, list("", () => vault), "BucketDenied", "s3_list_objects"],
  [
    "bucket denied: presign GET",
    vaultDenied,
    presign("data/in-vault.txt", "GET", () => vault),
    "BucketDenied",
    "s3_presign_url",
  ],
  [
    "bucket denied: copy into it",
    vaultDenied,
    copy(
      "data/existing.txt",
      "data/planted.txt",
      () => bucket,
      () => vault,
    ),
    "BucketDenied",
    "s3_copy_object",
  ],
  [
    "bucket denied: copy out of it",
    vaultDenied,
    copy(
      "data/in-vault.txt",
      "data/leaked.txt",
      () => vault,
      () => bucket,
    ),
    "BucketDenied",
    "s3_copy_object",
  ],
  [
    "bucket not allowed: get",
    onlyBucket,
    get("data/in-vault.txt", () => vault),
    "BucketDenied",
    "s3_get_object",
  ],
  ["bucket not allowed: put", onlyBucket, put("new.txt", () => vault), "BucketDenied", "s3_put_object"],
  // dot segments and a leading "/" while a prefix ACL or a bucket list is on (issue 12, defect 2)
  [
    "dots: get climbing out of data/",
    () => ACL,
    get("data/../secrets/s.txt"),
    "InvalidArgument",
    "s3_get_object",
  ],
  [
    "dots: stat with a '.' segment",
    () => ACL,
    stat("data/./existing.txt"),
    "InvalidArgument",
    "s3_get_object_metadata",
  ],
  [
    "dots: presign GET",
    () => ACL,
    presign("data/../secrets/s.txt", "GET"),
    "InvalidArgument",
    "s3_presign_url",
  ],
  ["dots: put with a leading '/'", () => ACL, put("/data/existing.txt"), "InvalidArgument", "s3_put_object"],
  ["dots: delete ending in '..'", () => ACL, del("data/.."), "InvalidArgument", "s3_delete_object"],
  [
    "dots: copy source climbing out of data/",
    () => ACL,
    copy("data/../secrets/s.txt", "data/leak.txt"),
    "InvalidArgument",
    "s3_copy_object",
  ],
  [
    "dots: copy destination climbing out of data/",
    () => ACL,
    copy("data/existing.txt", "data/../secrets/planted.txt"),
    "InvalidArgument",
    "s3_copy_object",
  ],
  ["dots: list prefix", () => ACL, list("data/../"), "InvalidArgument", "s3_list_objects"],
  [
    "dots: bucket list alone, get",
    onlyBucket,
    get("../x/data/existing.txt"),
    "InvalidArgument",
    "s3_get_object",
  ],
  [
    "dots: bucket list alone, copy source",
    vaultDenied,
    copy("./data/existing.txt", "data/copy.txt"),
    "InvalidArgument",
    "s3_copy_object",
  ],
  // size (known in advance)
  [
    "size: put body over max_put_size",
    () => ({ ...WRITABLE, MCP_S3_MAX_PUT_SIZE: "8B" }),
    put("data/existing.txt"),
    "EntityTooLarge",
    "s3_put_object",
  ],
];

describe("refusals send nothing to S3 and are audited as denied", () => {
  test.each(rows)("%s", async (_name, vars, op, code, tool) => {
    const h: Harness = await harness(vars());
    try {
      const before = await snapshot();
      h.mark();
      const err = await rejects(() => op(h.ctx), code);
      expect(err.hint).not.toBe("");
      // Not a single HTTP request left the SDK.
      expect(h.requests()).toBe(0);
      // And nothing changed in S3.
      expect(await snapshot()).toBe(before);
      const lines = h.auditSinceMark();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        tool,
        status: "denied",
        error: code,
        connection: "default",
        source: "cli",
      });
      expect(lines[0]?.bytes).toBeUndefined();
    } finally {
      h.close();
    }
  });

  test("the same operations succeed (with an effect) when the policy allows them", async () => {
    // Guards the refusal rows: if the endpoint were wrong, "nothing changed" would prove nothing.
    const h = await harness(WRITABLE);
    try {
      await put("data/allowed-write.txt")(h.ctx);
      expect(await getTestObject(s3, bucket, "data/allowed-write.txt")).not.toBeNull();
      await copy("data/existing.txt", "data/allowed-copy.txt")(h.ctx);
      expect(await getTestObject(s3, bucket, "data/allowed-copy.txt")).not.toBeNull();
      await del("data/allowed-copy.txt")(h.ctx);
      await del("data/allowed-write.txt")(h.ctx);
      expect(await getTestObject(s3, bucket, "data/allowed-copy.txt")).toBeNull();
      expect(h.requests()).toBeGreaterThan(0);
    } finally {
      h.close();
    }
  });

  test("size: a get over max_get_size sends only the HEAD, never the GET", async () => {
    const h = await harness({ MCP_S3_MAX_GET_SIZE: "4B" });
    try {
      h.mark();
      const c = collector();
      await rejects(() => getObject(h.ctx, { bucket, key: "data/existing.txt" }, c.sink), "EntityTooLarge");
      expect(c.chunks).toBe(0);
      expect(h.requests()).toBe(1);
      expect(h.auditSinceMark()).toEqual([
        expect.objectContaining({ status: "denied", error: "EntityTooLarge" }),
      ]);
    } finally {
      h.close();
    }
  });

  test("with no prefix ACL and no bucket list, a '..' key is just a key (S3 compares exact bytes)", async () => {
    const h = await harness(WRITABLE);
    try {
      await put("data/../dots.txt")(h.ctx);
      expect(await listAllKeys(s3, bucket, "data/../")).toEqual(["data/../dots.txt"]);
      expect(await getTestObject(s3, bucket, "dots.txt")).toBeNull();
      await del("data/../dots.txt")(h.ctx);
    } finally {
      h.close();
    }
  });

  test("refusal messages name the rule and never a secret", async () => {
    const h = await harness(ACL);
    try {
      const err = await rejects(() => put("secrets/x")(h.ctx), "PrefixDenied");
      expect(err.message).toContain("denied prefix");
      const all = JSON.stringify({ m: err.message, h: err.hint, j: err.toJSON() });
      expect(all).not.toContain(h.config.connections.default?.secret_access_key ?? "no-secret");
    } finally {
      h.close();
    }
  });
});
