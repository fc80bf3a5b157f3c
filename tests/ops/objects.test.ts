// Object operations against the real test S3 server, through the operation layer (gate + audit):
// put/get round trips, ranges, the get limit, multipart and streamed uploads, copy, delete.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyObject, deleteObject, getObject, headObject, putObject } from "../../src/ops/index.ts";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, getTestObject, listMultipartUploads, putTestObject } from "../support/s3.ts";
import { chunked, collector, type Harness, harness, pattern, rejects, text } from "./harness.ts";

const KiB = 1024;
const MiB = 1024 * 1024;

let h: Harness;
let bucket: string;
beforeAll(async () => {
  h = await harness({ MCP_S3_EXT_READONLY: "false" });
  bucket = await createTestBucket(h.s3);
});
afterAll(() => h?.close());

describe("put and get", () => {
  test("text round trip with content type and metadata; one audit line each", async () => {
    h.mark();
    const put = await putObject(h.ctx, {
      bucket,
      key: "notes/hello.txt",
      body: text("hello, world"),
      content_type: "text/plain; charset=utf-8",
      metadata: { Author: "tester", "x-tag": "v1" },
    });
    expect(put).toMatchObject({ bucket, key: "notes/hello.txt", size: 12 });
    expect(put.etag).toMatch(/^"?[0-9a-f]{32}"?$/);

    const c = collector();
    const got = await getObject(h.ctx, { bucket, key: "notes/hello.txt" }, c.sink);
    expect(new TextDecoder().decode(c.bytes())).toBe("hello, world");
    expect(got).toMatchObject({
      bucket,
      key: "notes/hello.txt",
      content_type: "text/plain; charset=utf-8",
      size: 12,
      offset: 0,
      bytes: 12,
      truncated: false,
      metadata: { author: "tester", "x-tag": "v1" },
    });
    expect(got.etag).toBe(put.etag);
    expect(got.last_modified).toMatch(/^\d{4}-\d\d-\d\dT/);

    const lines = h.auditSinceMark();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      tool: "s3_put_object",
      bucket,
      key: "notes/hello.txt",
      connection: "default",
      status: "success",
      source: "cli",
      bytes: 12,
    });
    expect(lines[1]).toMatchObject({ tool: "s3_get_object", status: "success", bytes: 12 });
    expect(lines[1]?.error).toBeUndefined();
  });

  test("binary body: every byte value survives", async () => {
    const body = new Uint8Array(256 * 1024 + 17);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 8)) & 0xff;
    await putObject(h.ctx, { bucket, key: "bin/all-bytes.bin", body });
    const c = collector();
    const got = await getObject(h.ctx, { bucket, key: "bin/all-bytes.bin" }, c.sink);
    expect(got.bytes).toBe(body.length);
    expect(Buffer.compare(c.bytes(), body)).toBe(0);
    // And what S3 holds is the same bytes (read by another client).
    expect(
      Buffer.compare(Buffer.from((await getTestObject(h.s3, bucket, "bin/all-bytes.bin")) ?? []), body),
    ).toBe(0);
  });

  test("empty body", async () => {
    const put = await putObject(h.ctx, { bucket, key: "empty/zero", body: new Uint8Array(0) });
    expect(put.size).toBe(0);
    const c = collector();
    const got = await getObject(h.ctx, { bucket, key: "empty/zero" }, c.sink);
    expect(got).toMatchObject({ size: 0, bytes: 0, truncated: false });
    expect(c.bytes().length).toBe(0);
    expect((await getTestObject(h.s3, bucket, "empty/zero"))?.length).toBe(0);
  });

  test("head (metadata)", async () => {
    await putTestObject(h.s3, bucket, "meta/x.json", text('{"a":1}'));
    h.mark();
    const m = await headObject(h.ctx, { bucket, key: "meta/x.json" });
    expect(m).toMatchObject({ bucket, key: "meta/x.json", size: 7, content_length: 7 });
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ tool: "s3_get_object_metadata", status: "success", key: "meta/x.json" }),
    ]);
  });
});

