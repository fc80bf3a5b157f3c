// The policy gate (SPEC §3) as a pure function: one table row per rule, adversarial rows included.
// Every refusal row checks the code, that the message names the rule, and that the hint says how to
// change it.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_POLICY, type Policy } from "../../src/config/schema.ts";
import {
  type Access,
  bucketAllowed,
  commonPrefixVisible,
  decide,
  decideAll,
  keyVisible,
  type Touch,
} from "../../src/policy/decide.ts";

const MB = 1024 * 1024;

function policy(overrides: Partial<Policy> = {}): Policy {
  return Object.freeze({ ...DEFAULT_POLICY, ...overrides });
}

/** Writable, prefix ACL on: allowed [data/, reports/], denied [secrets/, data/secret/]. */
const ACL = policy({
  read_only: false,
  prefix_acl: true,
  allowed_prefixes: ["data/", "reports/"],
  denied_prefixes: ["secrets/", "data/secret/"],
});
/** Writable, prefix ACL on, only a deny list. */
const DENY_ONLY = policy({ read_only: false, prefix_acl: true, denied_prefixes: ["secrets/", "internal/"] });
const WRITABLE = policy({ read_only: false });

type Expect =
  | "allow"
  | {
      code:
        | "ReadOnlyMode"
        | "PrefixDenied"
        | "BucketDenied"
        | "EntityTooLarge"
        | "InvalidArgument"
        | "InvalidBucketName";
      /** The rule the message must name. */
      names: RegExp;
    };

const READ_ONLY: Expect = { code: "ReadOnlyMode", names: /read-only/ };
const OUTSIDE: Expect = { code: "PrefixDenied", names: /outside every allowed prefix/ };
const DENIED_PREFIX: Expect = { code: "PrefixDenied", names: /denied prefix/ };
const NOT_ALLOWED_BUCKET: Expect = { code: "BucketDenied", names: /not in the allowed bucket list/ };
const DENIED_BUCKET: Expect = { code: "BucketDenied", names: /in the denied bucket list/ };
const TOO_LARGE_GET: Expect = { code: "EntityTooLarge", names: /exceeds the get limit/ };
const TOO_LARGE_PUT: Expect = { code: "EntityTooLarge", names: /exceeds the put limit/ };
const MISSING_BUCKET: Expect = { code: "InvalidArgument", names: /bucket is required/ };
const BAD_BUCKET: Expect = { code: "InvalidBucketName", names: /not a valid bucket name/ };
const MISSING_KEY: Expect = { code: "InvalidArgument", names: /key is required/ };

const HINTS: Record<string, RegExp> = {
  ReadOnlyMode: /MCP_S3_EXT_READONLY=false/,
  PrefixDenied: /MCP_S3_ALLOWED_PREFIXES \/ MCP_S3_DENIED_PREFIXES/,
  BucketDenied: /policy\.(allowed|denied)_buckets/,
  EntityTooLarge: /MCP_S3_MAX_(GET|PUT)_SIZE/,
};

const r = (access: Access, bucket: string | undefined, key?: string, size?: number): Touch => ({
  access,
  bucket,
  key,
  size,
});
const list = (bucket: string | undefined, prefix?: string): Touch => ({ access: "list", bucket, prefix });

function check(p: Policy, touch: Touch, expected: Expect): void {
  const d = decide(p, touch);
  if (expected === "allow") {
    expect(d).toEqual({ allowed: true });
    return;
  }
  if (d.allowed) throw new Error(`expected ${expected.code}, but ${JSON.stringify(touch)} was allowed`);
  expect(d.code).toBe(expected.code);
  expect(d.message).toMatch(expected.names);
  expect(d.touch).toBe(touch);
  const hint = HINTS[d.code];
  if (hint !== undefined) expect(d.hint).toMatch(hint);
}

type Row = [string, Policy, Touch, Expect];

/** The test's own statement of the rule: a "." or ".." segment between slashes, or a leading "/". */
function hasDotSegment(text: string): boolean {
  return text.startsWith("/") || text.split("/").some((s) => s === "." || s === "..");
}

