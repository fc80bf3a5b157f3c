// Property tests of the policy gate (src/policy/decide.ts) against SPEC §3, over random prefix lists
// and keys: empty and blank strings, whitespace, unicode, `..`, `//`, very long keys, and prefixes
// that are prefixes of each other. Seeded and bounded, so every run checks the same cases.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Policy } from "../../src/config/schema.ts";
import {
  type Access,
  commonPrefixVisible,
  decide,
  decideAll,
  keyVisible,
  type Touch,
} from "../../src/policy/decide.ts";
import {
  bucketArb,
  insideAllowed,
  insideDenied,
  keyArb,
  keyNear,
  policyArb,
  SEED,
  specBucketAllowed,
  specDotRefused,
  specFolderVisible,
  specKeyAllowed,
} from "./arbitraries.ts";

const RUNS = 3000;
const opts = { seed: SEED, numRuns: RUNS };
const accessArb = fc.constantFrom<Access>("read", "write", "delete");

/** A policy plus a key that is likely to sit near its prefixes. */
const policyAndKey = policyArb.chain((p) => fc.tuple(fc.constant(p), keyNear(p)));

function touch(access: Access, bucket: string, key: string, size?: number): Touch {
  return size === undefined ? { access, bucket, key } : { access, bucket, key, size };
}