describe("ranged get", () => {
  const body = text("0123456789abcdefghij");
  beforeAll(async () => {
    await putTestObject(h.s3, bucket, "range/r.txt", body);
  });
  const cases: [string, { offset?: number; length?: number }, string, boolean][] = [
    ["offset and length", { offset: 5, length: 4 }, "5678", true],
    ["offset only (to the end)", { offset: 15 }, "fghij", true],
    ["length only (from the start)", { length: 3 }, "012", true],
    ["a range past the end is cut at the end", { offset: 18, length: 100 }, "ij", true],
    ["the whole object as a range", { offset: 0, length: 20 }, "0123456789abcdefghij", false],
    ["last byte", { offset: 19, length: 1 }, "j", true],
  ];
  test.each(cases)("%s", async (_name, range, expected, truncated) => {
    const c = collector();
    const got = await getObject(h.ctx, { bucket, key: "range/r.txt", ...range }, c.sink);
    expect(new TextDecoder().decode(c.bytes())).toBe(expected);
    expect(got).toMatchObject({ size: 20, offset: range.offset ?? 0, bytes: expected.length, truncated });
  });

  test("length 0 returns nothing, and says the object has more", async () => {
    const c = collector();
    const got = await getObject(h.ctx, { bucket, key: "range/r.txt", offset: 3, length: 0 }, c.sink);
    expect(c.bytes().length).toBe(0);
    expect(got).toMatchObject({ size: 20, bytes: 0, truncated: true });
  });

  test.each([
    [{ offset: 20 }],
    [{ offset: 500, length: 1 }],
    [{ offset: -1 }],
    [{ offset: 1.5 }],
    [{ length: -2 }],
  ])("invalid range %p: InvalidArgument, nothing delivered", async (range) => {
    const c = collector();
    await rejects(
      () => getObject(h.ctx, { bucket, key: "range/r.txt", ...range }, c.sink),
      "InvalidArgument",
    );
    expect(c.chunks).toBe(0);
  });
});

describe("get limit", () => {
  let small: Harness;
  beforeAll(async () => {
    small = await harness({ MCP_S3_MAX_GET_SIZE: "1KiB" });
    await putTestObject(h.s3, bucket, "limit/big.bin", pattern(4 * KiB));
    await putTestObject(h.s3, bucket, "limit/exact.bin", pattern(KiB));
  });
  afterAll(() => small?.close());

  test("an object larger than max_get_size is refused with zero bytes delivered", async () => {
    small.mark();
    const before = small.requests();
    const c = collector();
    const err = await rejects(
      () => getObject(small.ctx, { bucket, key: "limit/big.bin" }, c.sink),
      "EntityTooLarge",
    );
    expect(c.chunks).toBe(0);
    expect(err.message).toContain("get limit");
    // Only the HEAD that learnt the size: the body was never requested.
    expect(small.requests() - before).toBe(1);
    expect(small.auditSinceMark()).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        status: "denied",
        error: "EntityTooLarge",
        key: "limit/big.bin",
      }),
    ]);
    expect(small.auditSinceMark()[0]?.bytes).toBeUndefined();
  });

  test("an object exactly at the limit is returned", async () => {
    const c = collector();
    const got = await getObject(small.ctx, { bucket, key: "limit/exact.bin" }, c.sink);
    expect(got.bytes).toBe(KiB);
    expect(Buffer.compare(c.bytes(), pattern(KiB))).toBe(0);
  });

  test("a range within the limit of a larger object is allowed", async () => {
    const c = collector();
    const got = await getObject(
      small.ctx,
      { bucket, key: "limit/big.bin", offset: 2 * KiB, length: KiB },
      c.sink,
    );
    expect(got).toMatchObject({ bytes: KiB, size: 4 * KiB, truncated: true });
    expect(Buffer.compare(c.bytes(), pattern(4 * KiB).subarray(2 * KiB, 3 * KiB))).toBe(0);
  });

  test("a range over the limit is refused", async () => {
    const c = collector();
    await rejects(
      () => getObject(small.ctx, { bucket, key: "limit/big.bin", offset: 0, length: KiB + 1 }, c.sink),
      "EntityTooLarge",
    );
    expect(c.chunks).toBe(0);
  });

  test("an object that grows between the HEAD and the GET is cut off, never delivered whole", async () => {
    await putTestObject(h.s3, bucket, "limit/grows.bin", pattern(100));
    const grow = await harness({ MCP_S3_MAX_GET_SIZE: "1KiB" });
    try {
      // Just before the GET leaves, another writer replaces the object with a larger one.
      // (At the request handler: the GET may be sent around the SDK's middleware, src/s3/lean-object.ts.)
      const ranges: unknown[] = [];
      const handler = grow.ctx.clients.client("default").config.requestHandler as {
        handle: (
          request: { method: string; headers: Record<string, string> },
          ...rest: unknown[]
        ) => Promise<unknown>;
      };
      const handle = handler.handle.bind(handler);
      handler.handle = async (request, ...rest) => {
        if (request.method === "GET") {
          ranges.push(request.headers.range);
          await putTestObject(h.s3, bucket, "limit/grows.bin", pattern(8 * KiB));
        }
        return handle(request, ...rest);
      };
      grow.mark();
      const c = collector();
      await rejects(() => getObject(grow.ctx, { bucket, key: "limit/grows.bin" }, c.sink), "EntityTooLarge");
      expect(c.chunks).toBe(0);
      // The GET asked for at most limit + 1 bytes, so S3 could never send the grown object whole.
      expect(ranges).toEqual(["bytes=0-1024"]);
      expect(grow.auditSinceMark()).toEqual([
        expect.objectContaining({ status: "denied", error: "EntityTooLarge" }),
      ]);
    } finally {
      grow.close();
    }
  });

  test("size_limits off: the whole object", async () => {
    const off = await harness({ MCP_S3_MAX_GET_SIZE: "1KiB", MCP_S3_EXT_SIZELIMIT: "false" });
    try {
      const c = collector();
      const got = await getObject(off.ctx, { bucket, key: "limit/big.bin" }, c.sink);
      expect(got.bytes).toBe(4 * KiB);
    } finally {
      off.close();
    }
  });
});

