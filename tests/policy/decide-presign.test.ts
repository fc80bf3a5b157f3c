// The presign setting (SPEC §3 Presign) in the gate: one row per (setting, method, other rules),
// adversarial rows included. A URL the setting excludes is PresignDisabled with a hint for the
// administrator; other rules still refuse what they refuse.
import { describe, expect, test } from "bun:test";
import { DEFAULT_POLICY, type Policy, type PresignMode } from "../../src/config/schema.ts";
import { decide, decideAll, type Touch } from "../../src/policy/decide.ts";

function policy(overrides: Partial<Policy> = {}): Policy {
  return Object.freeze({ ...DEFAULT_POLICY, ...overrides });
}

const url = (method: "GET" | "PUT", key = "data/report.csv", bucket = "b"): Touch => ({
  access: method === "GET" ? "read" : "write",
  bucket,
  key,
  presign: method,
});

type Expected =
  | "allow"
  | "PresignDisabled"
  | "ReadOnlyMode"
  | "PrefixDenied"
  | "BucketDenied"
  | "InvalidArgument";

const writable = (presign: PresignMode, more: Partial<Policy> = {}) =>
  policy({ read_only: false, presign, ...more });

const rows: [string, Policy, Touch, Expected][] = [
  ["default (get_put, read-only): GET allowed", DEFAULT_POLICY, url("GET"), "allow"],
  ["default (get_put, read-only): PUT is a write, ReadOnlyMode", DEFAULT_POLICY, url("PUT"), "ReadOnlyMode"],
  ["get_put, writable: GET allowed", writable("get_put"), url("GET"), "allow"],
  ["get_put, writable: PUT allowed", writable("get_put"), url("PUT"), "allow"],
  ["get, writable: GET allowed", writable("get"), url("GET"), "allow"],
  ["get, writable: PUT refused", writable("get"), url("PUT"), "PresignDisabled"],
  [
    "get, read-only: PUT refused by the presign setting first",
    policy({ presign: "get" }),
    url("PUT"),
    "PresignDisabled",
  ],
  ["off, writable: GET refused", writable("off"), url("GET"), "PresignDisabled"],
  ["off, writable: PUT refused", writable("off"), url("PUT"), "PresignDisabled"],
  ["off, read-only: GET refused", policy({ presign: "off" }), url("GET"), "PresignDisabled"],
  ["off does not touch plain reads", writable("off"), { access: "read", bucket: "b", key: "k" }, "allow"],
  ["off does not touch plain writes", writable("off"), { access: "write", bucket: "b", key: "k" }, "allow"],
  ["get does not touch plain writes", writable("get"), { access: "write", bucket: "b", key: "k" }, "allow"],
  [
    "get_put: a GET under a denied prefix is still PrefixDenied",
    writable("get_put", { prefix_acl: true, denied_prefixes: ["secrets/"] }),
    url("GET", "secrets/key.pem"),
    "PrefixDenied",
  ],
  [
    "get_put: a PUT into a denied bucket is still BucketDenied",
    writable("get_put", { denied_buckets: ["vault"] }),
    url("PUT", "x", "vault"),
    "BucketDenied",
  ],
  [
    "adversarial: a presigned GET declared as a write is malformed",
    writable("get_put"),
    { access: "write", bucket: "b", key: "k", presign: "GET" },
    "InvalidArgument",
  ],
  [
    "adversarial: a presigned PUT declared as a read is malformed (never a read that slips past read-only)",
    policy({ presign: "get_put" }),
    { access: "read", bucket: "b", key: "k", presign: "PUT" },
    "InvalidArgument",
  ],
  [
    "adversarial: a presigned URL declared as a delete is malformed",
    writable("get_put"),
    { access: "delete", bucket: "b", key: "k", presign: "PUT" },
    "InvalidArgument",
  ],
  [
    "adversarial: an unknown setting (not from the loader) fails closed",
    policy({ read_only: false, presign: "everything" as PresignMode }),
    url("GET"),
    "PresignDisabled",
  ],
];

describe("presign setting", () => {
  test.each(rows)("%s", (_name, p, touch, expected) => {
    const d = decide(p, touch);
    if (expected === "allow") {
      expect(d).toEqual({ allowed: true });
      return;
    }
    if (d.allowed) throw new Error(`expected ${expected}, but ${JSON.stringify(touch)} was allowed`);
    expect(d.code).toBe(expected);
    if (d.code === "PresignDisabled") {
      // Says which setting refused, and speaks to the administrator who can change it.
      expect(d.message).toMatch(/presign is set to (off|get)/);
      expect(d.hint).toMatch(/administrator/);
      expect(d.hint).toContain("MCP_S3_PRESIGN");
    }
  });

  test("the hint names the setting that would allow the URL", () => {
    const off = decide(writable("off"), url("GET"));
    const get = decide(writable("get"), url("PUT"));
    if (off.allowed || get.allowed) throw new Error("expected refusals");
    expect(off.hint).toContain("get or get_put");
    expect(get.hint).toContain("to get_put");
    expect(get.hint).not.toContain("get or get_put");
  });

  test("decideAll refuses an operation whose presign touch is excluded", () => {
    expect(decideAll(writable("get"), [url("GET"), url("PUT")])).toMatchObject({
      allowed: false,
      code: "PresignDisabled",
    });
  });
});
