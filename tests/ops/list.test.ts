// Listings against the real test S3 server: pagination over thousands of keys, delimiters, the
// prefix ACL filter, and bucket listings filtered by the bucket lists.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { listBuckets, listObjects } from "../../src/ops/index.ts";
import { compareKeys } from "../../src/ops/key-order.ts";
import { createTestBucket, listAllKeys, putTestObject } from "../support/s3.ts";
import { type Harness, harness, inParallel, rejects, text } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h?.close());

describe("pagination", () => {
  const N = 2_150;
  let bucket: string;
  let keys: string[];
  beforeAll(async () => {
    bucket = await createTestBucket(h.s3);
    keys = Array.from({ length: N }, (_, i) => `many/${String(i).padStart(5, "0")}.txt`);
    await inParallel(keys, 32, (k) => putTestObject(h.s3, bucket, k, text(k)));
    expect(await listAllKeys(h.s3, bucket)).toHaveLength(N);
  }, 120_000);

  test("2,150 keys across pages of 1000: every key exactly once, in order", async () => {
    h.mark();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await listObjects(h.ctx, { bucket, prefix: "many/", continuation_token: token });
      pages++;
      seen.push(...page.objects.map((o) => o.key));
      expect(page.count).toBe(page.objects.length + page.common_prefixes.length);
      expect(page.is_truncated).toBe(page.next_continuation_token !== null);
      token = page.next_continuation_token ?? undefined;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(keys);
    const lines = h.auditSinceMark();
    expect(lines).toHaveLength(3);
    for (const l of lines)
      expect(l).toMatchObject({ tool: "s3_list_objects", status: "success", bucket, prefix: "many/" });
  });

  test("max_keys pages smaller", async () => {
    const page = await listObjects(h.ctx, { bucket, prefix: "many/", max_keys: 7 });
    expect(page.objects.map((o) => o.key)).toEqual(keys.slice(0, 7));
    expect(page.is_truncated).toBe(true);
    const next = await listObjects(h.ctx, {
      bucket,
      prefix: "many/",
      max_keys: 7,
      continuation_token: page.next_continuation_token ?? undefined,
    });
    expect(next.objects.map((o) => o.key)).toEqual(keys.slice(7, 14));
  });

  test("object summaries carry size, etag, date and storage class", async () => {
    const page = await listObjects(h.ctx, { bucket, prefix: "many/00000", max_keys: 1 });
    expect(page.objects[0]).toMatchObject({ key: "many/00000.txt", size: "many/00000.txt".length });
    expect(page.objects[0]?.etag).toMatch(/[0-9a-f]{32}/);
    expect(page.objects[0]?.last_modified).toMatch(/^\d{4}-/);
  });

  test.each([[0], [1001], [1.5], [-1]])("max_keys %p is InvalidArgument", async (max_keys) => {
    await rejects(() => listObjects(h.ctx, { bucket, max_keys }), "InvalidArgument");
  });
});