describe("multipart and streamed uploads", () => {
  needs("multipartAdmin").test("a 24 MiB body streamed as chunks of unknown total size", async () => {
    const body = pattern(24 * MiB, 42);
    h.mark();
    const put = await putObject(h.ctx, { bucket, key: "big/streamed.bin", body: chunked(body, 1 * MiB) });
    expect(put.size).toBe(24 * MiB);
    const stored = await getTestObject(h.s3, bucket, "big/streamed.bin");
    expect(stored?.length).toBe(24 * MiB);
    expect(Buffer.compare(Buffer.from(stored ?? []), body)).toBe(0);
    expect(await listMultipartUploads(h.s3, bucket)).toHaveLength(0);
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ tool: "s3_put_object", status: "success", bytes: 24 * MiB }),
    ]);
    // The etag is the object's (or null when the server does not say), never an empty string.
    expect(put.etag).not.toBe("");
  });

  test("a known-size body over the single-PUT size goes multipart too", async () => {
    const body = pattern(17 * MiB, 7);
    const put = await putObject(h.ctx, { bucket, key: "big/known.bin", body });
    expect(put.size).toBe(17 * MiB);
    const stored = await getTestObject(h.s3, bucket, "big/known.bin");
    expect(Buffer.compare(Buffer.from(stored ?? []), body)).toBe(0);
  });

  test("progress is reported while a stream uploads", async () => {
    const seen: number[] = [];
    await putObject(h.ctx, {
      bucket,
      key: "big/progress.bin",
      body: chunked(pattern(3 * MiB), 512 * KiB),
      onProgress: (n) => seen.push(n),
    });
    expect(seen.at(-1)).toBe(3 * MiB);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  needs("multipartAdmin", "atomicPuts").describe("over the put limit", () => {
    let lim: Harness;
    beforeAll(async () => {
      lim = await harness({ MCP_S3_EXT_READONLY: "false", MCP_S3_MAX_PUT_SIZE: "20MiB" });
    });
    afterAll(() => lim?.close());

    test("streamed (unknown size, 40 MiB): EntityTooLarge, no object, no multipart upload left", async () => {
      lim.mark();
      const err = await rejects(
        () => putObject(lim.ctx, { bucket, key: "over/streamed.bin", body: chunked(pattern(40 * MiB), MiB) }),
        "EntityTooLarge",
      );
      expect(err.message).toContain("put limit");
      expect(await getTestObject(h.s3, bucket, "over/streamed.bin")).toBeNull();
      expect(await listMultipartUploads(h.s3, bucket)).toHaveLength(0);
      expect(lim.auditSinceMark()).toEqual([
        expect.objectContaining({ tool: "s3_put_object", status: "denied", error: "EntityTooLarge" }),
      ]);
    });

    test("streamed, over the limit by one byte after a full part: nothing remains", async () => {
      await rejects(
        () =>
          putObject(lim.ctx, {
            bucket,
            key: "over/by-one.bin",
            body: chunked(pattern(20 * MiB + 1), 4 * MiB),
          }),
        "EntityTooLarge",
      );
      expect(await getTestObject(h.s3, bucket, "over/by-one.bin")).toBeNull();
      expect(await listMultipartUploads(h.s3, bucket)).toHaveLength(0);
    });

    test("streamed, exactly at the limit: stored", async () => {
      const put = await putObject(lim.ctx, {
        bucket,
        key: "over/exact.bin",
        body: chunked(pattern(20 * MiB), 2 * MiB),
      });
      expect(put.size).toBe(20 * MiB);
      expect((await getTestObject(h.s3, bucket, "over/exact.bin"))?.length).toBe(20 * MiB);
    });

    test("known size over the limit: refused before any request", async () => {
      const before = lim.requests();
      await rejects(
        () => putObject(lim.ctx, { bucket, key: "over/known.bin", body: new Uint8Array(20 * MiB + 1) }),
        "EntityTooLarge",
      );
      expect(lim.requests()).toBe(before);
      expect(await getTestObject(h.s3, bucket, "over/known.bin")).toBeNull();
    });

    test("declared size over the limit (a file): refused before any byte is read", async () => {
      let pulled = 0;
      async function* source() {
        pulled++;
        yield new Uint8Array(10);
      }
      const before = lim.requests();
      await rejects(
        () => putObject(lim.ctx, { bucket, key: "over/declared.bin", body: source(), size: 21 * MiB }),
        "EntityTooLarge",
      );
      expect(pulled).toBe(0);
      expect(lim.requests()).toBe(before);
    });

    test("a declared size that lies (smaller than the stream) does not get past the limit", async () => {
      await rejects(
        () =>
          putObject(lim.ctx, {
            bucket,
            key: "over/liar.bin",
            body: chunked(pattern(24 * MiB), 2 * MiB),
            size: 1024,
          }),
        "EntityTooLarge",
      );
      expect(await getTestObject(h.s3, bucket, "over/liar.bin")).toBeNull();
      expect(await listMultipartUploads(h.s3, bucket)).toHaveLength(0);
    });

    test("a source stream that fails mid-way: an error, no object, no multipart upload left", async () => {
      async function* failing() {
        for (let i = 0; i < 18; i++) yield pattern(MiB, i + 1);
        throw new Error("read error from the local file");
      }
      lim.mark();
      await expect(putObject(lim.ctx, { bucket, key: "over/failing.bin", body: failing() })).rejects.toThrow(
        "read error from the local file",
      );
      expect(await getTestObject(h.s3, bucket, "over/failing.bin")).toBeNull();
      expect(await listMultipartUploads(h.s3, bucket)).toHaveLength(0);
      expect(lim.auditSinceMark()).toEqual([expect.objectContaining({ status: "error" })]);
    });

    test("an empty stream stores an empty object", async () => {
      async function* nothing(): AsyncGenerator<Uint8Array> {}
      const put = await putObject(lim.ctx, { bucket, key: "over/empty-stream", body: nothing() });
      expect(put.size).toBe(0);
      expect((await getTestObject(h.s3, bucket, "over/empty-stream"))?.length).toBe(0);
    });

    test("a small limit and a stream shorter than one part: nothing stored", async () => {
      const tiny = await harness({ MCP_S3_EXT_READONLY: "false", MCP_S3_MAX_PUT_SIZE: "1MiB" });
      try {
        await rejects(
          () =>
            putObject(tiny.ctx, { bucket, key: "over/tiny.bin", body: chunked(pattern(3 * MiB), 256 * KiB) }),
          "EntityTooLarge",
        );
        expect(await getTestObject(h.s3, bucket, "over/tiny.bin")).toBeNull();
        expect(await listMultipartUploads(h.s3, bucket)).toHaveLength(0);
      } finally {
        tiny.close();
      }
    });
  });
});