describe("read-only (default on)", () => {
  const rows: Row[] = [
    ["default policy is read-only: write refused", DEFAULT_POLICY, r("write", "b", "k"), READ_ONLY],
    ["delete refused", DEFAULT_POLICY, r("delete", "b", "k"), READ_ONLY],
    ["presign PUT is a write touch: refused", DEFAULT_POLICY, r("write", "b", "upload.bin"), READ_ONLY],
    ["read allowed", DEFAULT_POLICY, r("read", "b", "k"), "allow"],
    ["list allowed", DEFAULT_POLICY, list("b", ""), "allow"],
    ["list buckets allowed", DEFAULT_POLICY, { access: "list" }, "allow"],
    ["writable: write allowed", WRITABLE, r("write", "b", "k"), "allow"],
    ["writable: delete allowed", WRITABLE, r("delete", "b", "k"), "allow"],
    ["read-only refuses even a tiny write", DEFAULT_POLICY, r("write", "b", "k", 0), READ_ONLY],
    [
      "read-only is checked before the prefix ACL",
      policy({ prefix_acl: true, denied_prefixes: ["secrets/"] }),
      r("write", "b", "secrets/x"),
      READ_ONLY,
    ],
    ["read-only refuses a write even without a bucket", DEFAULT_POLICY, { access: "write" }, READ_ONLY],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));

  test("the refusal message says which access was refused", () => {
    const d = decide(DEFAULT_POLICY, r("delete", "b", "k"));
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.message).toBe("delete refused: this connection is read-only");
  });
});

describe("prefix ACL", () => {
  const rows: Row[] = [
    ["key under an allowed prefix", ACL, r("read", "b", "data/report.csv"), "allow"],
    ["the allowed prefix itself as a key", ACL, r("read", "b", "data/"), "allow"],
    ["second allowed prefix", ACL, r("read", "b", "reports/2024/q1.pdf"), "allow"],
    ["data2/ is not under data/", ACL, r("read", "b", "data2/x"), OUTSIDE],
    ["'data' without the slash is not under data/", ACL, r("read", "b", "data"), OUTSIDE],
    ["Data/ is not data/ (no case folding)", ACL, r("read", "b", "Data/x"), OUTSIDE],
    ["DATA/ is not data/", ACL, r("read", "b", "DATA/x"), OUTSIDE],
    // No normalisation: "data/../secrets/x" is under data/ as S3 sees it (the listing filter shows
    // it, below), but the gate refuses to address it at all (dot segments, further down).
    ["data//x is under data/", ACL, r("read", "b", "data//x"), "allow"],
    ["data/.x is under data/", ACL, r("read", "b", "data/.x"), "allow"],
    [" data/x (leading space) is not under data/", ACL, r("read", "b", " data/x"), OUTSIDE],
    ["secrets/x is denied", ACL, r("read", "b", "secrets/x"), DENIED_PREFIX],
    ["deny wins over allow: data/secret/x", ACL, r("read", "b", "data/secret/x"), DENIED_PREFIX],
    ["data/secretive is not under data/secret/", ACL, r("read", "b", "data/secretive"), "allow"],
    ["write under allowed", ACL, r("write", "b", "data/new.txt"), "allow"],
    ["write outside allowed", ACL, r("write", "b", "logs/new.txt"), OUTSIDE],
    ["write into denied", ACL, r("write", "b", "data/secret/new.txt"), DENIED_PREFIX],
    ["delete into denied", ACL, r("delete", "b", "secrets/x"), DENIED_PREFIX],
    ["delete outside allowed", ACL, r("delete", "b", "other"), OUTSIDE],
    [
      "no allowed list: anything not denied is allowed",
      DENY_ONLY,
      r("read", "b", "anything/at/all"),
      "allow",
    ],
    ["no allowed list: denied is denied", DENY_ONLY, r("read", "b", "internal/hr.csv"), DENIED_PREFIX],
    [
      "no allowed list: 'secrets' (no slash) is not under secrets/",
      DENY_ONLY,
      r("read", "b", "secrets"),
      "allow",
    ],
    [
      "prefix_acl off: lists are ignored",
      policy({ ...ACL, prefix_acl: false }),
      r("read", "b", "secrets/x"),
      "allow",
    ],
    [
      "prefix_acl off: outside allowed is fine",
      policy({ ...ACL, prefix_acl: false }),
      r("write", "b", "z"),
      "allow",
    ],
    [
      "unicode: NFD key is not under an NFC prefix (byte-exact)",
      policy({ prefix_acl: true, allowed_prefixes: ["caf\u00e9/"] }),
      r("read", "b", "cafe\u0301/menu"),
      OUTSIDE,
    ],
    [
      "unicode: same bytes match",
      policy({ prefix_acl: true, allowed_prefixes: ["caf\u00e9/"] }),
      r("read", "b", "caf\u00e9/menu"),
      "allow",
    ],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));
});