describe("policy gate: single keys", () => {
  test("never allows a key inside a denied prefix, or outside every allowed prefix (prefix_acl on)", () => {
    fc.assert(
      fc.property(policyAndKey, accessArb, bucketArb, ([policy, key], access, bucket) => {
        const on: Policy = { ...policy, prefix_acl: true, read_only: false };
        const d = decide(on, touch(access, bucket, key));
        if (insideDenied(on, key)) expect(d.allowed).toBe(false);
        if (on.allowed_prefixes.length > 0 && !insideAllowed(on, key)) expect(d.allowed).toBe(false);
      }),
      opts,
    );
  });

  test("decides exactly as the spec: read-only, bucket lists, empty key, prefix ACL, size", () => {
    fc.assert(
      fc.property(
        policyAndKey,
        accessArb,
        bucketArb,
        fc.option(fc.integer({ min: 0, max: 2000 })),
        ([policy, key], access, bucket, size) => {
          const d = decide(policy, touch(access, bucket, key, size ?? undefined));
          let expected: string | undefined;
          if ((access === "write" || access === "delete") && policy.read_only) expected = "ReadOnlyMode";
          else if (bucket === "") expected = "InvalidArgument";
          else if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(bucket)) expected = "InvalidBucketName";
          else if (!specBucketAllowed(policy, bucket)) expected = "BucketDenied";
          else if (key === "") expected = "InvalidArgument";
          else if (specDotRefused(policy, key)) expected = "InvalidArgument";
          else if (!specKeyAllowed(policy, key)) expected = "PrefixDenied";
          else if (
            policy.size_limits &&
            size !== null &&
            ((access === "read" && size > policy.max_get_size) ||
              (access === "write" && size > policy.max_put_size))
          )
            expected = "EntityTooLarge";
          if (expected === undefined) expect(d).toEqual({ allowed: true });
          else {
            expect(d.allowed).toBe(false);
            if (!d.allowed) {
              expect(d.code).toBe(expected as typeof d.code);
              expect(d.message.length).toBeGreaterThan(0);
            }
          }
        },
      ),
      opts,
    );
  });

  test("keys are exact strings: a case variant or a normalised form of an allowed key is not let in", () => {
    fc.assert(
      fc.property(policyAndKey, ([policy, key]) => {
        const on: Policy = { ...policy, prefix_acl: true, read_only: false };
        for (const variant of [key.toUpperCase(), key.normalize("NFC"), key.normalize("NFD"), key.trim()]) {
          if (variant === key) continue;
          const d = decide(on, touch("read", "alpha", variant));
          // A variant is judged on its own bytes, never on the key it resembles.
          expect(d.allowed).toBe(
            variant !== "" &&
              specKeyAllowed(on, variant) &&
              specBucketAllowed(on, "alpha") &&
              !specDotRefused(on, variant),
          );
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("with prefix_acl off, prefixes never refuse anything", () => {
    fc.assert(
      fc.property(policyAndKey, ([policy, key]) => {
        const off: Policy = { ...policy, prefix_acl: false };
        const d = decide(off, touch("read", "alpha", key));
        if (!d.allowed) expect(d.code).not.toBe("PrefixDenied");
        expect(keyVisible(off, key)).toBe(true);
        expect(commonPrefixVisible(off, key)).toBe(true);
      }),
      opts,
    );
  });
});

describe("policy gate: operations touching several things", () => {
  test("copy passes only when both ends pass; a refusal names one of the ends", () => {
    fc.assert(
      fc.property(
        policyArb.chain((p) => fc.tuple(fc.constant(p), keyNear(p), keyNear(p), bucketArb, bucketArb)),
        ([policy, srcKey, dstKey, srcBucket, dstBucket]) => {
          const src = touch("read", srcBucket, srcKey);
          const dst = touch("write", dstBucket, dstKey);
          const both = decideAll(policy, [src, dst]);
          const a = decide(policy, src);
          const b = decide(policy, dst);
          expect(both.allowed).toBe(a.allowed && b.allowed);
          if (!both.allowed) expect([src, dst]).toContain(both.touch);
          // Order never changes whether an operation passes.
          expect(decideAll(policy, [dst, src]).allowed).toBe(both.allowed);
        },
      ),
      opts,
    );
  });

  test("any refused touch refuses the whole operation", () => {
    fc.assert(
      fc.property(
        policyArb.chain((p) =>
          fc.tuple(
            fc.constant(p),
            fc.array(fc.tuple(accessArb, bucketArb, keyNear(p)), { minLength: 1, maxLength: 5 }),
          ),
        ),
        ([policy, parts]) => {
          const touches = parts.map(([access, bucket, key]) => touch(access, bucket, key));
          const all = decideAll(policy, touches);
          expect(all.allowed).toBe(touches.every((t) => decide(policy, t).allowed));
        },
      ),
      opts,
    );
  });
});

describe("policy gate: listings", () => {
  test("a listing inside a denied prefix is refused; outside every allowed area too", () => {
    fc.assert(
      fc.property(policyAndKey, bucketArb, ([policy, prefix], bucket) => {
        const on: Policy = { ...policy, prefix_acl: true };
        const d = decide(on, { access: "list", bucket, prefix });
        if (insideDenied(on, prefix)) expect(d.allowed).toBe(false);
        if (d.allowed) expect(specFolderVisible(on, prefix) || prefix === "").toBe(true);
        if (!specBucketAllowed(on, bucket)) expect(d.allowed).toBe(false);
      }),
      opts,
    );
  });

  test("listing filters never show a refused key, and never hide an allowed one", () => {
    fc.assert(
      fc.property(policyAndKey, ([policy, key]) => {
        expect(keyVisible(policy, key)).toBe(specKeyAllowed(policy, key));
      }),
      opts,
    );
  });

  test("a folder is shown only when it is not denied and leads to an allowed area", () => {
    fc.assert(
      fc.property(policyAndKey, ([policy, folder]) => {
        expect(commonPrefixVisible(policy, folder)).toBe(specFolderVisible(policy, folder));
      }),
      opts,
    );
  });

  test("a hidden folder never hides a key that would be visible", () => {
    fc.assert(
      fc.property(
        policyArb.chain((p) => fc.tuple(fc.constant(p), keyNear(p), keyArb)),
        ([policy, folder, rest]) => {
          if (!commonPrefixVisible(policy, folder)) expect(keyVisible(policy, folder + rest)).toBe(false);
        },
      ),
      opts,
    );
  });
});

test("blank prefix entries fail closed (the second line of defence behind config loading)", () => {
  const base: Policy = {
    ...(fc.sample(policyArb, { seed: SEED, numRuns: 1 })[0] as Policy),
    prefix_acl: true,
    read_only: false,
    allowed_buckets: [],
    denied_buckets: [],
  };
  for (const blankEntry of ["", " ", "\t"]) {
    const deniedAll: Policy = { ...base, denied_prefixes: [blankEntry], allowed_prefixes: [] };
    expect(decide(deniedAll, touch("read", "alpha", "data/x")).allowed).toBe(false);
    expect(decide(deniedAll, { access: "list", bucket: "alpha", prefix: "" }).allowed).toBe(false);
    const allowedBlank: Policy = { ...base, denied_prefixes: [], allowed_prefixes: [blankEntry] };
    expect(decide(allowedBlank, touch("read", "alpha", "data/x")).allowed).toBe(false);
    expect(keyVisible(allowedBlank, "anything")).toBe(false);
  }
});
