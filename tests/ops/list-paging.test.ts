// Filling a client page past hidden keys (src/ops/list-paging.ts), against an in-memory model of
// ListObjectsV2 (prefix, delimiter, StartAfter, MaxKeys, common prefixes reported again when resumed
// inside them, as S3 does). The main property: a client sees exactly the pages it would see if the
// hidden keys did not exist at all — same entries, same page sizes, same truncation flags.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_POLICY, type Policy } from "../../src/config/schema.ts";
import { S3ToolError } from "../../src/errors.ts";
import { compareKeys } from "../../src/ops/key-order.ts";
import {
  type Collected,
  collectPage,
  REQUESTS_PER_PAGE,
  S3_PAGE_MAX,
  type S3Page,
  skipPast,
} from "../../src/ops/list-paging.ts";
import { commonPrefixVisible, deniedAreaOf, keyVisible } from "../../src/policy/decide.ts";

interface Obj {
  readonly key: string;
}

/** What a bucket holding `keys` answers to one ListObjectsV2 request. */
function s3List(
  keys: readonly string[],
  prefix: string,
  delimiter: string,
  startAfter: string | undefined,
  maxKeys: number,
): S3Page<Obj> {
  const objects: Obj[] = [];
  const prefixes: string[] = [];
  let count = 0;
  let truncated = false;
  for (const key of [...new Set(keys)].sort(compareKeys)) {
    if (!key.startsWith(prefix)) continue;
    if (startAfter !== undefined && compareKeys(key, startAfter) <= 0) continue;
    const at = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
    const folder = at === -1 ? undefined : key.slice(0, at + delimiter.length);
    if (folder !== undefined && prefixes.at(-1) === folder) continue;
    if (count === maxKeys) {
      truncated = true;
      break;
    }
    count++;
    if (folder === undefined) objects.push({ key });
    else prefixes.push(folder);
  }
  return { objects, prefixes, truncated };
}

interface Listing {
  keys: readonly string[];
  prefix: string;
  delimiter: string;
  policy: Policy;
}

/** One client page, as list-objects.ts asks for it; counts the S3 requests it took. */
async function page(
  l: Listing,
  maxKeys: number,
  after: string | undefined,
): Promise<Collected<Obj> & { requests: number; sizes: number[] }> {
  const sizes: number[] = [];
  const got = await collectPage<Obj>({
    maxKeys,
    after,
    objectVisible: (k) => keyVisible(l.policy, k),
    prefixVisible: (p) => commonPrefixVisible(l.policy, p),
    hiddenArea: (e) => deniedAreaOf(l.policy, e),
    mayHide: l.policy.prefix_acl,
    fetch: async (startAfter, size) => {
      sizes.push(size);
      return s3List(l.keys, l.prefix, l.delimiter, startAfter, size);
    },
  });
  return { ...got, requests: sizes.length, sizes };
}

/** Every page of a listing, as a client pages through it. */
async function pages(l: Listing, maxKeys: number) {
  const out: { entries: string[]; truncated: boolean; requests: number }[] = [];
  let after: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = await page(l, maxKeys, after);
    out.push({
      entries: [...p.objects.map((o) => o.key), ...p.prefixes].sort(compareKeys),
      truncated: p.truncated,
      requests: p.requests,
    });
    if (!p.truncated) return out;
    expect(p.position).toBeDefined();
    after = p.position;
  }
  throw new Error("the listing never ended");
}

/** What the listing shows in one go, filtered: the truth every paging must reproduce. */
function visible(l: Listing): string[] {
  const all = s3List(l.keys, l.prefix, l.delimiter, undefined, Number.MAX_SAFE_INTEGER);
  return [
    ...all.objects.map((o) => o.key).filter((k) => keyVisible(l.policy, k)),
    ...all.prefixes.filter((p) => commonPrefixVisible(l.policy, p)),
  ].sort(compareKeys);
}

function policy(overrides: Partial<Policy>): Policy {
  return Object.freeze({ ...DEFAULT_POLICY, ...overrides });
}

const DENY_SECRETS = policy({ prefix_acl: true, denied_prefixes: ["b-secret/"] });

