// The operations over the request handler the runtime gets (src/s3/clients.ts: Bun's fetch, else
// node:http), against the real test S3 server: keys whose path fetch would rewrite ("." and ".."
// segments) still reach S3 literally, downloads to files included, and an object stored
// gzip-encoded comes back as stored.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { downloadToFile } from "../../src/ops/download.ts";
import { deleteObject, getObject, headObject, listObjects, putObject } from "../../src/ops/index.ts";
import { plainFetch } from "../../src/runtime/index.ts";
import { FetchHandler } from "../../src/s3/fetch-handler.ts";
import { NodeTimeoutHandler } from "../../src/s3/node-handler.ts";
import { needs } from "../support/capabilities.ts";
import { adminClient, createTestBucket, listAllKeys } from "../support/s3.ts";
import { collector, type Harness, harness, tempDir, text } from "./harness.ts";

let h: Harness;
let bucket: string;
beforeAll(async () => {
  h = await harness({ MCP_S3_EXT_READONLY: "false" });
  bucket = await createTestBucket(h.s3, "transport");
});
afterAll(() => h?.close());

test("the client uses the runtime's native fetch where there is one, else node:http", () => {
  const handler = h.ctx.clients.client("default").config.requestHandler;
  expect(handler).toBeInstanceOf(plainFetch() === undefined ? NodeTimeoutHandler : FetchHandler);
});

needs("literalKeys").describe("keys with '.' and '..' segments reach S3 literally", () => {
  const keys = ["dots/./a.txt", "dots/../b.txt", "dots/x/..", "dots/%2e%2e/c.txt", "dots/.%2E/d.txt"];
  test.each(keys)("%p: put, head, get, list and delete address that very key", async (key) => {
    const body = text(`content of ${key}`);
    await putObject(h.ctx, { bucket, key, body });
    expect((await headObject(h.ctx, { bucket, key })).size).toBe(body.byteLength);
    const c = collector();
    await getObject(h.ctx, { bucket, key }, c.sink);
    expect(new TextDecoder().decode(c.bytes())).toBe(`content of ${key}`);
    // A download to a file (its GET outside the SDK's middleware, src/s3/lean-object.ts) too.
    const path = join(tempDir(), "downloaded");
    await downloadToFile(h.ctx, { bucket, key, path });
    expect(readFileSync(path, "utf8")).toBe(`content of ${key}`);
    expect(await listAllKeys(h.s3, bucket, "dots/")).toContain(key);
    const listed = await listObjects(h.ctx, { bucket, prefix: "dots/" });
    expect(listed.objects.map((o) => o.key)).toContain(key);
    await deleteObject(h.ctx, { bucket, key });
    expect(await listAllKeys(h.s3, bucket, "dots/")).not.toContain(key);
  });
});

describe("an object stored gzip-encoded", () => {
  const plain = text("a line of text that compresses well\n".repeat(2000));
  const gzipped = new Uint8Array(gzipSync(plain));
  beforeAll(async () => {
    await adminClient(h.s3).send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "enc/file.txt.gz",
        Body: gzipped,
        ContentEncoding: "gzip",
      }),
    );
  });

  test("get returns the stored bytes, not decompressed", async () => {
    const c = collector();
    const got = await getObject(h.ctx, { bucket, key: "enc/file.txt.gz" }, c.sink);
    expect(got.bytes).toBe(gzipped.byteLength);
    expect(c.bytes()).toEqual(gzipped);
  });

  test("a download to a file holds the stored bytes", async () => {
    const path = join(tempDir(), "file.txt.gz");
    const res = await downloadToFile(h.ctx, { bucket, key: "enc/file.txt.gz", path });
    expect(res.bytes).toBe(gzipped.byteLength);
    expect(new Uint8Array(readFileSync(path))).toEqual(gzipped);
  });
});
