// completion/complete for the resource template (SPEC §5.1) with the SDK's real Client against the
// test S3 server: connection, bucket and key, showing only what the policy lets a listing show.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RESOURCE_TEMPLATE } from "../../src/mcp/instructions.ts";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, getTestS3, putTestObject, type TestS3 } from "../support/s3.ts";
import { type InProcess, inProcess } from "./inprocess.ts";

let s3: TestS3;
let bucket: string;
let hidden: string;
beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "complete");
  hidden = await createTestBucket(s3, "complete-hidden");
  for (const key of [
    "data/a.csv",
    "data/b.csv",
    "data/sub/c.csv",
    "data/secret/x.csv",
    "secrets/key.pem",
    "readme.txt",
    "data/with space.txt",
  ]) {
    await putTestObject(s3, bucket, key, "x");
  }
});

async function complete(
  c: InProcess,
  name: string,
  value: string,
  args: Record<string, string> = {},
): Promise<{ values: string[]; total?: number | undefined; hasMore?: boolean | undefined }> {
  const r = await c.client.complete({
    ref: { type: "ref/resource", uri: RESOURCE_TEMPLATE },
    argument: { name, value },
    context: { arguments: args },
  });
  return r.completion;
}

describe("under a prefix ACL and a bucket list", () => {
  let c: InProcess;
  beforeAll(async () => {
    c = await inProcess({
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_ALLOWED_PREFIXES: "data/",
      MCP_S3_DENIED_PREFIXES: "data/secret/",
      MCP_S3_DENIED_BUCKETS: hidden,
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ archive: {}, analytics: {} }),
    });
  });
  afterAll(() => c.close());

  test("the server declares the completions capability", () => {
    expect(c.client.getServerCapabilities()?.completions).toBeDefined();
  });

  test("connection: configured names starting with what is typed", async () => {
    expect((await complete(c, "connection", "a")).values.sort()).toEqual(["analytics", "archive"]);
    expect((await complete(c, "connection", "def")).values).toEqual(["default"]);
    expect((await complete(c, "connection", "zzz")).values).toEqual([]);
  });

  test("bucket: a denied bucket is never offered", async () => {
    const all = (await complete(c, "bucket", "complete", { connection: "default" })).values;
    expect(all).toContain(bucket);
    expect(all).not.toContain(hidden);
    expect((await complete(c, "bucket", bucket.slice(0, -2), { connection: "default" })).values).toEqual([
      bucket,
    ]);
  });

  test("key at the root: only the allowed folder, nothing outside it", async () => {
    const r = await complete(c, "key", "", { connection: "default", bucket });
    expect(r.values).toEqual(["data/"]);
  });

  test("key inside the allowed folder: its objects and sub-folders, never the denied one", async () => {
    const r = await complete(c, "key", "data/", { connection: "default", bucket });
    expect(r.values).toEqual(["data/a.csv", "data/b.csv", "data/sub/", "data/with%20space.txt"]);
  });

  test("what is typed narrows the listing", async () => {
    expect((await complete(c, "key", "data/b", { connection: "default", bucket })).values).toEqual([
      "data/b.csv",
    ]);
  });

  test("a percent-encoded value is decoded as a resource read decodes it", async () => {
    expect((await complete(c, "key", "data/with%20", { connection: "default", bucket })).values).toEqual([
      "data/with%20space.txt",
    ]);
  });

  test("typing into a denied or outside area completes to nothing", async () => {
    for (const typed of ["data/secret/", "data/secret/x", "secrets/", "readme"]) {
      expect((await complete(c, "key", typed, { connection: "default", bucket })).values).toEqual([]);
    }
  });

  test("a denied bucket, an unknown connection, no bucket or malformed encoding: nothing", async () => {
    expect((await complete(c, "key", "", { connection: "default", bucket: hidden })).values).toEqual([]);
    expect((await complete(c, "key", "", { connection: "nope", bucket })).values).toEqual([]);
    expect((await complete(c, "bucket", "", { connection: "nope" })).values).toEqual([]);
    expect((await complete(c, "key", "", { connection: "default" })).values).toEqual([]);
    expect((await complete(c, "key", "%E0%A4%A", { connection: "default", bucket })).values).toEqual([]);
  });

  test("completions are audited like the listings they are", async () => {
    await complete(c, "key", "data/", { connection: "default", bucket });
    expect(c.audit().at(-1)).toMatchObject({
      tool: "completion/complete",
      bucket,
      prefix: "data/",
      status: "success",
    });
  });
});

needs("byteOrder").test("at most 100 values, and the answer says there are more", async () => {
  const many = await createTestBucket(s3, "complete-many");
  await Promise.all(
    Array.from({ length: 105 }, (_, i) => putTestObject(s3, many, `k${String(i).padStart(3, "0")}`, "x")),
  );
  const c = await inProcess();
  try {
    const r = await complete(c, "key", "", { connection: "default", bucket: many });
    expect(r.values).toHaveLength(100);
    expect(r.values[0]).toBe("k000");
    expect(r.hasMore).toBe(true);
  } finally {
    await c.close();
  }
});