describe("pages past hidden keys", () => {
  const interleaved = [
    "a/1",
    ...Array.from({ length: 2_500 }, (_, i) => `b-secret/${String(i).padStart(5, "0")}`),
    "c/2",
  ];

  test("hidden keys between visible ones: max_keys 1 gives one visible key per page, no empty page", async () => {
    const l: Listing = { keys: interleaved, prefix: "", delimiter: "", policy: DENY_SECRETS };
    const got = await pages(l, 1);
    expect(got.map((p) => p.entries)).toEqual([["a/1"], ["c/2"]]);
    expect(got.map((p) => p.truncated)).toEqual([true, false]);
    // The denied prefix is jumped in one step, not read through 2,500 keys at a time.
    for (const p of got) expect(p.requests).toBeLessThanOrEqual(2);
  });

  test("a position never names a hidden key it did not have to: the jump lands past the denied area", async () => {
    const l: Listing = { keys: interleaved, prefix: "", delimiter: "", policy: DENY_SECRETS };
    const first = await page(l, 1, undefined);
    expect(first.objects.map((o) => o.key)).toEqual(["a/1"]);
    // The position is sealed before a client sees it; even so it is past every key of the area.
    const second = await page(l, 1, first.position);
    expect(second.objects.map((o) => o.key)).toEqual(["c/2"]);
    expect(second.truncated).toBe(false);
  });

  test("hidden by the allowed list (no jump possible): read through within the request bound", async () => {
    const l: Listing = {
      keys: interleaved,
      prefix: "",
      delimiter: "",
      policy: policy({ prefix_acl: true, allowed_prefixes: ["a/", "c/"] }),
    };
    const got = await pages(l, 1);
    expect(got.map((p) => p.entries)).toEqual([["a/1"], ["c/2"]]);
    expect(got.map((p) => p.truncated)).toEqual([true, false]);
    expect(got[0]?.requests).toBe(4); // 2 keys, then 1000 + 1000 + the rest, to learn c/2 exists
  });

  test("more hidden keys than the request bound can read: a short page, truncated, then the rest", async () => {
    const many = [
      "a/1",
      ...Array.from({ length: 12_000 }, (_, i) => `b/${String(i).padStart(5, "0")}`),
      "c/2",
    ];
    const l: Listing = {
      keys: many,
      prefix: "",
      delimiter: "",
      policy: policy({ prefix_acl: true, allowed_prefixes: ["a/", "c/"] }),
    };
    const got = await pages(l, 5);
    expect(got.flatMap((p) => p.entries)).toEqual(["a/1", "c/2"]);
    for (const p of got) expect(p.requests).toBeLessThanOrEqual(REQUESTS_PER_PAGE);
    expect(got.length).toBeGreaterThan(1);
    expect(got.at(-1)?.truncated).toBe(false);
  });

  test("with a delimiter, a visible folder ends a page and is not repeated on the next one", async () => {
    const keys = ["a/1", "a/2", "a/3", "b-secret/x", "c/1", "c/2", "d"];
    const l: Listing = { keys, prefix: "", delimiter: "/", policy: DENY_SECRETS };
    const got = await pages(l, 1);
    expect(got.map((p) => p.entries)).toEqual([["a/"], ["c/"], ["d"]]);
    expect(got.map((p) => p.truncated)).toEqual([true, true, false]);
  });

  test("max_keys filled exactly when the remaining entries are all hidden: not truncated", async () => {
    const keys = ["a/1", "a/2", ...Array.from({ length: 50 }, (_, i) => `z-secret/${i}`)];
    const l: Listing = {
      keys,
      prefix: "",
      delimiter: "",
      policy: policy({ prefix_acl: true, denied_prefixes: ["z-secret/"] }),
    };
    const got = await pages(l, 2);
    // The first request (3 entries) meets z-secret/0; the second, past the area, finds the end.
    expect(got).toEqual([{ entries: ["a/1", "a/2"], truncated: false, requests: 2 }]);
  });

  test("prefix ACL off: one S3 request per page, S3's own truncation trusted", async () => {
    const keys = Array.from({ length: 2_150 }, (_, i) => `many/${String(i).padStart(5, "0")}`);
    const l: Listing = { keys, prefix: "many/", delimiter: "", policy: DEFAULT_POLICY };
    const got = await pages(l, 1000);
    expect(got.map((p) => p.entries.length)).toEqual([1000, 1000, 150]);
    expect(got.map((p) => p.requests)).toEqual([1, 1, 1]);
    const small = await pages(l, 7);
    expect(small.slice(0, 3).map((p) => p.entries)).toEqual([
      keys.slice(0, 7),
      keys.slice(7, 14),
      keys.slice(14, 21),
    ]);
  });

  test("the first request asks for one more than wanted; later ones for full pages", async () => {
    const l: Listing = {
      keys: interleaved,
      prefix: "",
      delimiter: "",
      policy: policy({ prefix_acl: true, allowed_prefixes: ["a/", "c/"] }),
    };
    expect((await page(l, 3, undefined)).sizes).toEqual([4, S3_PAGE_MAX, S3_PAGE_MAX, S3_PAGE_MAX]);
    expect((await page(l, 1000, undefined)).sizes[0]).toBe(S3_PAGE_MAX);
  });
});

