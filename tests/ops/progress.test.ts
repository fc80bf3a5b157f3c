// Progress callbacks of the transfer operations against the real test S3 server: a put of a body in
// memory larger than one part reports as it goes out, a multipart copy reports after each part, a
// get reports as the body streams in. The bytes stored are the bytes sent, every time.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyObject, getObject, putObject } from "../../src/ops/index.ts";
import { PART_SIZE } from "../../src/ops/put-object.ts";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, getTestObject, listMultipartUploads } from "../support/s3.ts";
import { collector, type Harness, harness, pattern } from "./harness.ts";

const MiB = 1024 * 1024;

let h: Harness;
let bucket: string;
beforeAll(async () => {
  h = await harness({ MCP_S3_EXT_READONLY: "false", MCP_S3_MAX_GET_SIZE: "16MiB" });
  bucket = await createTestBucket(h.s3, "progress");
});
afterAll(() => h?.close());

function increasing(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] as number));
}

describe("put", () => {
  test("a 12 MiB body in memory reports its progress in steps up to the whole size", async () => {
    const body = pattern(12 * MiB, 7);
    const seen: number[] = [];
    const r = await putObject(h.ctx, { bucket, key: "p/12m.bin", body, onProgress: (n) => seen.push(n) });
    expect(r.size).toBe(12 * MiB);
    expect(seen.length).toBeGreaterThanOrEqual(12);
    expect(increasing(seen)).toBe(true);
    expect(seen.at(-1)).toBe(12 * MiB);
    expect(
      Buffer.from((await getTestObject(h.s3, bucket, "p/12m.bin")) ?? []).equals(Buffer.from(body)),
    ).toBe(true);
  });

  needs("multipartAdmin").test(
    "a 20 MiB body in memory (multipart) reports progress too and leaves no upload behind",
    async () => {
      const body = pattern(20 * MiB, 8);
      const seen: number[] = [];
      await putObject(h.ctx, { bucket, key: "p/20m.bin", body, onProgress: (n) => seen.push(n) });
      expect(seen.length).toBeGreaterThanOrEqual(20);
      expect(seen.at(-1)).toBe(20 * MiB);
      expect(
        Buffer.from((await getTestObject(h.s3, bucket, "p/20m.bin")) ?? []).equals(Buffer.from(body)),
      ).toBe(true);
      expect(await listMultipartUploads(h.s3, bucket)).toEqual([]);
    },
  );

  test("one part or less: no slicing needed, the body is stored whole", async () => {
    const body = pattern(PART_SIZE, 9);
    const seen: number[] = [];
    await putObject(h.ctx, { bucket, key: "p/one-part.bin", body, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([]);
    expect((await getTestObject(h.s3, bucket, "p/one-part.bin"))?.byteLength).toBe(PART_SIZE);
  });
});

test("get: progress as the body streams in, against the size expected", async () => {
  const seen: [number, number][] = [];
  const sink = collector();
  await getObject(
    h.ctx,
    { bucket, key: "p/12m.bin", onProgress: (n, total) => seen.push([n, total]) },
    sink.sink,
  );
  expect(seen.length).toBeGreaterThan(1);
  expect(increasing(seen.map(([n]) => n))).toBe(true);
  expect(seen.at(-1)).toEqual([12 * MiB, 12 * MiB]);
  expect(sink.bytes().byteLength).toBe(12 * MiB);
});

needs("multipartAdmin").test("copy: a multipart copy reports after each part", async () => {
  const seen: [number, number][] = [];
  await copyObject(h.ctx, {
    source_bucket: bucket,
    source_key: "p/12m.bin",
    dest_bucket: bucket,
    dest_key: "p/12m-copy.bin",
    // Parts of 5 MiB (the S3 minimum) stand in for 512 MiB parts of a copy beyond 5 GiB.
    multipart_threshold: 5 * MiB,
    part_size: 5 * MiB,
    onProgress: (n, total) => seen.push([n, total]),
  });
  expect(seen).toEqual([
    [5 * MiB, 12 * MiB],
    [10 * MiB, 12 * MiB],
    [12 * MiB, 12 * MiB],
  ]);
  const copy = await getTestObject(h.s3, bucket, "p/12m-copy.bin");
  expect(Buffer.from(copy ?? []).equals(Buffer.from(pattern(12 * MiB, 7)))).toBe(true);
});
