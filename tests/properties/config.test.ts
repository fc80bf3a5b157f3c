// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references in YAML values under test, not templates
// Property tests of loadConfig (SPEC §2): for random environment strings and random YAML files, it
// either returns a valid configuration or throws ConfigError listing the problems, never another
// exception, and never falls back silently: a variable that is set and invalid always produces a
// problem naming it, and a valid value always takes effect.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { type Env, loadConfig } from "../../src/config/load.ts";
import { type Config, ConfigSchema } from "../../src/config/schema.ts";
import { ConfigError } from "../../src/errors.ts";
import { SEED } from "./arbitraries.ts";

setDefaultTimeout(60_000);

const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-config-props-"));
const EMPTY = join(TMP, "empty");
mkdirSync(EMPTY);
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const BASE: Env = { HOME: EMPTY, XDG_CONFIG_HOME: EMPTY };

type Outcome = { ok: true; config: Config } | { ok: false; problems: readonly string[] };

/** loadConfig, asserting it ends in exactly one of the two allowed ways. */
function load(env: Env, flags?: Parameters<typeof loadConfig>[0]["flags"]): Outcome {
  try {
    const config = loadConfig(flags === undefined ? { env } : { env, flags });
    const checked = ConfigSchema.safeParse(config);
    if (!checked.success) throw new Error(`loadConfig returned an invalid config: ${checked.error.message}`);
    return { ok: true, config };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    expect(e.code).toBe("InvalidConfig");
    return { ok: false, problems: e.problems };
  }
}

const names = (o: Outcome) => (o.ok ? [] : o.problems);
const mentions = (o: Outcome, variable: string) => names(o).some((p) => p.includes(variable));

// ---- Value generators: valid forms with their meaning, and junk --------------------------------

const junk = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom(" ", "\t", "\n", "-1", "1.5", "1e3", "NaN", "Infinity", "null", "undefined", "[]", "{}"),
  fc.constantFrom("true false", "yes!", "ON ", "0x10", "10 MB extra", "1,000", "１０", "٣"),
);

const BOOL_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
  on: true,
  off: false,
};
/** SPEC: true/false/1/0/yes/no/on/off, any case; anything else is an error. */
function specBool(v: string): boolean | undefined {
  return BOOL_WORDS[v.trim().toLowerCase()];
}
const boolValue = fc.oneof(
  fc
    .tuple(fc.constantFrom(...Object.keys(BOOL_WORDS)), fc.boolean(), fc.constantFrom("", " "))
    .map(([w, upper, pad]) => `${pad}${upper ? w.toUpperCase() : w}${pad}`),
  junk,
);

const UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KiB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
  TiB: 1024 ** 4,
};
/** SPEC sizes: integer + optional unit (any case), powers of 1024; negative, fractional, overflow are errors. */
const sizeValue: fc.Arbitrary<{ text: string; bytes: number | undefined }> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 4096 }), fc.constantFrom(...Object.keys(UNITS)), fc.boolean())
    .map(([n, u, lower]) => ({
      text: `${n}${lower ? u.toLowerCase() : u}`,
      bytes: n * (UNITS[u] as number),
    })),
  fc.constantFrom("-1", "1.5MB", "10XB", "1e3", "99999999999999TB", "MB", "0x10", "10 M B").map((text) => ({
    text,
    bytes: undefined,
  })),
  // Junk without digits can never be a size.
  junk.filter((t) => !/\d/.test(t)).map((text) => ({ text, bytes: undefined })),
);

/** SPEC durations: `30s`, `2m`, `500ms`; zero, negative and junk are errors. */
const durationValue: fc.Arbitrary<{ text: string; ms: number | undefined }> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1, max: 600 }),
      fc.constantFrom(["ms", 1], ["s", 1000], ["m", 60_000], ["h", 3_600_000]),
    )
    .map(([n, [u, f]]) => ({ text: `${n}${u}`, ms: n * (f as number) })),
  fc.constantFrom("0", "0s", "-1s", "1.5s", "s", "5 parsecs", "1y").map((text) => ({ text, ms: undefined })),
  junk.filter((t) => !/\d/.test(t)).map((text) => ({ text, ms: undefined })),
);

const BOOL_VARS = [
  "MCP_S3_EXT_READONLY",
  "MCP_S3_EXT_SIZELIMIT",
  "MCP_S3_EXT_PREFIXACL",
  "MCP_S3_EXT_AUDIT",
  "MCP_S3_EXT_LOGGING",
  "S3_USE_PATH_STYLE",
] as const;