describe("dot segments and a leading '/' (defence in depth, while an ACL or a bucket list is on)", () => {
  const DOTS: Expect = { code: "InvalidArgument", names: /path segment|starts with "\/"/ };
  const ALLOW_BUCKETS = policy({ read_only: false, allowed_buckets: ["b"] });
  const DENY_BUCKETS = policy({ read_only: false, denied_buckets: ["vault"] });
  const OFF = policy({ read_only: false });
  const rows: Row[] = [
    ["'..' climbing out of an allowed prefix", ACL, r("read", "b", "data/../secrets/x"), DOTS],
    ["'..' climbing back into the same prefix", ACL, r("read", "b", "data/../data/x"), DOTS],
    ["'.' inside an allowed prefix", ACL, r("read", "b", "data/./x"), DOTS],
    ["a leading './'", DENY_ONLY, r("read", "b", "./x"), DOTS],
    ["a leading '../'", DENY_ONLY, r("read", "b", "../x"), DOTS],
    ["'..' alone", DENY_ONLY, r("read", "b", ".."), DOTS],
    ["'.' alone", DENY_ONLY, r("read", "b", "."), DOTS],
    ["a trailing '..'", ACL, r("read", "b", "data/.."), DOTS],
    ["a trailing '.'", ACL, r("read", "b", "data/."), DOTS],
    ["'..' after an empty segment", ACL, r("read", "b", "data//../x"), DOTS],
    ["a leading '/'", DENY_ONLY, r("read", "b", "/x"), DOTS],
    ["a leading '//'", DENY_ONLY, r("read", "b", "//x"), DOTS],
    ["a leading '/' before an allowed prefix", ACL, r("read", "b", "/data/x"), DOTS],
    ["'/' alone", DENY_ONLY, r("read", "b", "/"), DOTS],
    ["a write", ACL, r("write", "b", "data/../secrets/new"), DOTS],
    ["a delete", ACL, r("delete", "b", "data/./x"), DOTS],
    ["refused before the denied prefix is looked at", ACL, r("read", "b", "secrets/../data/x"), DOTS],
    ["refused before the size", ACL, r("read", "b", "data/../x", 2 ** 50), DOTS],
    [
      "read-only still comes first",
      policy({ ...ACL, read_only: true }),
      r("write", "b", "data/../x"),
      READ_ONLY,
    ],
    ["a refused bucket still comes first", DENY_BUCKETS, r("read", "vault", "../x"), DENIED_BUCKET],
    ["'.hidden' is a name, not a dot segment", ACL, r("read", "b", "data/.hidden"), "allow"],
    ["'...' is a name, not a dot segment", ACL, r("read", "b", "data/..."), "allow"],
    ["'a..b' is a name", ACL, r("read", "b", "data/a..b"), "allow"],
    ["'..x' is a name", ACL, r("read", "b", "data/..x/y"), "allow"],
    ["an empty segment is fine", ACL, r("read", "b", "data//x"), "allow"],
    [
      "a percent-encoded '..' is three literal characters to S3",
      ACL,
      r("read", "b", "data/%2E%2E/x"),
      "allow",
    ],
    ["a backslash is not a separator", ACL, r("read", "b", "data/..\\x"), "allow"],
    ["a one-dot leader (U+2024) is not a dot", ACL, r("read", "b", "data/\u2024\u2024/x"), "allow"],
    ["a key that ends in '/' is fine", ACL, r("read", "b", "data/x/"), "allow"],
    // Listing prefixes.
    ["a listing prefix with '..'", DENY_ONLY, list("b", "data/../"), DOTS],
    ["a listing prefix ending in '..'", DENY_ONLY, list("b", "data/.."), DOTS],
    ["a listing prefix ending in '.'", DENY_ONLY, list("b", "data/."), DOTS],
    ["a listing prefix with '.'", ACL, list("b", "data/./"), DOTS],
    ["a listing prefix starting with '/'", DENY_ONLY, list("b", "/"), DOTS],
    ["a listing prefix '.hidden'", DENY_ONLY, list("b", "data/.hidden/"), "allow"],
    ["the bucket root", DENY_ONLY, list("b", ""), "allow"],
    // A bucket list alone is enough: with path-style addressing '..' could reach another bucket.
    ["allowed_buckets alone: '../x'", ALLOW_BUCKETS, r("read", "b", "../vault/x"), DOTS],
    ["allowed_buckets alone: '/x'", ALLOW_BUCKETS, r("read", "b", "/x"), DOTS],
    ["denied_buckets alone: 'a/./b'", DENY_BUCKETS, r("write", "b", "a/./b"), DOTS],
    ["denied_buckets alone: a listing prefix", DENY_BUCKETS, list("b", "../"), DOTS],
    // Neither: keys are S3's exact bytes and nothing here depends on how a server reads them.
    ["no ACL, no bucket list: '..' allowed", OFF, r("read", "b", "data/../secrets/x"), "allow"],
    ["no ACL, no bucket list: './x' allowed", OFF, r("write", "b", "./x"), "allow"],
    ["no ACL, no bucket list: '/x' allowed", OFF, r("delete", "b", "/x"), "allow"],
    ["no ACL, no bucket list: a '..' prefix allowed", OFF, list("b", "a/../"), "allow"],
    [
      "prefix_acl off with lists written: lists ignored, so is this rule",
      policy({ ...ACL, prefix_acl: false }),
      r("read", "b", "data/../secrets/x"),
      "allow",
    ],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));

  test("the message names the key and the segment; the hint says why and what to do", () => {
    const d = decide(ACL, r("read", "b", "data/../secrets/x"));
    if (d.allowed) throw new Error("allowed");
    expect(d.message).toBe('key "data/../secrets/x" has a ".." path segment');
    expect(d.hint).toMatch(/resolves them could turn an allowed key into a refused one/);
    expect(d.hint).toMatch(/name the object without them/);
    const slash = decide(DENY_ONLY, list("b", "/x/"));
    if (slash.allowed) throw new Error("allowed");
    expect(slash.message).toBe('prefix "/x/" starts with "/"');
  });

  test("copy: a dot segment in the source is refused as the read it is", () => {
    const d = decideAll(ACL, [r("read", "b", "data/../secrets/x"), r("write", "b", "data/copy")]);
    if (d.allowed) throw new Error("allowed");
    expect(d.code).toBe("InvalidArgument");
    expect(d.touch.access).toBe("read");
    const dest = decideAll(ACL, [r("read", "b", "data/x"), r("write", "b", "data/./copy")]);
    expect(!dest.allowed && dest.touch.access).toBe("write");
  });

  test("listings still show such keys (their names are under data/ to S3): only addressing them is refused", () => {
    expect(keyVisible(ACL, "data/../secrets/x")).toBe(true);
    expect(commonPrefixVisible(ACL, "data/../")).toBe(true);
  });
});