describe("prefix ACL filtering", () => {
  let bucket: string;
  const all = [
    "data/a.csv",
    "data/b/c.csv",
    "data/secret/y.txt",
    "data2/x.txt",
    "Data/upper.txt",
    "secrets/s.txt",
    "logs/l.txt",
    "readme.md",
  ];
  let acl: Harness;
  beforeAll(async () => {
    bucket = await createTestBucket(h.s3);
    for (const k of all) await putTestObject(h.s3, bucket, k, text(k));
    acl = await harness({
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_ALLOWED_PREFIXES: "data/",
      MCP_S3_DENIED_PREFIXES: "data/secret/,secrets/",
    });
  });
  afterAll(() => acl?.close());

  test("the bucket root with a delimiter shows data/ and nothing else", async () => {
    const page = await listObjects(acl.ctx, { bucket, delimiter: "/" });
    expect(page.common_prefixes).toEqual(["data/"]);
    expect(page.objects).toEqual([]);
    expect(page.count).toBe(1);
  });

  test("the bucket root without a delimiter shows only allowed, non-denied keys", async () => {
    const page = await listObjects(acl.ctx, { bucket });
    expect(page.objects.map((o) => o.key)).toEqual(["data/a.csv", "data/b/c.csv"]);
  });

  test("inside data/ with a delimiter: the denied folder is hidden", async () => {
    const page = await listObjects(acl.ctx, { bucket, prefix: "data/", delimiter: "/" });
    expect(page.objects.map((o) => o.key)).toEqual(["data/a.csv"]);
    expect(page.common_prefixes).toEqual(["data/b/"]);
  });

  test("a parent string of the allowed prefix ('da') is allowed, filtered", async () => {
    const page = await listObjects(acl.ctx, { bucket, prefix: "da" });
    expect(page.objects.map((o) => o.key)).toEqual(["data/a.csv", "data/b/c.csv"]);
  });

  test.each([["secrets/"], ["data/secret/"], ["data/secret/deeper/"], ["logs/"], ["data2/"], ["Data/"]])(
    "listing %p is refused before any request, audited as denied",
    async (prefix) => {
      acl.mark();
      const before = acl.requests();
      await rejects(() => listObjects(acl.ctx, { bucket, prefix }), "PrefixDenied");
      expect(acl.requests()).toBe(before);
      expect(acl.auditSinceMark()).toEqual([
        expect.objectContaining({
          tool: "s3_list_objects",
          status: "denied",
          error: "PrefixDenied",
          prefix,
          bucket,
        }),
      ]);
    },
  );

  test("deny-only: everything but the denied areas", async () => {
    const deny = await harness({
      MCP_S3_EXT_PREFIXACL: "on",
      MCP_S3_DENIED_PREFIXES: "secrets/,data/secret/",
    });
    try {
      const page = await listObjects(deny.ctx, { bucket });
      expect(page.objects.map((o) => o.key).sort()).toEqual(
        all.filter((k) => !k.startsWith("secrets/") && !k.startsWith("data/secret/")).sort(),
      );
      const root = await listObjects(deny.ctx, { bucket, delimiter: "/" });
      expect(root.common_prefixes.sort()).toEqual(["Data/", "data/", "data2/", "logs/"]);
      expect(root.objects.map((o) => o.key)).toEqual(["readme.md"]);
    } finally {
      deny.close();
    }
  });

  test("prefix ACL off: the lists are ignored", async () => {
    const off = await harness({ MCP_S3_EXT_PREFIXACL: "false", MCP_S3_DENIED_PREFIXES: "secrets/" });
    try {
      expect((await listObjects(off.ctx, { bucket })).objects).toHaveLength(all.length);
    } finally {
      off.close();
    }
  });
});

describe("bucket lists", () => {
  let a: string;
  let b: string;
  let c: string;
  beforeAll(async () => {
    a = await createTestBucket(h.s3);
    b = await createTestBucket(h.s3);
    c = await createTestBucket(h.s3);
  });

  test("list buckets shows what the user owns", async () => {
    h.mark();
    const res = await listBuckets(h.ctx, {});
    const names = res.buckets.map((x) => x.name);
    for (const n of [a, b, c]) expect(names).toContain(n);
    expect(res.count).toBe(res.buckets.length);
    expect(res.buckets[0]?.creation_date).toMatch(/^\d{4}-/);
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ tool: "s3_list_buckets", status: "success" }),
    ]);
    expect(h.auditSinceMark()[0]?.bucket).toBeUndefined();
  });

  test("denied_buckets wins over allowed_buckets; refused buckets are hidden", async () => {
    const lists = await harness({ MCP_S3_ALLOWED_BUCKETS: `${a},${b}`, MCP_S3_DENIED_BUCKETS: b });
    try {
      const names = (await listBuckets(lists.ctx, {})).buckets.map((x) => x.name);
      expect(names).toEqual([a]);
      for (const refused of [b, c]) {
        lists.mark();
        const before = lists.requests();
        await rejects(() => listObjects(lists.ctx, { bucket: refused }), "BucketDenied");
        expect(lists.requests()).toBe(before);
        expect(lists.auditSinceMark()).toEqual([
          expect.objectContaining({ status: "denied", error: "BucketDenied", bucket: refused }),
        ]);
      }
      expect((await listObjects(lists.ctx, { bucket: a })).objects).toEqual([]);
    } finally {
      lists.close();
    }
  });

  test("a listing of a bucket that does not exist is NoSuchBucket", async () => {
    h.mark();
    await rejects(() => listObjects(h.ctx, { bucket: "mcp-s3-no-such-bucket-zz" }), "NoSuchBucket");
    expect(h.auditSinceMark()).toEqual([expect.objectContaining({ status: "error", error: "NoSuchBucket" })]);
  });
});