describe("a misbehaving server", () => {
  test("a server that ignores StartAfter cannot make a client loop for ever", async () => {
    const keys = Array.from({ length: 1_500 }, (_, i) => `k/${String(i).padStart(4, "0")}`);
    const base = {
      maxKeys: 10,
      objectVisible: () => true,
      prefixVisible: () => true,
      mayHide: true,
      fetch: async (_after: string | undefined, size: number) => s3List(keys, "", "", undefined, size),
    };
    const seen: string[] = [];
    let after: string | undefined;
    let error: unknown;
    for (let i = 0; i < 1_000 && error === undefined; i++) {
      try {
        const p = await collectPage<Obj>({ ...base, after });
        seen.push(...p.objects.map((o) => o.key));
        after = p.position;
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(S3ToolError);
    expect((error as S3ToolError).code).toBe("InternalError");
    expect((error as S3ToolError).message).not.toContain("k/");
    // Up to there, nothing was given twice or out of order.
    expect(seen).toEqual(keys.slice(0, seen.length));
  });

  test("an empty page marked truncated is an error, not an endless listing", async () => {
    const e = await collectPage<Obj>({
      maxKeys: 5,
      after: undefined,
      objectVisible: () => true,
      prefixVisible: () => true,
      mayHide: false,
      fetch: async () => ({ objects: [], prefixes: [], truncated: true }),
    }).catch((x) => x);
    expect((e as S3ToolError).code).toBe("InternalError");
  });
});

describe("skipPast", () => {
  const LAST = "\u{10FFFF}";
  test.each([
    ["no area: right after the entry", "b/x", undefined, "b/x"],
    ["an area the entry is not in", "b/x", "c/", "b/x"],
    ["a blank area", "b/x", "", "b/x"],
    ["past the area", "b-secret/0", "b-secret/", `b-secret/${LAST.repeat(253)}`],
    ["an area too long to say anything past it", "k".repeat(1022), "k".repeat(1021), "k".repeat(1022)],
    ["an entry already past the jump", `s/${LAST.repeat(300)}`, "s/", `s/${LAST.repeat(300)}`],
  ])("%s", (_name, entry, area, expected) => {
    expect(skipPast(entry, area)).toBe(expected);
  });

  test("the jump is at most 1024 bytes of UTF-8 and sorts after every key of at most 1024 bytes in the area", () => {
    const past = skipPast("b-secret/0", "b-secret/");
    expect(Buffer.byteLength(past)).toBeLessThanOrEqual(1024);
    for (const k of ["b-secret/\u{10FFFE}", `b-secret/${"\u{10FFFF}".repeat(100)}z`, "b-secret/\uFFFF"]) {
      expect(compareKeys(k, past)).toBeLessThan(0);
    }
    expect(compareKeys("b-secret0", past)).toBeGreaterThan(0);
    expect(compareKeys("b-secreu", past)).toBeGreaterThan(0);
  });
});

describe("properties (fast-check)", () => {
  // Small alphabets so that prefixes, folders and policy areas collide often.
  const part = fc.constantFrom("a", "b", "/", "s", "x", "é", "\u{1F600}", ".", "-");
  const keyArb = fc.array(part, { minLength: 1, maxLength: 6 }).map((p) => p.join(""));
  const areaArb = fc.array(part, { minLength: 1, maxLength: 3 }).map((p) => p.join(""));
  const policyArb = fc
    .record({
      prefix_acl: fc.boolean(),
      allowed_prefixes: fc.array(areaArb, { maxLength: 2 }),
      denied_prefixes: fc.array(areaArb, { maxLength: 2 }),
    })
    .map((p) => policy(p));
  const listingArb = fc.record({
    keys: fc.array(keyArb, { maxLength: 40 }),
    prefix: fc.constantFrom("", "a", "a/", "b", "s/"),
    delimiter: fc.constantFrom("", "/", "b", "//"),
    policy: policyArb,
  });

  test("every visible entry exactly once, in order, and nothing hidden", async () => {
    await fc.assert(
      fc.asyncProperty(listingArb, fc.integer({ min: 1, max: 6 }), async (l, maxKeys) => {
        const got = await pages(l, maxKeys);
        const entries = got.flatMap((p) => p.entries);
        expect(entries).toEqual(visible(l));
      }),
      { seed: 0x11575, numRuns: 1500 },
    );
  });

  test("a client sees the same pages as if the hidden keys did not exist (sizes and truncation too)", async () => {
    await fc.assert(
      fc.asyncProperty(listingArb, fc.integer({ min: 1, max: 6 }), async (l, maxKeys) => {
        const withHidden = await pages(l, maxKeys);
        // The same bucket without any hidden object (a hidden folder hides every key under it).
        const all = s3List(l.keys, l.prefix, l.delimiter, undefined, Number.MAX_SAFE_INTEGER);
        const shown = new Set([
          ...all.objects.map((o) => o.key).filter((k) => keyVisible(l.policy, k)),
          ...all.prefixes.filter((p) => commonPrefixVisible(l.policy, p)),
        ]);
        const kept = l.keys.filter((k) => {
          if (!k.startsWith(l.prefix)) return false;
          const at = l.delimiter === "" ? -1 : k.indexOf(l.delimiter, l.prefix.length);
          return shown.has(at === -1 ? k : k.slice(0, at + l.delimiter.length));
        });
        const withoutHidden = await pages({ ...l, keys: kept, policy: DEFAULT_POLICY }, maxKeys);
        const shape = (ps: typeof withHidden) =>
          ps.map((p) => ({ entries: p.entries, truncated: p.truncated }));
        expect(shape(withHidden)).toEqual(shape(withoutHidden));
      }),
      { seed: 0x5eed, numRuns: 1500 },
    );
  });
});