describe("blank prefix entries never mean everything (fail closed)", () => {
  const rows: Row[] = [
    [
      "allowed [''] matches nothing",
      policy({ prefix_acl: true, allowed_prefixes: [""] }),
      r("read", "b", "x"),
      OUTSIDE,
    ],
    [
      "allowed [' '] matches nothing",
      policy({ prefix_acl: true, allowed_prefixes: [" "] }),
      r("read", "b", "x"),
      OUTSIDE,
    ],
    [
      "allowed [' '] does not even match a key starting with a space",
      policy({ prefix_acl: true, allowed_prefixes: [" "] }),
      r("read", "b", " x"),
      OUTSIDE,
    ],
    [
      "allowed ['', data/]: data/ still works",
      policy({ prefix_acl: true, allowed_prefixes: ["", "data/"] }),
      r("read", "b", "data/x"),
      "allow",
    ],
    [
      "allowed ['', data/]: the blank adds nothing",
      policy({ prefix_acl: true, allowed_prefixes: ["", "data/"] }),
      r("read", "b", "other/x"),
      OUTSIDE,
    ],
    [
      "denied [''] denies all",
      policy({ prefix_acl: true, denied_prefixes: [""] }),
      r("read", "b", "x"),
      DENIED_PREFIX,
    ],
    [
      "denied ['\\t'] denies all",
      policy({ prefix_acl: true, denied_prefixes: ["\t"] }),
      r("read", "b", "x"),
      DENIED_PREFIX,
    ],
    [
      "denied [' '] wins over allowed data/",
      policy({ prefix_acl: true, allowed_prefixes: ["data/"], denied_prefixes: [" "] }),
      r("read", "b", "data/x"),
      DENIED_PREFIX,
    ],
    [
      "allowed [' ']: listing the root is refused",
      policy({ prefix_acl: true, allowed_prefixes: [" "] }),
      list("b", ""),
      OUTSIDE,
    ],
    [
      "denied ['']: listing the root is refused",
      policy({ prefix_acl: true, denied_prefixes: [""] }),
      list("b", ""),
      DENIED_PREFIX,
    ],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));

  test("blank entries hide every listing result", () => {
    const blankAllowed = policy({ prefix_acl: true, allowed_prefixes: [" "] });
    const blankDenied = policy({ prefix_acl: true, denied_prefixes: [""] });
    for (const p of [blankAllowed, blankDenied]) {
      expect(keyVisible(p, "x")).toBe(false);
      expect(keyVisible(p, " x")).toBe(false);
      expect(commonPrefixVisible(p, "x/")).toBe(false);
      expect(commonPrefixVisible(p, " /")).toBe(false);
    }
  });
});

