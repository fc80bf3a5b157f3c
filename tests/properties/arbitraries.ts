// Shared fast-check generators for keys, prefixes and policies, plus the specification of the prefix
// ACL written out independently of src/policy/decide.ts (SPEC §3), so the properties compare the gate
// against the spec rather than against itself.
import fc from "fast-check";
import { DEFAULT_POLICY, type Policy } from "../../src/config/schema.ts";

/** Every property runs with this seed: failures reproduce, CI is deterministic. */
export const SEED = 0x5eed_c0de;

/** Key fragments chosen to collide: prefixes of each other, case variants, `..`, `//`, blanks, unicode. */
const SEGMENTS = [
  "data/",
  "data",
  "dat",
  "Data/",
  "DATA/",
  "data/secrets/",
  "secrets/",
  "secret",
  "reports/",
  "_private/",
  "internal/",
  "/",
  "//",
  "..",
  "../",
  "./",
  ".",
  " ",
  "  ",
  "\t",
  "\n",
  "é",
  "e\u0301",
  "数据/",
  "🙂",
  "%2F",
  "\\",
  "\u0000",
  "a",
  "ab",
  "x",
] as const;

const segmentKey = fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 6 }).map((a) => a.join(""));

/** Any key S3 could hold, and some it couldn't (empty, very long, control characters). */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: segmentKey },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(segmentKey, fc.integer({ min: 900, max: 1100 }))
      .map(([k, n]) => `${k}${"k".repeat(n)}`),
  },
);

/** Prefix entries, including the blank ones that config loading rejects (the gate must fail closed). */
export const prefixArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: keyArb },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\t", "  ") },
);

export const prefixListArb = fc.array(prefixArb, { maxLength: 4 });

export const bucketArb = fc.constantFrom("alpha", "beta", "gamma", "Alpha", "alpha ", "", "..", "a/b");

export const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    read_only: fc.boolean(),
    size_limits: fc.boolean(),
    max_get_size: fc.integer({ min: 0, max: 1000 }),
    max_put_size: fc.integer({ min: 0, max: 1000 }),
    prefix_acl: fc.boolean(),
    allowed_prefixes: prefixListArb,
    denied_prefixes: prefixListArb,
    allowed_buckets: fc.array(bucketArb, { maxLength: 2 }),
    denied_buckets: fc.array(bucketArb, { maxLength: 2 }),
  })
  .map((p) => Object.freeze({ ...DEFAULT_POLICY, ...p }));

/** Keys that often start with one of the policy's own prefixes, so the interesting cases are hit. */
export function keyNear(policy: Policy): fc.Arbitrary<string> {
  const pool = [...policy.allowed_prefixes, ...policy.denied_prefixes];
  if (pool.length === 0) return keyArb;
  return fc.oneof(
    keyArb,
    fc.tuple(fc.constantFrom(...pool), keyArb).map(([p, k]) => p + k),
    fc.tuple(fc.constantFrom(...pool), fc.nat()).map(([p, n]) => p.slice(0, n % (p.length + 1))),
  );
}

// ---- The specification (SPEC §3), written independently of the implementation --------------

const blank = (p: string) => p.trim() === "";

/** "denied prefixes are checked first, deny wins" — a blank denied entry fails closed (denies all). */
export function insideDenied(policy: Policy, key: string): boolean {
  return policy.denied_prefixes.some((d) => blank(d) || key.startsWith(d));
}

/** "the key must start with one of them" — a blank allowed entry grants nothing. */
export function insideAllowed(policy: Policy, key: string): boolean {
  return policy.allowed_prefixes.some((a) => !blank(a) && key.startsWith(a));
}

export function specKeyAllowed(policy: Policy, key: string): boolean {
  if (!policy.prefix_acl) return true;
  if (insideDenied(policy, key)) return false;
  return policy.allowed_prefixes.length === 0 || insideAllowed(policy, key);
}

/** A bucket is required: the empty name is refused before it reaches S3 (or the SDK). */
export function specBucketAllowed(policy: Policy, bucket: string): boolean {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(bucket)) return false;
  if (policy.denied_buckets.includes(bucket)) return false;
  return policy.allowed_buckets.length === 0 || policy.allowed_buckets.includes(bucket);
}

/** A folder may be shown when it is not denied and leads to (or lies in) an allowed area. */
export function specFolderVisible(policy: Policy, prefix: string): boolean {
  if (!policy.prefix_acl) return true;
  if (insideDenied(policy, prefix)) return false;
  return (
    policy.allowed_prefixes.length === 0 ||
    insideAllowed(policy, prefix) ||
    policy.allowed_prefixes.some((a) => !blank(a) && a.startsWith(prefix))
  );
}

/**
 * "while a prefix ACL or a bucket list is active, a key or listing prefix that has a `.` or `..`
 * segment, or starts with `/`, is refused with `InvalidArgument`".
 */
export function specDotRefused(policy: Policy, keyOrPrefix: string): boolean {
  const active = policy.prefix_acl || policy.allowed_buckets.length > 0 || policy.denied_buckets.length > 0;
  if (!active) return false;
  return keyOrPrefix.startsWith("/") || keyOrPrefix.split("/").some((s) => s === "." || s === "..");
}
