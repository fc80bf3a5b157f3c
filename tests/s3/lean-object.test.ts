// GetObject and HeadObject without the SDK's middleware (src/s3/lean-object.ts) against the real
// test S3 server: a plain success is answered without the SDK, byte for byte and with the same
// fields the SDK reads from the same object, for keys the path must encode; anything else (a missing
// key, a failed If-Match, wrong credentials) is the SDK's second attempt and the SDK's error; a
// client that validates response checksums keeps the SDK's path; the caller's abort is thrown.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterFirstAttempt } from "../../src/s3/clients.ts";
import { keyPath, sendGetObject, sendHeadObject } from "../../src/s3/lean-object.ts";
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

/** Counts the requests a client sends through the SDK's middleware (not the ones sent around it). */
function countSdkSends(...clients: S3Client[]): () => number {
  let n = 0;
  for (const c of new Set(clients)) {
    c.middlewareStack.add(
      (next) => async (args) => {
        n++;
        return next(args);
      },
      { step: "finalizeRequest", name: "countSdkSends", priority: "low" },
    );
  }
  return () => n;
}

describe("sendGetObject and sendHeadObject against the test S3 server", () => {
  let h: Harness;
  let bucket: string;
  let client: S3Client;
  let sdkSends: () => number;
  const keys = ["plain.txt", "with space/ümlaut.txt"];
  // Keys only a server that stores them literally keeps apart (not the s3rver emulator).
  const literalKeys = ["plus+sign%41.txt", "sub-delims!'()*.txt", "a//b.txt"];
  const content = (key: string) => new TextEncoder().encode(`content of ${key}\n`.repeat(20));
  const bytesOf = async (body: unknown) =>
    new Uint8Array(await new Response(body as ReadableStream).arrayBuffer());
  const failure = async (
    p: Promise<unknown>,
  ): Promise<Error & { $metadata?: { httpStatusCode?: number } }> => {
    try {
      await p;
    } catch (e) {
      return e as Error;
    }
    throw new Error("expected a failure");
  };

  beforeAll(async () => {
    h = await harness({ MCP_S3_EXT_READONLY: "false" });
    bucket = await createTestBucket(h.s3, "lean");
    client = h.ctx.clients.client("default");
    sdkSends = countSdkSends(client, afterFirstAttempt(client));
    const admin = adminClient(h.s3);
    for (const key of keys)
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content(key) }));
  });
  afterAll(() => h?.close());

  const wholeObject = async (key: string) => {
    const before = sdkSends();
    const out = await sendGetObject(client, { Bucket: bucket, Key: key });
    expect(out.ContentLength).toBe(content(key).byteLength);
    expect(await bytesOf(out.Body)).toEqual(content(key));
    expect(sdkSends() - before).toBe(0);
  };

  test.each(keys)("%p: the whole object, byte for byte, without the SDK", wholeObject);

  needs("literalKeys").test.each(literalKeys)("%p: the whole object, byte for byte", async (key) => {
    await adminClient(h.s3).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content(key) }));
    await wholeObject(key);
  });

  test("HEAD and GET: the fields the SDK reads from the same object, user metadata included", async () => {
    const key = "meta/described.json";
    const put = await adminClient(h.s3).send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: '{"a":1}',
        ContentType: "application/json",
        Metadata: { owner: "team-a", "Mixed-Case": "Value With Spaces" },
      }),
    );
    const fields = (o: object) => {
      const r = o as Record<string, unknown>;
      return {
        ContentLength: r.ContentLength,
        ContentType: r.ContentType,
        ETag: r.ETag,
        LastModified: (r.LastModified as Date | undefined)?.toISOString(),
        Metadata: r.Metadata,
      };
    };
    const before = sdkSends();
    const leanHead = await sendHeadObject(client, { Bucket: bucket, Key: key });
    const leanGet = await sendGetObject(client, {
      Bucket: bucket,
      Key: key,
      Range: "bytes=1-3",
      IfMatch: put.ETag,
    });
    const leanBody = new TextDecoder().decode(await bytesOf(leanGet.Body));
    expect(sdkSends() - before).toBe(0);

    const sdkHead = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(fields(leanHead)).toEqual(fields(sdkHead));
    expect(leanHead.Metadata).toEqual({ owner: "team-a", "mixed-case": "Value With Spaces" });
    const sdkGet = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=1-3" }));
    expect(fields(leanGet)).toEqual(fields(sdkGet));
    expect(leanGet.ContentRange).toBe(sdkGet.ContentRange as string);
    expect(leanBody).toBe((await sdkGet.Body?.transformToString()) as string);
    expect(leanBody).toBe('"a"');
  });

  test("no such key: the SDK's second attempt, and the SDK's error", async () => {
    const before = sdkSends();
    expect((await failure(sendGetObject(client, { Bucket: bucket, Key: "missing.txt" }))).name).toBe(
      "NoSuchKey",
    );
    expect((await failure(sendHeadObject(client, { Bucket: bucket, Key: "missing.txt" }))).name).toBe(
      "NotFound",
    );
    expect(sdkSends() - before).toBe(2);
  });

  needs("conditionalReads").test("an If-Match that fails: the SDK's 412", async () => {
    const e = await failure(
      sendGetObject(client, {
        Bucket: bucket,
        Key: "plain.txt",
        IfMatch: '"00000000000000000000000000000000"',
      }),
    );
    expect(e.$metadata?.httpStatusCode).toBe(412);
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

  test("a client that validates response checksums goes through the SDK; one that does not, around it", async () => {
    const validating = clientWith("WHEN_SUPPORTED");
    const plain = clientWith("WHEN_REQUIRED");
    const viaSdk = countSdkSends(validating, plain);
    try {
      const a = await sendGetObject(validating, { Bucket: bucket, Key: "plain.txt" });
      expect(await bytesOf(a.Body)).toEqual(content("plain.txt"));
      expect(viaSdk()).toBe(1);
      const b = await sendGetObject(plain, { Bucket: bucket, Key: "plain.txt" });
      expect(await bytesOf(b.Body)).toEqual(content("plain.txt"));
      expect(viaSdk()).toBe(1);
    } finally {
      validating.destroy();
      plain.destroy();
    }
  });

  needs("signatures").test("wrong credentials: the SDK's error names them", async () => {
    const wrong = clientWith("WHEN_REQUIRED", { accessKeyId: "AKIDWRONG", secretAccessKey: "wrong" });
    try {
      const e = await failure(sendGetObject(wrong, { Bucket: bucket, Key: "plain.txt" }));
      expect(e.$metadata?.httpStatusCode).toBe(403);
    } finally {
      wrong.destroy();
    }
  });

  test("the caller's abort is thrown, and nothing goes through the SDK", async () => {
    const ac = new AbortController();
    ac.abort();
    const before = sdkSends();
    expect((await failure(sendGetObject(client, { Bucket: bucket, Key: "plain.txt" }, ac.signal))).name).toBe(
      "AbortError",
    );
    expect(sdkSends() - before).toBe(0);
  });
});
