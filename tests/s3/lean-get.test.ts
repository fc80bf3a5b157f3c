// GetObject without the SDK's middleware (src/s3/lean-get.ts) against the real test S3 server: a
// plain success comes back with its body, byte for byte, for keys the path must encode; anything
// else (a missing key, a failed If-Match, a client that validates response checksums, a server
// that is not there) is left to the SDK (undefined), and only the caller's abort is thrown.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { keyPath, leanGetObject } from "../../src/s3/lean-get.ts";
import { type Harness, harness } from "../ops/harness.ts";
import { needs } from "../support/capabilities.ts";
import { adminClient, createTestBucket } from "../support/s3.ts";

describe("keyPath: each segment encoded as the SDK encodes a greedy label", () => {
  test.each([
    ["a/b.txt", "a/b.txt"],
    ["with space/x y", "with%20space/x%20y"],
    ["plus+sign", "plus%2Bsign"],
    ["percent%41", "percent%2541"],
    ["sub-delims!'()*", "sub-delims%21%27%28%29%2A"],
    ["unreserved-_.~", "unreserved-_.~"],
    ["ümlaut/日本", "%C3%BCmlaut/%E6%97%A5%E6%9C%AC"],
    ["//double//", "//double//"],
    ["/leading", "/leading"],
    ["dots/./a/../b", "dots/./a/../b"],
    ["query?and#hash&=", "query%3Fand%23hash%26%3D"],
    ["", ""],
  ])("%p -> %p", (key, path) => {
    expect(keyPath(key)).toBe(path);
  });
});

describe("leanGetObject against the test S3 server", () => {
  let h: Harness;
  let bucket: string;
  let client: S3Client;
  const keys = ["plain.txt", "with space/ümlaut.txt"];
  // Keys only a server that stores them literally keeps apart (not the s3rver emulator).
  const literalKeys = ["plus+sign%41.txt", "sub-delims!'()*.txt", "a//b.txt"];
  const content = (key: string) => new TextEncoder().encode(`content of ${key}\n`.repeat(20));

  beforeAll(async () => {
    h = await harness({ MCP_S3_EXT_READONLY: "false" });
    bucket = await createTestBucket(h.s3, "lean");
    client = h.ctx.clients.client("default");
    const admin = adminClient(h.s3);
    for (const key of keys)
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content(key) }));
  });
  afterAll(() => h?.close());

  const bytesOf = async (body: unknown) =>
    new Uint8Array(await new Response(body as ReadableStream).arrayBuffer());

  const wholeObject = async (key: string) => {
    const out = await leanGetObject(client, { Bucket: bucket, Key: key });
    expect(out).toBeDefined();
    expect(out?.ContentLength).toBe(content(key).byteLength);
    expect(await bytesOf(out?.Body)).toEqual(content(key));
  };

  test.each(keys)("%p: the whole object, byte for byte, with its length", wholeObject);

  needs("literalKeys").test.each(literalKeys)("%p: the whole object, byte for byte", async (key) => {
    await adminClient(h.s3).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content(key) }));
    await wholeObject(key);
  });

  test("a range (206) and a matching If-Match", async () => {
    const head = await adminClient(h.s3).send(
      new PutObjectCommand({ Bucket: bucket, Key: "r.txt", Body: "0123456789" }),
    );
    const out = await leanGetObject(client, {
      Bucket: bucket,
      Key: "r.txt",
      Range: "bytes=2-5",
      IfMatch: head.ETag,
    });
    expect(out?.ContentLength).toBe(4);
    expect(new TextDecoder().decode(await bytesOf(out?.Body))).toBe("2345");
  });

  test("no such key: left to the SDK", async () => {
    expect(await leanGetObject(client, { Bucket: bucket, Key: "missing.txt" })).toBeUndefined();
  });

  needs("conditionalReads").test("an If-Match that fails: left to the SDK", async () => {
    expect(
      await leanGetObject(client, {
        Bucket: bucket,
        Key: "plain.txt",
        IfMatch: '"00000000000000000000000000000000"',
      }),
    ).toBeUndefined();
  });

  const clientWith = (validation: "WHEN_REQUIRED" | "WHEN_SUPPORTED", user = h.s3.users[0]) =>
    new S3Client({
      region: h.s3.region,
      endpoint: h.s3.endpoint,
      forcePathStyle: true,
      credentials: user ?? { accessKeyId: "", secretAccessKey: "" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: validation,
    });

  test("a client that validates response checksums keeps the SDK's path; one that does not takes this one", async () => {
    const validating = clientWith("WHEN_SUPPORTED");
    const plain = clientWith("WHEN_REQUIRED");
    try {
      expect(await leanGetObject(validating, { Bucket: bucket, Key: "plain.txt" })).toBeUndefined();
      const out = await leanGetObject(plain, { Bucket: bucket, Key: "plain.txt" });
      expect(await bytesOf(out?.Body)).toEqual(content("plain.txt"));
    } finally {
      validating.destroy();
      plain.destroy();
    }
  });

  needs("signatures").test(
    "wrong credentials (403) are left to the SDK, whose error names them",
    async () => {
      const wrong = clientWith("WHEN_REQUIRED", { accessKeyId: "AKIDWRONG", secretAccessKey: "wrong" });
      try {
        expect(await leanGetObject(wrong, { Bucket: bucket, Key: "plain.txt" })).toBeUndefined();
      } finally {
        wrong.destroy();
      }
    },
  );

  test("the caller's abort is thrown, not left to the SDK", async () => {
    const ac = new AbortController();
    ac.abort();
    let thrown: unknown;
    try {
      await leanGetObject(client, { Bucket: bucket, Key: "plain.txt" }, ac.signal);
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error | undefined)?.name).toBe("AbortError");
  });
});