describe("listing", () => {
  const rows: Row[] = [
    ["bucket root under allowed [data/] is allowed (results filtered)", ACL, list("b", ""), "allow"],
    ["no prefix at all = root", ACL, list("b"), "allow"],
    ["inside an allowed prefix", ACL, list("b", "data/2024/"), "allow"],
    ["the allowed prefix itself", ACL, list("b", "data/"), "allow"],
    ["a parent string of an allowed prefix", ACL, list("b", "da"), "allow"],
    [
      "a parent of a nested allowed prefix",
      policy({ prefix_acl: true, allowed_prefixes: ["a/b/c/"] }),
      list("b", "a/"),
      "allow",
    ],
    ["outside every allowed prefix", ACL, list("b", "logs/"), OUTSIDE],
    ["data2/ is outside data/", ACL, list("b", "data2/"), OUTSIDE],
    ["a denied prefix", ACL, list("b", "secrets/"), DENIED_PREFIX],
    ["inside a denied prefix", ACL, list("b", "secrets/deep/"), DENIED_PREFIX],
    ["a denied prefix under an allowed one", ACL, list("b", "data/secret/"), DENIED_PREFIX],
    ["inside a denied prefix under an allowed one", ACL, list("b", "data/secret/x"), DENIED_PREFIX],
    ["a parent of a denied prefix is allowed (filtered)", DENY_ONLY, list("b", "secr"), "allow"],
    ["data/secretive is not inside data/secret/", ACL, list("b", "data/secretive"), "allow"],
    ["deny-only: root", DENY_ONLY, list("b", ""), "allow"],
    ["prefix_acl off: anything", policy({ ...ACL, prefix_acl: false }), list("b", "secrets/"), "allow"],
    [
      "a listing takes a prefix, not a key",
      ACL,
      { access: "list", bucket: "b", key: "data/x" },
      { code: "InvalidArgument", names: /prefix, not a key/ },
    ],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));

  test("key filter: only keys a direct read would allow", () => {
    const keys = [
      "data/a.csv",
      "data/",
      "data2/a",
      "Data/a",
      "secrets/x",
      "data/secret/x",
      "reports/r",
      "readme",
      "data/../secrets/x",
    ];
    expect(keys.filter((k) => keyVisible(ACL, k))).toEqual([
      "data/a.csv",
      "data/",
      "reports/r",
      "data/../secrets/x",
    ]);
    expect(keys.filter((k) => keyVisible(DENY_ONLY, k))).toEqual(
      keys.filter((k) => !k.startsWith("secrets/")),
    );
    expect(keys.every((k) => keyVisible(WRITABLE, k))).toBe(true);
  });

  test("common prefix filter: the bucket root under allowed [data/] shows only data/", () => {
    const p = policy({ prefix_acl: true, allowed_prefixes: ["data/"] });
    const folders = ["data/", "data2/", "logs/", "reports/", "Data/", "secrets/"];
    expect(folders.filter((f) => commonPrefixVisible(p, f))).toEqual(["data/"]);
  });

  test("common prefix filter: parents of allowed prefixes show, siblings and denied areas do not", () => {
    const p = policy({
      prefix_acl: true,
      allowed_prefixes: ["data/reports/"],
      denied_prefixes: ["data/reports/hr/"],
    });
    const folders = [
      "data/",
      "data/reports/",
      "data/reports/2024/",
      "data/reports/hr/",
      "data/other/",
      "logs/",
    ];
    expect(folders.filter((f) => commonPrefixVisible(p, f))).toEqual([
      "data/",
      "data/reports/",
      "data/reports/2024/",
    ]);
  });

  test("common prefix filter: deny-only hides denied folders and what is inside them", () => {
    const folders = ["secrets/", "secrets/a/", "internal/", "logs/", "secretsx/"];
    expect(folders.filter((f) => commonPrefixVisible(DENY_ONLY, f))).toEqual(["logs/", "secretsx/"]);
  });

  test("prefix_acl off: nothing is filtered", () => {
    const off = policy({ ...ACL, prefix_acl: false });
    expect(commonPrefixVisible(off, "secrets/")).toBe(true);
    expect(keyVisible(off, "secrets/x")).toBe(true);
  });
});

