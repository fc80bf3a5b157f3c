// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references in YAML values under test, not templates
// A `${VAR}` whose value is a secret, put by mistake in a field that is not secret
// (`region: ${AWS_SECRET_ACCESS_KEY}`), must never be printed by a validation error: the message names
// the variable (`the value of ${AWS_SECRET_ACCESS_KEY}`), never the value (issue 12, defect 6).
// Every YAML field, each shape of template, a property over random secrets, and the two front ends
// (`config check`, the MCP server's startup) as child processes with a timeout.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { type Env, loadConfig } from "../../src/config/load.ts";
import { Problems } from "../../src/config/problems.ts";
import { ConfigError } from "../../src/errors.ts";

const ROOT = resolve(import.meta.dir, "../..");
const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-interp-secrets-"));
const EMPTY = join(TMP, "empty");
mkdirSync(EMPTY);
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Invalid as every kind of value (a space even in a URL's host), so each field that parses it fails. */
const SECRET = "wJalrXUtnFEMI K7MDENG/bPxRfiCY+EXAMPLEKEY";

let n = 0;
function yamlFile(text: string): string {
  const path = join(TMP, `c${++n}.yaml`);
  writeFileSync(path, text);
  chmodSync(path, 0o600);
  return path;
}

/** Everything a ConfigError can show: message, problems, JSON body, hint. */
function errorText(env: Env, yaml: string): string | undefined {
  try {
    loadConfig({ env: { HOME: EMPTY, XDG_CONFIG_HOME: EMPTY, ...env }, flags: { config: yamlFile(yaml) } });
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    return [err.message, ...err.problems, JSON.stringify(err.toJSON()), err.hint].join("\n");
  }
}

/** No part of `secret` of 8 characters or more, raw or JSON-escaped, appears in `text`. */
function expectNoLeak(text: string, secret: string): void {
  const escaped = JSON.stringify(secret).slice(1, -1);
  for (const form of [secret, escaped]) {
    for (let i = 0; i + 8 <= form.length; i++) expect(text).not.toContain(form.slice(i, i + 8));
  }
}

/** A YAML document with `value` (already YAML text) at a dotted path of mappings. */
function yamlAt(path: string, value: string): string {
  const parts = path.split(".");
  return parts
    .map((part, depth) => `${"  ".repeat(depth)}${part}:${depth === parts.length - 1 ? ` ${value}` : ""}\n`)
    .join("");
}

// Every field whose value is validated and is not itself a secret. The list layout and the Go layout
// (`connection`, `additional_connections`, `extensions`) are fields too.
const POLICY_FIELDS = [
  "read_only",
  "size_limits",
  "max_get_size",
  "max_put_size",
  "prefix_acl",
  "presign_max_expiry",
] as const;
const LIST_FIELDS = ["allowed_prefixes", "denied_prefixes", "allowed_buckets", "denied_buckets"] as const;
const CONNECTION_FIELDS = [
  "region",
  "endpoint",
  "path_style",
  "use_path_style",
  "disable_ssl",
  "timeout",
  "public_endpoint",
] as const;
const EXTENSION_FIELDS = [
  "read_only",
  "readonly",
  "size_limit",
  "sizelimit",
  "size_limits",
  "max_get_size",
  "max_put_size",
  "prefix_acl",
  "logging",
  "audit",
] as const;

/** [YAML path, YAML document with `${VAR}` there] for every field, as a plain scalar. */
function everyField(ref: string): [string, string][] {
  const rows: [string, string][] = [
    ["default_connection", `default_connection: "${ref}"\nconnections:\n  a: {}\n`],
    ["logging", `logging: "${ref}"\n`],
    ["audit.enabled", `audit:\n  enabled: "${ref}"\n`],
    ["connections[0].name", `connections:\n  - name: "${ref}"\n`],
    ["connections[0].region", `connections:\n  - name: a\n    region: "${ref}"\n`],
    ["connection.name", `connection:\n  name: "${ref}"\n`],
    ["connection.region", `connection:\n  region: "${ref}"\n`],
    ["additional_connections.x.timeout", `additional_connections:\n  x:\n    timeout: "${ref}"\n`],
  ];
  for (const f of POLICY_FIELDS) {
    rows.push([`policy.${f}`, yamlAt(`policy.${f}`, `"${ref}"`)]);
    rows.push([`connections.a.policy.${f}`, yamlAt(`connections.a.policy.${f}`, `"${ref}"`)]);
  }
  for (const f of LIST_FIELDS) {
    // A list with an empty entry fails, whatever the other entry holds.
    rows.push([`policy.${f}`, yamlAt(`policy.${f}`, `["${ref}", ""]`)]);
    rows.push([`policy.${f}`, yamlAt(`policy.${f}`, `"${ref},,"`)]);
  }
  for (const f of CONNECTION_FIELDS)
    rows.push([`connections.a.${f}`, yamlAt(`connections.a.${f}`, `"${ref}"`)]);
  for (const f of EXTENSION_FIELDS) rows.push([`extensions.${f}`, yamlAt(`extensions.${f}`, `"${ref}"`)]);
  return rows;
}

describe("every field: the error names the variable, never its value", () => {
  test("the table builds the YAML it means", () => {
    expect(yamlAt("connections.a.policy.max_get_size", "X")).toBe(
      "connections:\n  a:\n    policy:\n      max_get_size: X\n",
    );
  });

  test.each(everyField("${AWS_SECRET_ACCESS_KEY}"))("%s", (path, yaml) => {
    const text = errorText({ AWS_SECRET_ACCESS_KEY: SECRET }, yaml);
    if (text === undefined)
      throw new Error(`${path}: the secret was accepted as a value; pick a field that fails`);
    expectNoLeak(text, SECRET);
    const line = text.split("\n").find((l) => l.includes(path));
    expect(line).toBeDefined();
    expect(line).toContain("${AWS_SECRET_ACCESS_KEY}");
  });

  test.each([
    ["a lone reference", "${TOKEN}", "the value of ${TOKEN} is not valid"],
    ["a reference with a fallback", "${TOKEN:-10MB}", "the value of ${TOKEN:-10MB} is not valid"],
    ["text around the reference", "x-${TOKEN}-y", 'the value of "x-${TOKEN}-y" is not valid'],
    ["two references", "${TOKEN}${OTHER}", 'the value of "${TOKEN}${OTHER}" is not valid'],
    ["an escaped dollar beside it", "$${X}${TOKEN}", 'the value of "$${X}${TOKEN}" is not valid'],
  ])("%s: %s", (_name, ref, expected) => {
    const text = errorText({ TOKEN: SECRET, OTHER: "MB" }, `policy:\n  max_get_size: "${ref}"\n`);
    expect(text).toContain(`policy.max_get_size: ${expected}; expected a whole number of bytes`);
    expectNoLeak(text ?? "", SECRET);
  });

  test("an unused fallback is shown, as written in the file", () => {
    const text = errorText({}, 'policy:\n  read_only: "${UNSET_VAR:-perhaps}"\n');
    expect(text).toContain("policy.read_only: the value of ${UNSET_VAR:-perhaps} is not valid");
  });

  test("a literal value is still shown (SPEC §2: the bad value)", () => {
    expect(errorText({}, "policy:\n  max_get_size: 10XB\n")).toContain(
      'policy.max_get_size: "10XB" is not valid',
    );
  });

  test("credentials in an endpoint template are hidden as in a literal one", () => {
    const text = errorText({ P: SECRET }, 'connections:\n  a:\n    endpoint: "ftp://user:pw-${P}@host"\n');
    expect(text).toContain('the value of "ftp://(redacted)@host" is not valid');
    expect(text).not.toContain("pw-");
    expectNoLeak(text ?? "", SECRET);
  });

  test("an undefined default connection named through a variable", () => {
    const text = errorText({ S: SECRET }, 'default_connection: "${S}"\nconnections:\n  a: {}\n');
    expect(text).toContain("default_connection: the value of ${S} is not a defined connection; defined: a");
    expectNoLeak(text ?? "", SECRET);
  });
});

describe("property: random secrets in random fields never appear in an error", () => {
  const fields = everyField("REF");
  test("any secret, any field, any template shape", () => {
    fc.assert(
      fc.property(
        // A marker around the secret makes a coincidental match with the message text impossible.
        fc.string({ unit: "binary", minLength: 0, maxLength: 40 }).map((s) => `Zq9${s}9qZ`),
        fc.constantFrom(...fields),
        fc.constantFrom("${V}", "a${V}", "${V}b", "${V:-1}", "${V}${V}", "${V},x"),
        (secret, [, yaml], shape) => {
          const text = errorText({ V: secret }, yaml.replaceAll("REF", shape));
          if (text === undefined) return;
          expect(text).not.toContain(secret);
          expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
        },
      ),
      { seed: 0x5eed_5ec2, numRuns: 400 },
    );
  });
});

describe("Problems.show, table-driven", () => {
  const make = () => {
    const p = new Problems();
    p.interpolated("policy.max_get_size", "${TOKEN}", SECRET);
    p.interpolated("connections.a.region", "eu-${R}", `eu-${SECRET}`);
    p.interpolated("policy.allowed_prefixes[0]", "${TOKEN}", SECRET);
    p.interpolated("logging", "${SHORT}", "1");
    return p;
  };
  const rows: [string, string, unknown, string][] = [
    ["a lone reference", "policy.max_get_size", SECRET, "the value of ${TOKEN}"],
    ["text around it", "connections.a.region", `eu-${SECRET}`, 'the value of "eu-${R}"'],
    ["inside a list", "policy.allowed_prefixes", [SECRET, ""], 'the value of ["${TOKEN}",""]'],
    ["reported under another name: found by value", "S3_CONNECTION_NAME", SECRET, "the value of ${TOKEN}"],
    ["a short value is never mistaken for another's", "MCP_S3_EXT_READONLY", "1", '"1"'],
    ["a literal", "policy.read_only", "maybe", '"maybe"'],
    ["a secret field", "connections.a.secret_access_key", ["x"], "(redacted)"],
    ["a variable that looks secret", "MCP_S3_OAUTH_CLIENT_SECRET", "x", "(redacted)"],
    ["a token-looking name", "SOME_API_TOKEN", "x", "(redacted)"],
    ["credentials in a literal URL", "S3_ENDPOINT", "ftp://u:p@h", '"ftp://(redacted)@h"'],
    ["a number", "policy.max_get_size", 1.5, "1.5"],
  ];
  test.each(rows)("%s", (_name, where, value, expected) => {
    expect(make().show(where, value)).toBe(expected);
  });
});

describe("front ends: `config check` and the MCP server refuse to start without showing the value", () => {
  const TOKEN_VALUE = "FQoGZXIvYXdzEJr-SESSION-TOKEN-VALUE";
  const yaml = () =>
    yamlFile(
      'default_connection: "${SECRET_NAME}"\npolicy:\n  max_get_size: "${MY_TOKEN}"\nconnections:\n  a:\n    region: "${AWS_SECRET_ACCESS_KEY}"\n',
    );
  const run = (args: string[]) =>
    spawnSync(process.execPath, ["src/main.ts", ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: EMPTY,
        XDG_CONFIG_HOME: EMPTY,
        MCP_S3_CONFIG: yaml(),
        AWS_SECRET_ACCESS_KEY: SECRET,
        MY_TOKEN: TOKEN_VALUE,
        SECRET_NAME: "prodQ7xSecretNameZ9",
      },
      input: "",
      encoding: "utf8",
      timeout: 30_000,
    });

  test.each([
    [["config", "check"]],
    [["config", "check", "--json"]],
    [["config", "show"]],
    [["serve"]],
    [["ls", "s3://bucket/"]],
  ])("mcp-s3 %p", (args) => {
    const r = run(args);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(5);
    const out = r.stdout + r.stderr;
    for (const name of ["${AWS_SECRET_ACCESS_KEY}", "${MY_TOKEN}", "${SECRET_NAME}"])
      expect(out).toContain(name);
    for (const value of [SECRET, TOKEN_VALUE, "prodQ7xSecretNameZ9"]) expectNoLeak(out, value);
  });
});