describe("copy", () => {
  const keys = [
    "plain.txt",
    "with space.txt",
    "dir with space/file name.txt",
    "unicodé/naïve ✓ 日本語.txt",
    "100%.txt",
    "%2F-looks-encoded.txt",
    "tilde~and'quote\".txt",
    "emoji-\u{1F600}.txt",
  ];
  // s3rver stores these differently from S3 ('+' as a space, '//' collapsed, '?' cut).
  const literalKeys = ["a+b=c.txt", "q?x#y&z.txt", "sub//double//slash.txt"];
  const copiesByteExact = async (key: string) => {
    const body = text(`content of ${key}`);
    await putTestObject(h.s3, bucket, `src/${key}`, body);
    h.mark();
    const res = await copyObject(h.ctx, {
      source_bucket: bucket,
      source_key: `src/${key}`,
      dest_bucket: bucket,
      dest_key: `dst/${key}`,
    });
    expect(res).toMatchObject({
      source_bucket: bucket,
      source_key: `src/${key}`,
      dest_bucket: bucket,
      dest_key: `dst/${key}`,
    });
    expect(new TextDecoder().decode((await getTestObject(h.s3, bucket, `dst/${key}`)) ?? undefined)).toBe(
      `content of ${key}`,
    );
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({
        tool: "s3_copy_object",
        status: "success",
        bucket,
        key: `src/${key}`,
        dest_bucket: bucket,
        dest_key: `dst/${key}`,
      }),
    ]);
  };
  test.each(keys)("copy %p to a key of the same shape, byte-exact", copiesByteExact);
  needs("literalKeys").test.each(literalKeys)(
    "copy %p to a key of the same shape, byte-exact",
    copiesByteExact,
  );

  test("copy across buckets, with metadata replaced", async () => {
    const other = await createTestBucket(h.s3);
    await putObject(h.ctx, {
      bucket,
      key: "cp/meta.txt",
      body: text("m"),
      content_type: "text/markdown",
      metadata: { old: "1" },
    });
    await copyObject(h.ctx, {
      source_bucket: bucket,
      source_key: "cp/meta.txt",
      dest_bucket: other,
      dest_key: "copied.txt",
      metadata: { fresh: "2" },
    });
    const m = await headObject(h.ctx, { bucket: other, key: "copied.txt" });
    expect(m.metadata).toEqual({ fresh: "2" });
    expect(m.content_type).toBe("text/markdown");
  });

  test("copy keeps the source metadata when none is given", async () => {
    await putObject(h.ctx, { bucket, key: "cp/keep.txt", body: text("k"), metadata: { keep: "yes" } });
    await copyObject(h.ctx, {
      source_bucket: bucket,
      source_key: "cp/keep.txt",
      dest_bucket: bucket,
      dest_key: "cp/kept.txt",
    });
    expect((await headObject(h.ctx, { bucket, key: "cp/kept.txt" })).metadata).toEqual({ keep: "yes" });
  });

  test("copy of an object larger than max_put_size is refused; nothing is copied", async () => {
    const lim = await harness({ MCP_S3_EXT_READONLY: "false", MCP_S3_MAX_PUT_SIZE: "1KiB" });
    try {
      await putTestObject(h.s3, bucket, "cp/large.bin", pattern(2 * KiB));
      lim.mark();
      const before = lim.requests();
      const err = await rejects(
        () =>
          copyObject(lim.ctx, {
            source_bucket: bucket,
            source_key: "cp/large.bin",
            dest_bucket: bucket,
            dest_key: "cp/large-copy.bin",
          }),
        "EntityTooLarge",
      );
      expect(err.message).toContain("put limit");
      // The HEAD of the source (a read) only; no copy request.
      expect(lim.requests() - before).toBe(1);
      expect(await getTestObject(h.s3, bucket, "cp/large-copy.bin")).toBeNull();
      expect(lim.auditSinceMark()).toEqual([
        expect.objectContaining({ tool: "s3_copy_object", status: "denied", error: "EntityTooLarge" }),
      ]);
    } finally {
      lim.close();
    }
  });

  test("copy of a missing source: NoSuchKey, nothing created", async () => {
    h.mark();
    await rejects(
      () =>
        copyObject(h.ctx, {
          source_bucket: bucket,
          source_key: "cp/none",
          dest_bucket: bucket,
          dest_key: "cp/none-copy",
        }),
      "NoSuchKey",
    );
    expect(await getTestObject(h.s3, bucket, "cp/none-copy")).toBeNull();
    expect(h.auditSinceMark()).toEqual([expect.objectContaining({ status: "error", error: "NoSuchKey" })]);
  });
});