describe("bucket lists", () => {
  const allowA = policy({ allowed_buckets: ["alpha"] });
  const denyB = policy({ denied_buckets: ["beta"] });
  const both = policy({ allowed_buckets: ["alpha", "beta"], denied_buckets: ["beta"] });
  const rows: Row[] = [
    ["allowed list: listed bucket", allowA, r("read", "alpha", "k"), "allow"],
    ["allowed list: other bucket", allowA, r("read", "gamma", "k"), NOT_ALLOWED_BUCKET],
    ["allowed list: case matters", allowA, r("read", "Alpha", "k"), NOT_ALLOWED_BUCKET],
    ["allowed list: listing another bucket", allowA, list("gamma", ""), NOT_ALLOWED_BUCKET],
    ["denied list: denied bucket", denyB, r("read", "beta", "k"), DENIED_BUCKET],
    ["denied list: listing it", denyB, list("beta", ""), DENIED_BUCKET],
    ["denied list: other bucket", denyB, r("read", "gamma", "k"), "allow"],
    ["deny wins over allow", both, r("read", "beta", "k"), DENIED_BUCKET],
    ["allowed and not denied", both, r("read", "alpha", "k"), "allow"],
    ["listing buckets is never refused by the lists", both, { access: "list" }, "allow"],
    [
      "bucket lists apply with the prefix ACL off",
      policy({ ...denyB, prefix_acl: false }),
      r("read", "beta", "k"),
      DENIED_BUCKET,
    ],
    [
      "bucket lists apply to writes",
      policy({ ...denyB, read_only: false }),
      r("write", "beta", "k"),
      DENIED_BUCKET,
    ],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));

  test("bucketAllowed (used to filter bucket listings)", () => {
    const names = ["alpha", "beta", "gamma"];
    expect(names.filter((b) => bucketAllowed(both, b))).toEqual(["alpha"]);
    expect(names.filter((b) => bucketAllowed(denyB, b))).toEqual(["alpha", "gamma"]);
    expect(names.filter((b) => bucketAllowed(allowA, b))).toEqual(["alpha"]);
    expect(names.filter((b) => bucketAllowed(DEFAULT_POLICY, b))).toEqual(names);
  });
});

describe("size limits", () => {
  const limits = policy({ read_only: false, max_get_size: 10 * MB, max_put_size: 100 * MB });
  const rows: Row[] = [
    ["read larger than max_get_size", limits, r("read", "b", "k", 10 * MB + 1), TOO_LARGE_GET],
    ["read equal to max_get_size", limits, r("read", "b", "k", 10 * MB), "allow"],
    ["read of unknown size (decided again once known)", limits, r("read", "b", "k"), "allow"],
    ["read between the two limits uses the get limit", limits, r("read", "b", "k", 50 * MB), TOO_LARGE_GET],
    ["write between the two limits uses the put limit", limits, r("write", "b", "k", 50 * MB), "allow"],
    ["write larger than max_put_size", limits, r("write", "b", "k", 100 * MB + 1), TOO_LARGE_PUT],
    ["write equal to max_put_size", limits, r("write", "b", "k", 100 * MB), "allow"],
    [
      "size_limits off ignores the get limit",
      policy({ ...limits, size_limits: false }),
      r("read", "b", "k", 2 ** 50),
      "allow",
    ],
    [
      "size_limits off ignores the put limit",
      policy({ ...limits, size_limits: false }),
      r("write", "b", "k", 2 ** 50),
      "allow",
    ],
    ["delete has no size limit", limits, r("delete", "b", "k", 2 ** 50), "allow"],
    ["list has no size limit", limits, { access: "list", bucket: "b", prefix: "", size: 2 ** 50 }, "allow"],
    ["a zero limit allows an empty read", policy({ max_get_size: 0 }), r("read", "b", "k", 0), "allow"],
    ["a zero limit refuses one byte", policy({ max_get_size: 0 }), r("read", "b", "k", 1), TOO_LARGE_GET],
    [
      "prefix refusal comes before the size",
      policy({ ...ACL }),
      r("read", "b", "secrets/x", 2 ** 50),
      DENIED_PREFIX,
    ],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));

  test("the message gives the size and the limit in bytes", () => {
    const d = decide(limits, r("read", "b", "k", 10 * MB + 1));
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.message).toContain(String(10 * MB + 1));
      expect(d.message).toContain(String(10 * MB));
    }
  });
});

describe("missing bucket or key is refused (deny by default)", () => {
  const rows: Row[] = [
    ["read without bucket", WRITABLE, r("read", undefined, "k"), MISSING_BUCKET],
    ["read with an empty bucket", WRITABLE, r("read", "", "k"), MISSING_BUCKET],
    ["list of a prefix without bucket", WRITABLE, list(undefined, "x/"), MISSING_BUCKET],
    ["list with an empty bucket", WRITABLE, list("", ""), MISSING_BUCKET],
    // Path-style addressing: "/../other/key" would reach bucket "other", past the bucket lists.
    [
      "read from bucket '..' (path traversal to another bucket)",
      WRITABLE,
      r("read", "..", "other/secret"),
      BAD_BUCKET,
    ],
    ["list of bucket '..'", WRITABLE, list("..", ""), BAD_BUCKET],
    ["read from a bucket name with a slash", WRITABLE, r("read", "a/b", "k"), BAD_BUCKET],
    ["write to bucket '.'", WRITABLE, r("write", ".", "k"), BAD_BUCKET],
    ["write without bucket", WRITABLE, r("write", undefined, "k"), MISSING_BUCKET],
    ["delete without bucket", WRITABLE, r("delete", undefined, "k"), MISSING_BUCKET],
    ["read without key", WRITABLE, r("read", "b"), MISSING_KEY],
    ["read with an empty key", WRITABLE, r("read", "b", ""), MISSING_KEY],
    ["write without key", WRITABLE, r("write", "b"), MISSING_KEY],
    ["delete without key", WRITABLE, r("delete", "b"), MISSING_KEY],
    ["read without key, prefix ACL off", DEFAULT_POLICY, r("read", "b"), MISSING_KEY],
    ["read with an empty key under deny-only", DENY_ONLY, r("read", "b", ""), MISSING_KEY],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));
});

