// The recursive walk (ls --recursive) against the real test S3 server: whatever the layout, it gives
// exactly the keys of a flat listing, in S3's order, each page audited and filtered by the ACL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compareKeys } from "../../src/ops/key-order.ts";
import { FOLDERS_BEFORE_JUDGING, LISTERS, walkObjects } from "../../src/ops/walk-objects.ts";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, listAllKeys, putTestObject } from "../support/s3.ts";
import { type Harness, harness, inParallel, text } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h?.close());

async function walk(
  ctx: Harness["ctx"],
  bucket: string,
  prefix?: string,
  concurrency?: number,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of walkObjects(ctx, { bucket, prefix }, { concurrency })) {
    for (const o of batch) keys.push(o.key);
  }
  return keys;
}

describe("compareKeys", () => {
  test("orders by UTF-8 bytes, as S3 does, not by UTF-16 code units", () => {
    // U+FB00 sorts after an emoji in UTF-16 (0xFB00 > 0xD83D) but before it in UTF-8 (EF < F0).
    expect(["\u{1F600}", "\uFB00", "a/", "a.txt", "a0"].sort(compareKeys)).toEqual([
      "a.txt",
      "a/",
      "a0",
      "\uFB00",
      "\u{1F600}",
    ]);
    expect(compareKeys("x", "x")).toBe(0);
  });
});

needs("byteOrder").describe("same keys as a flat listing, in the same order", () => {
  let bucket: string;
  // Objects beside folders whose names sort just before and after "/", a folder marker, a double
  // slash, nested folders, keys whose UTF-8 and UTF-16 orders differ, and one folder of two pages.
  const keys = [
    "a.txt",
    "a/",
    "a/x",
    "a//y",
    "a/b/c/d.txt",
    "a0",
    "b",
    "b/1",
    "b-c/2",
    "empty-looking/",
    "top.txt",
    "\uFB00/k",
    "\u{1F600}/k",
    "\u{1F600}.txt",
    "z",
    ...Array.from({ length: 1_050 }, (_, i) => `big/${String(i).padStart(4, "0")}`),
  ];
  beforeAll(async () => {
    bucket = await createTestBucket(h.s3);
    await inParallel(keys, 32, (k) => putTestObject(h.s3, bucket, k, text(k)));
  }, 120_000);

  test.each([
    ["the bucket root", undefined],
    ["a prefix without a slash (a, a.txt, a/, a0 …)", "a"],
    ["a folder", "a/"],
    ["the two-page folder", "big/"],
    ["a prefix that matches nothing", "nothing/"],
  ])("%s", async (_name, prefix) => {
    const flat = await listAllKeys(h.s3, bucket, prefix);
    expect(await walk(h.ctx, bucket, prefix)).toEqual(flat);
    expect(await walk(h.ctx, bucket, prefix, 1)).toEqual(flat);
    expect(await walk(h.ctx, bucket, prefix, 3)).toEqual(flat);
  });

  test("every page is an audited s3_list_objects call", async () => {
    h.mark();
    await walk(h.ctx, bucket);
    const lines = h.auditSinceMark();
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(l).toMatchObject({ tool: "s3_list_objects", status: "success", bucket });
  });

  test("a reader that stops early leaves nothing running and nothing failing", async () => {
    const seen: string[] = [];
    for await (const batch of walkObjects(h.ctx, { bucket })) {
      seen.push(...batch.map((o) => o.key));
      if (seen.length >= 3) break;
    }
    expect(seen.slice(0, 3)).toEqual(["a.txt", "a/", "a//y"]);
    // The context still works (no listener left holding it).
    expect(await walk(h.ctx, bucket, "a/")).toEqual(["a/", "a//y", "a/b/c/d.txt", "a/x"]);
  });
});

needs("byteOrder").describe("small folders", () => {
  let bucket: string;
  const keys = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(2, "0")}/only.txt`);
  beforeAll(async () => {
    bucket = await createTestBucket(h.s3);
    await inParallel(keys, 32, (k) => putTestObject(h.s3, bucket, k, text(k)));
  });

  test("after a few one-key folders the walk goes on flat: same keys, far fewer requests than folders", async () => {
    const before = h.requests();
    expect(await walk(h.ctx, bucket)).toEqual(keys);
    const sent = h.requests() - before;
    // One top-level page, the folders listed before the walk judges them small (the listers started
    // ahead of the reader included), then one flat page: far fewer than the 40 folders.
    expect(sent).toBeLessThanOrEqual(1 + FOLDERS_BEFORE_JUDGING + LISTERS + 1);
  });
});

describe("prefix ACL", () => {
  let bucket: string;
  let acl: Harness;
  const all = [
    "data/a.csv",
    "data/b/c.csv",
    "data/secret/y.txt",
    "data2/x.txt",
    "Data/upper.txt",
    "secrets/s.txt",
    "readme.md",
  ];
  beforeAll(async () => {
    bucket = await createTestBucket(h.s3);
    for (const k of all) await putTestObject(h.s3, bucket, k, text(k));
    acl = await harness({
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_ALLOWED_PREFIXES: "data/",
      MCP_S3_DENIED_PREFIXES: "data/secret/",
    });
  });
  afterAll(() => acl?.close());

  needs("byteOrder").test("only the keys the policy lets a listing show", async () => {
    expect(await walk(acl.ctx, bucket)).toEqual(["data/a.csv", "data/b/c.csv"]);
    expect(await walk(acl.ctx, bucket, "data")).toEqual(["data/a.csv", "data/b/c.csv"]);
  });

  test("a walk inside a denied prefix is refused", async () => {
    await expect(walk(acl.ctx, bucket, "data/secret/")).rejects.toMatchObject({ code: "PrefixDenied" });
  });
});