describe("delete", () => {
  test("deletes the object", async () => {
    await putTestObject(h.s3, bucket, "del/x.txt", text("x"));
    h.mark();
    expect(await deleteObject(h.ctx, { bucket, key: "del/x.txt" })).toEqual({
      bucket,
      key: "del/x.txt",
      deleted: true,
    });
    expect(await getTestObject(h.s3, bucket, "del/x.txt")).toBeNull();
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ tool: "s3_delete_object", status: "success", key: "del/x.txt" }),
    ]);
  });

  test("deleting a key that does not exist succeeds (S3 deletes are idempotent)", async () => {
    expect((await deleteObject(h.ctx, { bucket, key: "del/never-existed" })).deleted).toBe(true);
  });
});

describe("the tool name in the audit line", () => {
  test("a CLI command logs under the tool name it passes", async () => {
    await putTestObject(h.s3, bucket, "tool/t.txt", text("t"));
    h.mark();
    await getObject(h.ctx, { bucket, key: "tool/t.txt" }, () => {}, "s3_get_object");
    await headObject(h.ctx, { bucket, key: "tool/t.txt" }, "s3_get_object_metadata");
    expect(h.auditSinceMark().map((l) => l.tool)).toEqual(["s3_get_object", "s3_get_object_metadata"]);
  });
});