describe("decideAll: an operation passes only if every touch passes (copy = read src + write dest)", () => {
  const copy = (src: string, dest: string, srcBucket = "b", destBucket = "b"): Touch[] => [
    r("read", srcBucket, src),
    r("write", destBucket, dest),
  ];
  test("both ends fine", () => {
    expect(decideAll(ACL, copy("data/a", "data/b"))).toEqual({ allowed: true });
  });
  test("bad source", () => {
    const d = decideAll(ACL, copy("secrets/a", "data/b"));
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.code).toBe("PrefixDenied");
      expect(d.touch.key).toBe("secrets/a");
      expect(d.touch.access).toBe("read");
    }
  });
  test("bad destination", () => {
    const d = decideAll(ACL, copy("data/a", "logs/b"));
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.code).toBe("PrefixDenied");
      expect(d.message).toMatch(/outside every allowed prefix/);
      expect(d.touch.key).toBe("logs/b");
      expect(d.touch.access).toBe("write");
    }
  });
  test("copy out of an allowed area into a denied one", () => {
    const d = decideAll(ACL, copy("data/a", "data/secret/b"));
    expect(!d.allowed && d.code).toBe("PrefixDenied");
  });
  test("copy in read-only mode is refused even when both keys are fine", () => {
    const d = decideAll(DEFAULT_POLICY, copy("a", "b"));
    expect(!d.allowed && d.code).toBe("ReadOnlyMode");
  });
  test("copy into a denied bucket", () => {
    const d = decideAll(
      policy({ read_only: false, denied_buckets: ["vault"] }),
      copy("a", "b", "open", "vault"),
    );
    expect(!d.allowed && d.code).toBe("BucketDenied");
  });
  test("copy out of a denied bucket", () => {
    const d = decideAll(
      policy({ read_only: false, denied_buckets: ["vault"] }),
      copy("a", "b", "vault", "open"),
    );
    expect(!d.allowed && d.code).toBe("BucketDenied");
  });
  test("the first refusal wins", () => {
    const d = decideAll(ACL, [r("read", "b", "secrets/a"), r("write", "b", "logs/b")]);
    expect(!d.allowed && d.touch.key).toBe("secrets/a");
  });
  test("no touches: allowed (an operation that touches nothing, e.g. list connections)", () => {
    expect(decideAll(DEFAULT_POLICY, [])).toEqual({ allowed: true });
  });
});

