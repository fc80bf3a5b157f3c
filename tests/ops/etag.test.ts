// One ETag format across put, copy, head, get and list: S3's quoted form, whatever the server sends
// (Ceph RGW answers CopyObject with the bare hex).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyObject, getObject, headObject, listObjects, putObject } from "../../src/ops/index.ts";
import { normalizeEtag } from "../../src/s3/etag.ts";
import { createTestBucket } from "../support/s3.ts";
import { type Harness, harness, text } from "./harness.ts";

describe("normalizeEtag", () => {
  test.each([
    ["abc123", '"abc123"'],
    ['"abc123"', '"abc123"'],
    ["abc-3", '"abc-3"'],
    ['"abc-3"', '"abc-3"'],
    ['W/"weak"', 'W/"weak"'],
    ["", null],
    [undefined, null],
    [null, null],
  ])("%p -> %p", (raw, want) => {
    expect(normalizeEtag(raw)).toBe(want);
  });
});

describe("against the test S3 server", () => {
  let h: Harness;
  let bucket: string;
  beforeAll(async () => {
    h = await harness({ MCP_S3_EXT_READONLY: "false" });
    bucket = await createTestBucket(h.s3, "etag");
  });
  afterAll(() => h?.close());

  test("put, copy, head, get and list give the same quoted ETag for the same bytes", async () => {
    const put = await putObject(h.ctx, { bucket, key: "a.txt", body: text("same bytes") });
    const copy = await copyObject(h.ctx, {
      source_bucket: bucket,
      source_key: "a.txt",
      dest_bucket: bucket,
      dest_key: "b.txt",
    });
    const head = await headObject(h.ctx, { bucket, key: "b.txt" });
    const got = await getObject(h.ctx, { bucket, key: "b.txt" }, () => {});
    const listed = await listObjects(h.ctx, { bucket });
    expect(put.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect([copy.etag, head.etag, got.etag, ...listed.objects.map((o) => o.etag)]).toEqual([
      put.etag,
      put.etag,
      put.etag,
      put.etag,
      put.etag,
    ]);
  });
});