// Issue 12, defect 1: S3's continuation token on RGW is the last key in plain text. Paging with
// max_keys 1 must never hand out a token, key or folder that names a refused key, must give every
// visible entry exactly once, and must not return empty pages while visible entries remain.
describe("continuation tokens and hidden keys (real RGW)", () => {
  let bucket: string;
  const visibleKeys = ["a/1", "c/2", "data/0", "data/1", "data/2", "data/sub/x", "data/sub/y", "z"];
  const hiddenKeys = [
    // More than one S3 page of them, so that reading through them would take several requests.
    ...Array.from({ length: 1_100 }, (_, i) => `b-secret/${String(i).padStart(4, "0")}`),
    "secrets/0",
    "secrets/1",
    "secrets/deep/x",
  ];
  let deny: Harness;
  beforeAll(async () => {
    bucket = await createTestBucket(h.s3);
    await inParallel([...visibleKeys, ...hiddenKeys], 32, (k) => putTestObject(h.s3, bucket, k, text(k)));
    deny = await harness({ MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "secrets/,b-secret/" });
  }, 60_000);
  afterAll(() => deny?.close());

  /** Pages through with `max_keys`; checks every page and returns what was listed. */
  async function pageThrough(
    hx: Harness,
    args: { prefix?: string; delimiter?: string },
    maxKeys: number,
  ): Promise<{ entries: string[]; pages: number; requests: number }> {
    const entries: string[] = [];
    let token: string | undefined;
    let pages = 0;
    const before = hx.requests();
    do {
      const page = await listObjects(hx.ctx, {
        bucket,
        ...args,
        max_keys: maxKeys,
        continuation_token: token,
      });
      pages++;
      const shown = JSON.stringify(page);
      expect(shown).not.toContain("secret");
      if (page.next_continuation_token !== null) {
        expect(Buffer.from(page.next_continuation_token, "base64url").includes("secret")).toBe(false);
      }
      expect(page.count).toBe(page.objects.length + page.common_prefixes.length);
      expect(page.is_truncated).toBe(page.next_continuation_token !== null);
      // Not empty while visible entries remain (a page is empty only for an empty listing).
      if (page.is_truncated) expect(page.count).toBe(maxKeys);
      entries.push(...[...page.objects.map((o) => o.key), ...page.common_prefixes].sort(compareKeys));
      token = page.next_continuation_token ?? undefined;
    } while (token !== undefined);
    return { entries, pages, requests: hx.requests() - before };
  }

  test("max_keys 1, no delimiter: every visible key once, in order, nothing else", async () => {
    const got = await pageThrough(deny, {}, 1);
    expect(got.entries).toEqual(visibleKeys);
    expect(got.pages).toBe(visibleKeys.length);
  });

  test("a denied prefix is jumped in one request (RGW takes the StartAfter past it)", async () => {
    const before = deny.requests();
    const page = await listObjects(deny.ctx, { bucket, max_keys: 1 });
    expect(page.objects.map((o) => o.key)).toEqual(["a/1"]);
    // [a/1, b-secret/0000], then one request past b-secret/ that finds c/2. Reading through the
    // 1,100 hidden keys instead would take three.
    expect(deny.requests() - before).toBe(2);
  });

  test("max_keys 1, delimiter '/': folders count, are not repeated, and denied ones never appear", async () => {
    const got = await pageThrough(deny, { delimiter: "/" }, 1);
    expect(got.entries).toEqual(["a/", "c/", "data/", "z"]);
    const inside = await pageThrough(deny, { prefix: "data/", delimiter: "/" }, 1);
    expect(inside.entries).toEqual(["data/0", "data/1", "data/2", "data/sub/"]);
  });

  test.each([[2], [3], [5], [1000]])("max_keys %p: the same entries", async (maxKeys) => {
    expect((await pageThrough(deny, {}, maxKeys)).entries).toEqual(visibleKeys);
    expect((await pageThrough(deny, { delimiter: "/" }, maxKeys)).entries).toEqual([
      "a/",
      "c/",
      "data/",
      "z",
    ]);
  });

  test("keys hidden by the allowed list (no jump): read through, pages still full", async () => {
    const allow = await harness({ MCP_S3_EXT_PREFIXACL: "true", MCP_S3_ALLOWED_PREFIXES: "a/,c/,z" });
    try {
      const got = await pageThrough(allow, {}, 1);
      expect(got.entries).toEqual(["a/1", "c/2", "z"]);
      expect(got.pages).toBe(3);
    } finally {
      allow.close();
    }
  });

  test("prefix ACL off: tokens are sealed too, and the listing is S3's", async () => {
    const first = await listObjects(h.ctx, { bucket, max_keys: 1 });
    expect(first.objects.map((o) => o.key)).toEqual(["a/1"]);
    expect(first.next_continuation_token).not.toContain("a/1");
    const second = await listObjects(h.ctx, {
      bucket,
      max_keys: 1,
      continuation_token: first.next_continuation_token ?? undefined,
    });
    expect(second.objects.map((o) => o.key)).toEqual(["b-secret/0000"]);
  });

  test("a forged, altered or foreign token is InvalidArgument, before any request, audited as an error", async () => {
    const page = await listObjects(deny.ctx, { bucket, max_keys: 1 });
    const token = page.next_continuation_token as string;
    const raw = Buffer.from(token, "base64url");
    const altered = Buffer.from(raw);
    altered[raw.length - 1] = (altered[raw.length - 1] as number) ^ 1;
    const cases: [string, Parameters<typeof listObjects>[1]][] = [
      ["RGW's own token: a key in plain text", { bucket, continuation_token: "secrets/0" }],
      ["an altered token", { bucket, max_keys: 1, continuation_token: altered.toString("base64url") }],
      ["a cut token", { bucket, max_keys: 1, continuation_token: token.slice(0, -4) }],
      ["a token from another prefix", { bucket, prefix: "data/", max_keys: 1, continuation_token: token }],
      ["a token from another delimiter", { bucket, delimiter: "/", max_keys: 1, continuation_token: token }],
    ];
    for (const [name, args] of cases) {
      deny.mark();
      const before = deny.requests();
      const e = await rejects(() => listObjects(deny.ctx, args), "InvalidArgument");
      expect({ name, message: e.message }).toEqual({
        name,
        message: "continuation_token is not valid for this listing",
      });
      expect(e.hint).toContain("previous page of the same listing");
      expect(deny.requests()).toBe(before);
      expect(deny.auditSinceMark()).toEqual([
        expect.objectContaining({ tool: "s3_list_objects", status: "error", error: "InvalidArgument" }),
      ]);
    }
    // The real token still works for its own listing.
    const next = await listObjects(deny.ctx, { bucket, max_keys: 1, continuation_token: token });
    expect(next.objects.map((o) => o.key)).toEqual(["c/2"]);
  });

  test("a token from another bucket does not open", async () => {
    const other = await createTestBucket(h.s3);
    const page = await listObjects(deny.ctx, { bucket, max_keys: 1 });
    await rejects(
      () =>
        listObjects(deny.ctx, {
          bucket: other,
          max_keys: 1,
          continuation_token: page.next_continuation_token ?? undefined,
        }),
      "InvalidArgument",
    );
  });
});