describe("properties (fast-check)", () => {
  // Small alphabets make prefixes, case differences and '..' collide often.
  const segment = fc.constantFrom(
    "a",
    "A",
    "b",
    "..",
    ".",
    "",
    " ",
    "data",
    "Data",
    "caf\u00e9",
    "cafe\u0301",
  );
  const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
  const prefix = fc.oneof(
    key,
    key.map((k) => `${k}/`),
  );
  const prefixes = fc.array(prefix, { maxLength: 3 });

  test("a read is allowed exactly when: no denied prefix matches, and some allowed prefix does (if any)", () => {
    fc.assert(
      fc.property(prefixes, prefixes, key, (allowed, denied, k) => {
        const p = policy({ prefix_acl: true, allowed_prefixes: allowed, denied_prefixes: denied });
        const isDenied = denied.some((d) => d.trim() === "" || k.startsWith(d));
        const isAllowed = allowed.length === 0 || allowed.some((a) => a.trim() !== "" && k.startsWith(a));
        const byAcl = k !== "" && !isDenied && isAllowed;
        expect(decide(p, r("read", "b", k)).allowed).toBe(byAcl && !hasDotSegment(k));
        // Listings never show a key the ACL refuses, and show every key it allows (a key with dot
        // segments is listed but cannot be addressed).
        if (k !== "") expect(keyVisible(p, k)).toBe(byAcl);
      }),
      { numRuns: 2000 },
    );
  });

  test("a listing allowed inside a denied prefix never happens; a refused one never shows results", () => {
    fc.assert(
      fc.property(prefixes, prefixes, prefix, (allowed, denied, pre) => {
        const p = policy({ prefix_acl: true, allowed_prefixes: allowed, denied_prefixes: denied });
        const d = decide(p, list("b", pre));
        if (denied.some((x) => x.trim() !== "" && pre.startsWith(x))) expect(d.allowed).toBe(false);
        if (commonPrefixVisible(p, pre) && !hasDotSegment(pre)) expect(d.allowed).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test("with an ACL or a bucket list on, any key or prefix with a dot segment is InvalidArgument", () => {
    fc.assert(
      fc.property(
        prefixes,
        prefixes,
        key,
        fc.constantFrom<Access>("read", "write", "delete", "list"),
        fc.constantFrom("acl", "allowed_buckets", "denied_buckets", "none"),
        (a, d, k, access, mode) => {
          const p = policy({
            read_only: false,
            prefix_acl: mode === "acl",
            allowed_prefixes: a,
            denied_prefixes: d,
            allowed_buckets: mode === "allowed_buckets" ? ["b"] : [],
            denied_buckets: mode === "denied_buckets" ? ["other"] : [],
          });
          const touch: Touch = access === "list" ? list("b", k) : r(access, "b", k);
          const dec = decide(p, touch);
          if (mode !== "none" && hasDotSegment(k)) expect(!dec.allowed && dec.code).toBe("InvalidArgument");
          if (mode === "none" && k !== "") expect(dec.allowed).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("read-only refuses every write and delete whatever else the policy says", () => {
    fc.assert(
      fc.property(
        prefixes,
        prefixes,
        key,
        fc.constantFrom<Access>("write", "delete"),
        fc.boolean(),
        (a, d, k, access, acl) => {
          const p = policy({ read_only: true, prefix_acl: acl, allowed_prefixes: a, denied_prefixes: d });
          const dec = decide(p, r(access, "b", k));
          expect(!dec.allowed && dec.code).toBe("ReadOnlyMode");
        },
      ),
    );
  });
});

describe("the bucket itself (mb / rb): a wholeBucket write or delete", () => {
  const bucketTouch = (access: Access, bucket: string | undefined, extra: Partial<Touch> = {}): Touch => ({
    access,
    bucket,
    wholeBucket: true,
    ...extra,
  });
  const NOT_A_BUCKET_TOUCH: Expect = { code: "InvalidArgument", names: /touches the bucket itself/ };
  const ACL_LIMITS: Expect = { code: "PrefixDenied", names: /refused while the prefix ACL limits/ };
  const rows: Row[] = [
    ["read-only refuses creating", DEFAULT_POLICY, bucketTouch("write", "b"), READ_ONLY],
    ["read-only refuses removing", DEFAULT_POLICY, bucketTouch("delete", "b"), READ_ONLY],
    ["writable: create allowed (no key needed)", WRITABLE, bucketTouch("write", "b"), "allow"],
    ["writable: remove allowed", WRITABLE, bucketTouch("delete", "b"), "allow"],
    [
      "denied bucket",
      policy({ read_only: false, denied_buckets: ["b"] }),
      bucketTouch("write", "b"),
      DENIED_BUCKET,
    ],
    [
      "not in the allowed bucket list",
      policy({ read_only: false, allowed_buckets: ["other"] }),
      bucketTouch("delete", "b"),
      NOT_ALLOWED_BUCKET,
    ],
    ["invalid bucket name", WRITABLE, bucketTouch("write", "../x"), BAD_BUCKET],
    ["no bucket", WRITABLE, bucketTouch("write", undefined), MISSING_BUCKET],
    ["empty bucket name", WRITABLE, bucketTouch("delete", ""), MISSING_BUCKET],
    ["the prefix ACL with lists refuses creating", ACL, bucketTouch("write", "b"), ACL_LIMITS],
    ["a deny list alone refuses removing", DENY_ONLY, bucketTouch("delete", "b"), ACL_LIMITS],
    [
      "the prefix ACL on but with no lists limits nothing",
      policy({ read_only: false, prefix_acl: true }),
      bucketTouch("delete", "b"),
      "allow",
    ],
    ["a read of the bucket itself is not a thing", WRITABLE, bucketTouch("read", "b"), NOT_A_BUCKET_TOUCH],
    ["a list of the bucket itself is not a thing", WRITABLE, bucketTouch("list", "b"), NOT_A_BUCKET_TOUCH],
    [
      "with a key it is not the bucket itself",
      WRITABLE,
      bucketTouch("delete", "b", { key: "k" }),
      NOT_A_BUCKET_TOUCH,
    ],
    ["with a prefix neither", WRITABLE, bucketTouch("write", "b", { prefix: "" }), NOT_A_BUCKET_TOUCH],
    ["without the flag a keyless delete still needs a key", WRITABLE, r("delete", "b"), MISSING_KEY],
  ];
  test.each(rows)("%s", (_n, p, t, e) => check(p, t, e));
});