describe("environment", () => {
  test("random values for every variable: a valid config or a ConfigError, never anything else", () => {
    const anyValue = fc.oneof(
      junk,
      boolValue,
      sizeValue.map((s) => s.text),
      durationValue.map((d) => d.text),
    );
    const vars = [
      ...BOOL_VARS,
      "MCP_S3_EXT_PREFIX_ACL",
      "MCP_S3_MAX_GET_SIZE",
      "MCP_S3_MAX_PUT_SIZE",
      "S3_TIMEOUT",
      "MCP_S3_PRESIGN_MAX_EXPIRY",
      "MCP_S3_ALLOWED_PREFIXES",
      "MCP_S3_DENIED_PREFIXES",
      "MCP_S3_ALLOWED_BUCKETS",
      "MCP_S3_DENIED_BUCKETS",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
      "S3_ENDPOINT",
      "AWS_ENDPOINT_URL_S3",
      "AWS_ENDPOINT_URL",
      "S3_CONNECTION_NAME",
      "S3_ADDITIONAL_CONNECTIONS",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_PROFILE",
      "MCP_S3_AUDIT_FILE",
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...vars), anyValue, { maxKeys: 8 }), (extra) => {
        load({ ...BASE, ...extra });
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test("booleans: set and invalid is a problem naming the variable; valid takes effect", () => {
    fc.assert(
      fc.property(fc.constantFrom(...BOOL_VARS), boolValue, (variable, value) => {
        const out = load({ ...BASE, [variable]: value });
        const meant = specBool(value);
        if (value === "") return; // empty counts as unset (MCP client configs write "" for "not set")
        if (meant === undefined) {
          expect(out.ok).toBe(false);
          expect(mentions(out, variable)).toBe(true);
          return;
        }
        expect(out.ok).toBe(true);
        if (!out.ok) return;
        const c = out.config;
        const conn = c.connections[c.default_connection];
        const actual = {
          MCP_S3_EXT_READONLY: conn?.policy.read_only,
          MCP_S3_EXT_SIZELIMIT: conn?.policy.size_limits,
          MCP_S3_EXT_PREFIXACL: conn?.policy.prefix_acl,
          MCP_S3_EXT_AUDIT: c.audit.enabled,
          MCP_S3_EXT_LOGGING: c.logging,
          S3_USE_PATH_STYLE: conn?.path_style,
        }[variable];
        expect(actual).toBe(meant);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test("sizes: invalid is a problem naming the variable; valid is exactly the bytes written", () => {
    fc.assert(
      fc.property(fc.constantFrom("MCP_S3_MAX_GET_SIZE", "MCP_S3_MAX_PUT_SIZE"), sizeValue, (variable, v) => {
        if (v.text === "") return;
        const out = load({ ...BASE, [variable]: v.text });
        if (v.bytes === undefined) {
          expect(out.ok).toBe(false);
          expect(mentions(out, variable)).toBe(true);
          return;
        }
        expect(out.ok).toBe(true);
        if (!out.ok) return;
        const p = out.config.connections[out.config.default_connection]?.policy;
        expect(variable === "MCP_S3_MAX_GET_SIZE" ? p?.max_get_size : p?.max_put_size).toBe(v.bytes);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test("S3_TIMEOUT: invalid is a problem naming it; valid is the timeout in force", () => {
    fc.assert(
      fc.property(durationValue, (v) => {
        if (v.text === "") return;
        const out = load({ ...BASE, S3_TIMEOUT: v.text });
        if (v.ms === undefined) {
          expect(out.ok).toBe(false);
          expect(mentions(out, "S3_TIMEOUT")).toBe(true);
          return;
        }
        expect(out.ok).toBe(true);
        if (out.ok) expect(out.config.connections[out.config.default_connection]?.timeout_ms).toBe(v.ms);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("prefix lists: a blank entry is a problem naming the variable, never 'everything'", () => {
    const entry = fc.oneof(
      fc.constantFrom("data/", "secrets/", "a", "数据/"),
      fc.constantFrom("", " ", "\t"),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("MCP_S3_ALLOWED_PREFIXES", "MCP_S3_DENIED_PREFIXES"),
        fc.array(entry, { minLength: 1, maxLength: 4 }),
        (variable, entries) => {
          const text = entries.join(",");
          if (text === "") return;
          const out = load({ ...BASE, MCP_S3_EXT_PREFIXACL: "true", [variable]: text });
          // A single trailing comma is tolerated ("a,b,"); any other blank entry is an error.
          const parts = text.split(",").map((e) => e.trim());
          if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
          if (parts.some((p) => p === "")) {
            expect(out.ok).toBe(false);
            expect(mentions(out, variable)).toBe(true);
          } else {
            expect(out.ok).toBe(true);
            if (!out.ok) return;
            const p = out.config.connections[out.config.default_connection]?.policy;
            const list = variable === "MCP_S3_ALLOWED_PREFIXES" ? p?.allowed_prefixes : p?.denied_prefixes;
            expect(list).toEqual(parts);
          }
        },
      ),
      { seed: SEED, numRuns: 800 },
    );
  });

  test("S3_ADDITIONAL_CONNECTIONS: random JSON is a valid config or a problem naming the variable", () => {
    const connectionish = fc.dictionary(
      fc.constantFrom(
        "endpoint",
        "region",
        "path_style",
        "timeout",
        "profile",
        "policy",
        "bogus",
        "access_key_id",
      ),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom("http://127.0.0.1:1", "us-east-1", "5s", "true"),
      ),
      { maxKeys: 4 },
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.string({ maxLength: 8 }), connectionish, { maxKeys: 3 }).map((v) => JSON.stringify(v)),
      junk,
    );
    fc.assert(
      fc.property(value, (text) => {
        if (text === "") return;
        const out = load({ ...BASE, S3_ADDITIONAL_CONNECTIONS: text });
        if (!out.ok) expect(mentions(out, "S3_ADDITIONAL_CONNECTIONS")).toBe(true);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("endpoints and regions: invalid is a problem naming the variable", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "S3_ENDPOINT",
          "AWS_ENDPOINT_URL_S3",
          "AWS_ENDPOINT_URL",
          "AWS_REGION",
          "S3_CONNECTION_NAME",
        ),
        fc.oneof(
          junk,
          fc.constantFrom("ftp://x", "http://user:pw@host", "https://", "US_EAST_1", "file:///etc"),
        ),
        (variable, value) => {
          if (value.trim() === "" && value !== "") {
            const out = load({ ...BASE, [variable]: value });
            expect(out.ok).toBe(false);
            expect(mentions(out, variable)).toBe(true);
            return;
          }
          const out = load({ ...BASE, [variable]: value });
          if (!out.ok) expect(mentions(out, variable)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("a secret never appears in a problem, whatever else is wrong", () => {
    const SECRET = "PROPCANARYSECRETwJalrXUtnFEMI";
    const TOKEN = "PROPCANARYTOKENFQoGZXIvYXdz";
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...BOOL_VARS, "S3_TIMEOUT", "S3_ENDPOINT"), junk),
        (extra) => {
          const out = load({
            ...BASE,
            ...extra,
            AWS_ACCESS_KEY_ID: "AKIDPROPTEST",
            AWS_SECRET_ACCESS_KEY: SECRET,
            AWS_SESSION_TOKEN: TOKEN,
            S3_ADDITIONAL_CONNECTIONS: `{"x":{"secret_access_key":"${SECRET}","session_token":${JSON.stringify(TOKEN)},"bogus":1}}`,
          });
          for (const p of names(out)) {
            expect(p).not.toContain(SECRET);
            expect(p).not.toContain(TOKEN);
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("YAML file", () => {
  const scalar = fc.oneof(
    junk,
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constant(null),
    fc.constantFrom(
      "10MB",
      "true",
      "30s",
      "data/",
      "us-east-1",
      "http://127.0.0.1:9000",
      "${HOME}",
      "${NOPE}",
    ),
    fc.array(fc.oneof(junk, fc.constantFrom("data/", "")), { maxLength: 3 }),
  );
  const policy = fc.dictionary(
    fc.constantFrom(
      "read_only",
      "size_limits",
      "max_get_size",
      "max_put_size",
      "prefix_acl",
      "allowed_prefixes",
      "denied_prefixes",
      "allowed_buckets",
      "denied_buckets",
      "presign_max_expiry",
      "readonly_typo",
    ),
    scalar,
    { maxKeys: 5 },
  );
  const connection = fc.dictionary(
    fc.constantFrom(
      "region",
      "endpoint",
      "path_style",
      "timeout",
      "profile",
      "public_endpoint",
      "policy",
      "x",
    ),
    fc.oneof(scalar, policy),
    { maxKeys: 4 },
  );
  const doc = fc.dictionary(
    fc.constantFrom(
      "default_connection",
      "connections",
      "policy",
      "audit",
      "logging",
      "extensions",
      "unknown",
    ),
    fc.oneof(
      scalar,
      policy,
      fc.dictionary(fc.constantFrom("prod", "local", "a b", ""), connection, { maxKeys: 2 }),
      fc.array(connection, { maxLength: 2 }),
    ),
    { maxKeys: 5 },
  );
  let n = 0;

  test("random YAML documents: a valid config or a ConfigError naming the file, never anything else", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          doc.map((d) => stringify(d)),
          junk,
        ),
        (text) => {
          const path = join(TMP, `c${++n}.yaml`);
          writeFileSync(path, text);
          chmodSync(path, 0o600);
          const out = load({ ...BASE, MCP_S3_CONFIG: path });
          if (!out.ok) expect(out.problems.length).toBeGreaterThan(0);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
