// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references under test, not templates
// loadConfig (SPEC §2): flags > environment > YAML > defaults, every problem collected and named,
// secrets never echoed, the result deeply frozen. The environment is always injected: process.env
// is never read, so the machine running the tests cannot change their outcome.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ConfigFlags, type Env, loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { ConfigError } from "../../src/errors.ts";

const ROOT = resolve(import.meta.dir, "../..");
const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-load-test-"));
/** An XDG_CONFIG_HOME and HOME with no config in them, so no real user file is ever picked up. */
const EMPTY_XDG = join(TMP, "xdg-empty");
const EMPTY_HOME = join(TMP, "home-empty");
mkdirSync(EMPTY_XDG);
mkdirSync(EMPTY_HOME);
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-SECRET-VALUE";
const TOKEN = "FQoGZXIvYXdzEJr-SESSION-TOKEN-VALUE";
/** A secret that is one JSON "identifier", so a parser message quoting it would quote all of it. */
const WORD_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYWORDSECRET";

let fileCounter = 0;
/** A YAML file in a fresh directory, mode 0600 unless told otherwise. */
function yamlFile(text: string, mode = 0o600): string {
  const dir = join(TMP, `f${++fileCounter}`);
  mkdirSync(dir);
  const path = join(dir, "config.yaml");
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function envOf(extra: Record<string, string | undefined> = {}): Env {
  return { HOME: EMPTY_HOME, XDG_CONFIG_HOME: EMPTY_XDG, ...extra };
}

function load(extra: Record<string, string | undefined> = {}, flags?: ConfigFlags): Config {
  return loadConfig(flags === undefined ? { env: envOf(extra) } : { env: envOf(extra), flags });
}

/** Loads expecting failure; returns the ConfigError (the test fails if none is thrown). */
function failure(extra: Record<string, string | undefined> = {}, flags?: ConfigFlags): ConfigError {
  try {
    load(extra, flags);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.code).toBe("InvalidConfig");
    // Every problem is in the message too, one per line.
    for (const p of err.problems) expect(err.message).toContain(p);
    return err;
  }
  throw new Error("expected a ConfigError, but the configuration loaded");
}

function conn(config: Config, name = config.default_connection) {
  const c = config.connections[name];
  if (c === undefined) throw new Error(`no connection ${name}`);
  return c;
}

/** Reads a dotted path ("connections.default.policy.read_only") from the config. */
function at(config: Config, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

describe("defaults", () => {
  test("nothing set: one read-only connection named default with the SPEC defaults", () => {
    const c = load();
    expect(c.default_connection).toBe("default");
    expect(Object.keys(c.connections)).toEqual(["default"]);
    expect(c.config_file).toBeUndefined();
    expect(c.audit).toEqual({ enabled: false });
    expect(c.logging).toBe(false);
    const d = conn(c);
    expect(d).toEqual({
      name: "default",
      region: "us-east-1",
      path_style: false,
      timeout_ms: 30_000,
      policy: {
        read_only: true,
        size_limits: true,
        max_get_size: 10_485_760,
        max_put_size: 104_857_600,
        prefix_acl: false,
        allowed_prefixes: [],
        denied_prefixes: [],
        allowed_buckets: [],
        denied_buckets: [],
        presign_max_expiry_seconds: 3600,
      },
    });
  });

  test("an environment variable set to the empty string counts as unset", () => {
    const c = load({ MCP_S3_EXT_READONLY: "", MCP_S3_MAX_GET_SIZE: "", S3_ENDPOINT: "", S3_TIMEOUT: "" });
    expect(conn(c).policy.read_only).toBe(true);
    expect(conn(c).policy.max_get_size).toBe(10_485_760);
    expect(conn(c).endpoint).toBeUndefined();
    expect(conn(c).timeout_ms).toBe(30_000);
  });
});

describe("environment (SPEC §2.1): every variable", () => {
  const rows: [string, Record<string, string>, string, unknown][] = [
    ["AWS_REGION", { AWS_REGION: "eu-west-1" }, "connections.default.region", "eu-west-1"],
    ["AWS_DEFAULT_REGION", { AWS_DEFAULT_REGION: "eu-west-2" }, "connections.default.region", "eu-west-2"],
    [
      "AWS_REGION wins over AWS_DEFAULT_REGION",
      { AWS_REGION: "ap-south-1", AWS_DEFAULT_REGION: "eu-west-2" },
      "connections.default.region",
      "ap-south-1",
    ],
    [
      "AWS_ACCESS_KEY_ID",
      { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: SECRET },
      "connections.default.access_key_id",
      "AKID",
    ],
    [
      "AWS_SECRET_ACCESS_KEY",
      { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: SECRET },
      "connections.default.secret_access_key",
      SECRET,
    ],
    [
      "AWS_SESSION_TOKEN",
      { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN },
      "connections.default.session_token",
      TOKEN,
    ],
    ["AWS_PROFILE", { AWS_PROFILE: "prod" }, "connections.default.profile", "prod"],
    [
      "S3_ENDPOINT",
      { S3_ENDPOINT: "http://127.0.0.1:8333" },
      "connections.default.endpoint",
      "http://127.0.0.1:8333",
    ],
    [
      "S3_ENDPOINT trailing slash dropped",
      { S3_ENDPOINT: "https://s3.example.com/" },
      "connections.default.endpoint",
      "https://s3.example.com",
    ],
    [
      "AWS_ENDPOINT_URL_S3",
      { AWS_ENDPOINT_URL_S3: "https://a.example.com" },
      "connections.default.endpoint",
      "https://a.example.com",
    ],
    [
      "AWS_ENDPOINT_URL",
      { AWS_ENDPOINT_URL: "https://b.example.com" },
      "connections.default.endpoint",
      "https://b.example.com",
    ],
    [
      "S3_ENDPOINT wins over AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL",
      {
        S3_ENDPOINT: "https://s.example.com",
        AWS_ENDPOINT_URL_S3: "https://a.example.com",
        AWS_ENDPOINT_URL: "https://b.example.com",
      },
      "connections.default.endpoint",
      "https://s.example.com",
    ],
    [
      "AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL",
      { AWS_ENDPOINT_URL_S3: "https://a.example.com", AWS_ENDPOINT_URL: "https://b.example.com" },
      "connections.default.endpoint",
      "https://a.example.com",
    ],
    ["S3_USE_PATH_STYLE", { S3_USE_PATH_STYLE: "TRUE" }, "connections.default.path_style", true],
    ["S3_TIMEOUT 2m", { S3_TIMEOUT: "2m" }, "connections.default.timeout_ms", 120_000],
    ["S3_TIMEOUT 500ms", { S3_TIMEOUT: "500ms" }, "connections.default.timeout_ms", 500],
    ["S3_TIMEOUT 1m30s", { S3_TIMEOUT: "1m30s" }, "connections.default.timeout_ms", 90_000],
    ["S3_CONNECTION_NAME", { S3_CONNECTION_NAME: "prod" }, "default_connection", "prod"],
    [
      "S3_CONNECTION_NAME names the env connection",
      { S3_CONNECTION_NAME: "prod" },
      "connections.prod.name",
      "prod",
    ],
    ["MCP_S3_EXT_READONLY", { MCP_S3_EXT_READONLY: "false" }, "connections.default.policy.read_only", false],
    ["MCP_S3_EXT_READONLY=0", { MCP_S3_EXT_READONLY: "0" }, "connections.default.policy.read_only", false],
    [
      "MCP_S3_EXT_SIZELIMIT",
      { MCP_S3_EXT_SIZELIMIT: "Off" },
      "connections.default.policy.size_limits",
      false,
    ],
    ["MCP_S3_MAX_GET_SIZE", { MCP_S3_MAX_GET_SIZE: "1KiB" }, "connections.default.policy.max_get_size", 1024],
    [
      "MCP_S3_MAX_PUT_SIZE",
      { MCP_S3_MAX_PUT_SIZE: "5g" },
      "connections.default.policy.max_put_size",
      5 * 1024 ** 3,
    ],
    ["MCP_S3_EXT_PREFIXACL", { MCP_S3_EXT_PREFIXACL: "true" }, "connections.default.policy.prefix_acl", true],
    [
      "MCP_S3_EXT_PREFIX_ACL (alias)",
      { MCP_S3_EXT_PREFIX_ACL: "yes" },
      "connections.default.policy.prefix_acl",
      true,
    ],
    [
      "MCP_S3_ALLOWED_PREFIXES",
      { MCP_S3_ALLOWED_PREFIXES: "data/,reports/,exports/" },
      "connections.default.policy.allowed_prefixes",
      ["data/", "reports/", "exports/"],
    ],
    [
      "MCP_S3_DENIED_PREFIXES",
      { MCP_S3_DENIED_PREFIXES: "secrets/, internal/ ,_private/" },
      "connections.default.policy.denied_prefixes",
      ["secrets/", "internal/", "_private/"],
    ],
    ["MCP_S3_EXT_AUDIT", { MCP_S3_EXT_AUDIT: "1" }, "audit.enabled", true],
    [
      "MCP_S3_AUDIT_FILE",
      { MCP_S3_AUDIT_FILE: "/var/log/mcp-s3/audit.jsonl" },
      "audit.file",
      "/var/log/mcp-s3/audit.jsonl",
    ],
    ["MCP_S3_EXT_LOGGING", { MCP_S3_EXT_LOGGING: "on" }, "logging", true],
  ];
  test.each(rows)("%s", (_name, env, path, expected) => {
    expect(at(load(env), path)).toEqual(expected);
  });

  test("S3_ADDITIONAL_CONNECTIONS adds named connections with their own fields", () => {
    const c = load({
      AWS_ACCESS_KEY_ID: "DEFAULTKEY",
      AWS_SECRET_ACCESS_KEY: SECRET,
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
        minio: {
          endpoint: "http://127.0.0.1:9000",
          use_path_style: true,
          region: "eu-central-1",
          access_key_id: "MINIOKEY",
          secret_access_key: "minio-secret",
        },
        archive: { profile: "archive", timeout: "2m" },
      }),
    });
    expect(Object.keys(c.connections).sort()).toEqual(["archive", "default", "minio"]);
    expect(c.default_connection).toBe("default");
    expect(conn(c, "minio")).toMatchObject({
      name: "minio",
      endpoint: "http://127.0.0.1:9000",
      path_style: true,
      region: "eu-central-1",
      access_key_id: "MINIOKEY",
      secret_access_key: "minio-secret",
    });
    // Credential isolation: the default connection's keys are never given to another connection.
    expect(conn(c, "archive").access_key_id).toBeUndefined();
    expect(conn(c, "archive").secret_access_key).toBeUndefined();
    expect(conn(c, "archive").profile).toBe("archive");
    expect(conn(c, "archive").timeout_ms).toBe(120_000);
    expect(conn(c, "default").access_key_id).toBe("DEFAULTKEY");
  });

  test("endpoint and timeout variables describe the default connection only", () => {
    const c = load({
      S3_ENDPOINT: "http://127.0.0.1:8333",
      S3_TIMEOUT: "5s",
      S3_USE_PATH_STYLE: "true",
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ other: { endpoint: "https://other.example.com" } }),
    });
    expect(conn(c, "default").endpoint).toBe("http://127.0.0.1:8333");
    expect(conn(c, "other").endpoint).toBe("https://other.example.com");
    expect(conn(c, "other").timeout_ms).toBe(30_000);
    expect(conn(c, "other").path_style).toBe(false);
  });
});

describe("precedence: flags > environment > YAML > defaults", () => {
  const file = yamlFile(
    [
      "policy:",
      "  read_only: false",
      "  max_get_size: 1MB",
      "  max_put_size: 2MB",
      "audit:",
      "  enabled: false",
      "connections:",
      "  yamlconn: {}",
      "  envconn: {}",
      "  flagconn: {}",
      "default_connection: yamlconn",
    ].join("\n"),
  );
  // [field, path, default, yaml, env var, env value, env result, flag key, flag value, flag result]
  const rows: [
    string,
    string,
    unknown,
    unknown,
    string,
    string,
    unknown,
    keyof ConfigFlags,
    string,
    unknown,
  ][] = [
    [
      "read_only",
      "policy.read_only",
      true,
      false,
      "MCP_S3_EXT_READONLY",
      "true",
      true,
      "read_only",
      "false",
      false,
    ],
    [
      "max_get_size",
      "policy.max_get_size",
      10 * 1024 ** 2,
      1024 ** 2,
      "MCP_S3_MAX_GET_SIZE",
      "3MB",
      3 * 1024 ** 2,
      "max_get_size",
      "4KB",
      4096,
    ],
    [
      "max_put_size",
      "policy.max_put_size",
      100 * 1024 ** 2,
      2 * 1024 ** 2,
      "MCP_S3_MAX_PUT_SIZE",
      "5MB",
      5 * 1024 ** 2,
      "max_put_size",
      "6B",
      6,
    ],
  ];
  test.each(rows)("%s", (_f, path, dflt, fromYaml, envVar, envValue, fromEnv, flag, flagValue, fromFlag) => {
    const policyOf = (c: Config) => at(c, `connections.${c.default_connection}.${path}`);
    expect(policyOf(load())).toEqual(dflt);
    expect(policyOf(load({}, { config: file }))).toEqual(fromYaml);
    expect(policyOf(load({ [envVar]: envValue }, { config: file }))).toEqual(fromEnv);
    expect(policyOf(load({ [envVar]: envValue }, { config: file, [flag]: flagValue }))).toEqual(fromFlag);
    // A flag wins over the default even with no file and no env.
    expect(policyOf(load({}, { [flag]: flagValue }))).toEqual(fromFlag);
  });

  test("audit: flag > env > YAML > default", () => {
    const on = yamlFile("audit:\n  enabled: true\n");
    expect(load().audit.enabled).toBe(false);
    expect(load({}, { config: on }).audit.enabled).toBe(true);
    expect(load({ MCP_S3_EXT_AUDIT: "false" }, { config: on }).audit.enabled).toBe(false);
    expect(load({ MCP_S3_EXT_AUDIT: "false" }, { config: on, audit: true }).audit.enabled).toBe(true);
    expect(load({ MCP_S3_EXT_AUDIT: "true" }, { config: on, audit: "off" }).audit.enabled).toBe(false);
  });

  test("--read-only accepts a boolean as well as a word", () => {
    expect(conn(load({ MCP_S3_EXT_READONLY: "false" }, { read_only: true })).policy.read_only).toBe(true);
    expect(conn(load({}, { read_only: false })).policy.read_only).toBe(false);
  });

  test("connection: --connection > S3_CONNECTION_NAME > default_connection", () => {
    expect(load({}, { config: file }).default_connection).toBe("yamlconn");
    expect(load({ S3_CONNECTION_NAME: "envconn" }, { config: file }).default_connection).toBe("envconn");
    expect(
      load({ S3_CONNECTION_NAME: "envconn" }, { config: file, connection: "flagconn" }).default_connection,
    ).toBe("flagconn");
  });

  test("environment settings of the default connection win over the file's", () => {
    const f = yamlFile(
      "connections:\n  main:\n    region: eu-west-1\n    endpoint: https://yaml.example.com\n    timeout: 10s\n    path_style: false\n",
    );
    const fromFile = conn(load({}, { config: f }));
    expect(fromFile).toMatchObject({
      region: "eu-west-1",
      endpoint: "https://yaml.example.com",
      timeout_ms: 10_000,
    });
    const overridden = conn(
      load(
        {
          AWS_REGION: "us-west-2",
          S3_ENDPOINT: "http://127.0.0.1:1",
          S3_TIMEOUT: "1m",
          S3_USE_PATH_STYLE: "yes",
        },
        { config: f },
      ),
    );
    expect(overridden).toMatchObject({
      region: "us-west-2",
      endpoint: "http://127.0.0.1:1",
      timeout_ms: 60_000,
      path_style: true,
    });
  });

  test("environment policy wins over a per-connection YAML policy", () => {
    const f = yamlFile("connections:\n  a:\n    policy:\n      read_only: false\n");
    expect(conn(load({}, { config: f })).policy.read_only).toBe(false);
    expect(conn(load({ MCP_S3_EXT_READONLY: "true" }, { config: f })).policy.read_only).toBe(true);
  });
});

describe("where the YAML file comes from (SPEC §2.2)", () => {
  const marker = (region: string) => `connections:\n  c:\n    region: ${region}\n`;

  test("--config (flags.config)", () => {
    const f = yamlFile(marker("eu-north-1"));
    const c = load({}, { config: f });
    expect(conn(c).region).toBe("eu-north-1");
    expect(c.config_file).toBe(f);
  });

  test("MCP_S3_CONFIG", () => {
    const f = yamlFile(marker("eu-south-1"));
    const c = load({ MCP_S3_CONFIG: f });
    expect(conn(c).region).toBe("eu-south-1");
    expect(c.config_file).toBe(f);
  });

  test("--config wins over MCP_S3_CONFIG", () => {
    const a = yamlFile(marker("eu-north-1"));
    const b = yamlFile(marker("eu-south-1"));
    expect(conn(load({ MCP_S3_CONFIG: b }, { config: a })).region).toBe("eu-north-1");
  });

  test("$XDG_CONFIG_HOME/mcp-s3/config.yaml when it exists", () => {
    const xdg = join(TMP, "xdg-with-file");
    mkdirSync(join(xdg, "mcp-s3"), { recursive: true });
    const f = join(xdg, "mcp-s3", "config.yaml");
    writeFileSync(f, marker("ca-central-1"));
    chmodSync(f, 0o600);
    const c = loadConfig({ env: { HOME: EMPTY_HOME, XDG_CONFIG_HOME: xdg } });
    expect(conn(c).region).toBe("ca-central-1");
    expect(c.config_file).toBe(f);
    // An explicit file wins over the implicit one.
    const explicit = yamlFile(marker("sa-east-1"));
    expect(
      conn(loadConfig({ env: { HOME: EMPTY_HOME, XDG_CONFIG_HOME: xdg, MCP_S3_CONFIG: explicit } })).region,
    ).toBe("sa-east-1");
  });

  test("~/.config/mcp-s3/config.yaml when XDG_CONFIG_HOME is unset", () => {
    const home = join(TMP, "home-with-file");
    mkdirSync(join(home, ".config", "mcp-s3"), { recursive: true });
    const f = join(home, ".config", "mcp-s3", "config.yaml");
    writeFileSync(f, marker("af-south-1"));
    chmodSync(f, 0o600);
    expect(conn(loadConfig({ env: { HOME: home } })).region).toBe("af-south-1");
  });

  test("no file anywhere: defaults, and never a config.yaml from the working directory", () => {
    const cwd = join(TMP, "cwd-with-files");
    mkdirSync(join(cwd, "mcp-s3"), { recursive: true });
    for (const p of [
      join(cwd, "config.yaml"),
      join(cwd, "mcp-s3", "config.yaml"),
      join(cwd, "mcp-s3.yaml"),
    ]) {
      writeFileSync(p, "policy:\n  read_only: false\n");
      chmodSync(p, 0o600);
    }
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const c = load();
      expect(c.config_file).toBeUndefined();
      expect(conn(c).policy.read_only).toBe(true);
    } finally {
      process.chdir(before);
    }
  });

  test("a named file that does not exist is a problem naming its source", () => {
    const missing = join(TMP, "nope", "config.yaml");
    expect(failure({}, { config: missing }).problems).toEqual([
      `--config: file ${JSON.stringify(missing)} does not exist`,
    ]);
    expect(failure({ MCP_S3_CONFIG: missing }).problems[0]).toStartWith("MCP_S3_CONFIG: ");
  });

  test.each([0o620, 0o602, 0o666, 0o622, 0o660])(
    "a file with mode %o (group/world-writable) is refused",
    (mode) => {
      const f = yamlFile("policy:\n  read_only: false\n", mode);
      const err = failure({}, { config: f });
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toContain(f);
      expect(err.problems[0]).toContain("writable by group or others");
      expect(err.problems[0]).toContain(mode.toString(8));
    },
  );

  test.each([0o600, 0o644, 0o400, 0o640])("a file with mode %o is accepted", (mode) => {
    const f = yamlFile("policy:\n  read_only: false\n", mode);
    expect(conn(load({}, { config: f })).policy.read_only).toBe(false);
  });

  test("an implicit (XDG) file is checked for permissions too", () => {
    const xdg = join(TMP, "xdg-writable");
    mkdirSync(join(xdg, "mcp-s3"), { recursive: true });
    const f = join(xdg, "mcp-s3", "config.yaml");
    writeFileSync(f, "policy:\n  read_only: false\n");
    chmodSync(f, 0o666);
    expect(() => loadConfig({ env: { HOME: EMPTY_HOME, XDG_CONFIG_HOME: xdg } })).toThrow(ConfigError);
  });

  test("a directory is not a config file", () => {
    const dir = join(TMP, "a-dir");
    mkdirSync(dir);
    expect(failure({}, { config: dir }).problems[0]).toContain("is a directory, not a regular file");
  });

  test("YAML syntax errors are reported with the file", () => {
    const f = yamlFile("policy:\n  read_only: [unclosed\n");
    const err = failure({}, { config: f });
    expect(err.problems[0]).toStartWith(`${f}: YAML syntax`);
  });

  test("duplicate keys are an error (the later one must not silently win)", () => {
    const f = yamlFile("policy:\n  read_only: true\n  read_only: false\n");
    expect(failure({}, { config: f }).problems.join("\n")).toContain(f);
  });

  test("an empty file is an empty configuration", () => {
    const f = yamlFile("");
    expect(conn(load({}, { config: f })).policy.read_only).toBe(true);
  });
});

describe("YAML content", () => {
  test("the SPEC example loads as written", () => {
    const f = yamlFile(`
default_connection: prod
connections:
  prod:
    region: us-east-1
    profile: prod                 # or access_key_id / secret_access_key / session_token
    timeout: 30s
  local:
    endpoint: http://127.0.0.1:8333
    path_style: true              # alias: use_path_style
    access_key_id: \${LOCAL_KEY}
    secret_access_key: \${LOCAL_SECRET}
    public_endpoint: https://files.example.com   # host used in presigned URLs (optional)
    policy:                       # per-connection override of any policy field
      read_only: false
policy:
  read_only: true
  size_limits: true
  max_get_size: 10MB
  max_put_size: 100MB
  prefix_acl: true
  allowed_prefixes: [data/, reports/, exports/]
  denied_prefixes: [secrets/, internal/, _private/]
  allowed_buckets: []            # empty = all buckets
  denied_buckets: []
  presign_max_expiry: 1h
audit:
  enabled: true
  file: /var/log/mcp-s3/audit.jsonl   # omit for stderr
logging: false
`);
    const c = load({ LOCAL_KEY: "LOCALKEY", LOCAL_SECRET: SECRET }, { config: f });
    expect(c.default_connection).toBe("prod");
    expect(conn(c, "prod")).toMatchObject({ region: "us-east-1", profile: "prod", timeout_ms: 30_000 });
    expect(conn(c, "local")).toMatchObject({
      endpoint: "http://127.0.0.1:8333",
      path_style: true,
      access_key_id: "LOCALKEY",
      secret_access_key: SECRET,
      public_endpoint: "https://files.example.com",
    });
    const shared = {
      size_limits: true,
      max_get_size: 10 * 1024 ** 2,
      max_put_size: 100 * 1024 ** 2,
      prefix_acl: true,
      allowed_prefixes: ["data/", "reports/", "exports/"],
      denied_prefixes: ["secrets/", "internal/", "_private/"],
      allowed_buckets: [],
      denied_buckets: [],
      presign_max_expiry_seconds: 3600,
    };
    expect(conn(c, "prod").policy).toEqual({ read_only: true, ...shared });
    expect(conn(c, "local").policy).toEqual({ read_only: false, ...shared });
    expect(c.audit).toEqual({ enabled: true, file: "/var/log/mcp-s3/audit.jsonl" });
    expect(c.logging).toBe(false);
  });

  test("per-connection policy overrides apply only to that connection", () => {
    const f = yamlFile(`
connections:
  a:
    policy:
      read_only: false
      max_put_size: 1KB
      allowed_prefixes: [a/]
      denied_buckets: [private]
  b: {}
  c:
    policy:
      prefix_acl: true
policy:
  denied_prefixes: [secrets/]
`);
    const c = load({}, { config: f });
    expect(conn(c, "a").policy).toMatchObject({
      read_only: false,
      max_put_size: 1024,
      allowed_prefixes: ["a/"],
      denied_prefixes: ["secrets/"],
      denied_buckets: ["private"],
      prefix_acl: false,
    });
    expect(conn(c, "b").policy).toMatchObject({
      read_only: true,
      max_put_size: 100 * 1024 ** 2,
      allowed_prefixes: [],
      denied_prefixes: ["secrets/"],
      denied_buckets: [],
      prefix_acl: false,
    });
    expect(conn(c, "c").policy).toMatchObject({ read_only: true, prefix_acl: true, allowed_prefixes: [] });
  });

  test("use_path_style is an alias of path_style; connections may also be a list", () => {
    const f = yamlFile(`
connections:
  - name: one
    use_path_style: true
  - name: two
    path_style: false
`);
    const c = load({}, { config: f });
    expect(conn(c, "one").path_style).toBe(true);
    expect(conn(c, "two").path_style).toBe(false);
    expect(c.default_connection).toBe("one");
  });

  test("the Go predecessor layout: connection + additional_connections + extensions", () => {
    const f = yamlFile(`
connection:
  name: legacy
  region: eu-west-1
  endpoint: localhost:9000
  disable_ssl: true
  use_path_style: true
  access_key_id: LEGACYKEY
  secret_access_key: \${LEGACY_SECRET}
additional_connections:
  backup:
    region: eu-central-1
    profile: backup
extensions:
  readonly: false
  sizelimit: true
  max_get_size: 1MB
  max_put_size: 2MB
  prefix_acl: true
  allowed_prefixes: [data/]
  denied_prefixes: [data/secret/]
  audit: true
  audit_file: /tmp/legacy-audit.jsonl
  logging: true
`);
    const c = load({ LEGACY_SECRET: SECRET }, { config: f });
    expect(c.default_connection).toBe("legacy");
    expect(Object.keys(c.connections).sort()).toEqual(["backup", "legacy"]);
    expect(conn(c, "legacy")).toMatchObject({
      region: "eu-west-1",
      endpoint: "http://localhost:9000",
      path_style: true,
      access_key_id: "LEGACYKEY",
      secret_access_key: SECRET,
    });
    expect(conn(c, "backup")).toMatchObject({ region: "eu-central-1", profile: "backup" });
    expect(conn(c, "backup").access_key_id).toBeUndefined();
    for (const name of ["legacy", "backup"]) {
      expect(conn(c, name).policy).toMatchObject({
        read_only: false,
        size_limits: true,
        max_get_size: 1024 ** 2,
        max_put_size: 2 * 1024 ** 2,
        prefix_acl: true,
        allowed_prefixes: ["data/"],
        denied_prefixes: ["data/secret/"],
      });
    }
    expect(c.audit).toEqual({ enabled: true, file: "/tmp/legacy-audit.jsonl" });
    expect(c.logging).toBe(true);
  });

  test("the Go layout: an unnamed connection takes S3_CONNECTION_NAME, else 'default'", () => {
    const f = yamlFile("connection:\n  region: eu-west-1\n");
    expect(load({}, { config: f }).default_connection).toBe("default");
    expect(load({ S3_CONNECTION_NAME: "named" }, { config: f }).default_connection).toBe("named");
  });

  test("a file with connections ignores the AWS_* key variables for its connections", () => {
    const f = yamlFile("connections:\n  a: {}\n");
    const c = load({ AWS_ACCESS_KEY_ID: "ENVKEY", AWS_SECRET_ACCESS_KEY: SECRET }, { config: f });
    expect(conn(c, "a").access_key_id).toBeUndefined();
  });
});

describe("interpolation", () => {
  const file = (value: string) => yamlFile(`connections:\n  a:\n    profile: "${value}"\n`);
  const rows: [string, Record<string, string>, string][] = [
    ["${VAR}", { VAR: "x" }, "x"],
    ["pre-${VAR}-post", { VAR: "x" }, "pre-x-post"],
    ["${A}${B}", { A: "1", B: "2" }, "12"],
    ["${VAR:-fallback}", {}, "fallback"],
    ["${VAR:-fallback}", { VAR: "set" }, "set"],
    ["${VAR:-fallback}", { VAR: "" }, "fallback"],
    ["${VAR:-}x", {}, "x"],
    ["$${VAR}", { VAR: "x" }, "${VAR}"],
    ["$VAR", { VAR: "x" }, "$VAR"],
  ];
  test.each(rows)("%p with %p -> %p", (value, env, expected) => {
    expect(conn(load(env, { config: file(value) })).profile).toBe(expected);
  });

  test("an unset variable without fallback is an error naming the variable and the YAML path", () => {
    const err = failure({}, { config: file("${NOT_SET_ANYWHERE}") });
    expect(
      err.problems.some((p) => p.includes("NOT_SET_ANYWHERE") && p.includes("connections.a.profile")),
    ).toBe(true);
  });

  test("a malformed reference is an error", () => {
    const err = failure({}, { config: file("${1BAD}") });
    expect(err.problems.join("\n")).toContain("connections.a.profile");
  });

  test("interpolation applies inside lists and policy values", () => {
    const f = yamlFile('policy:\n  allowed_prefixes: ["${P1}", "${P2:-b/}"]\n  max_get_size: ${SZ}\n');
    const p = conn(load({ P1: "a/", SZ: "2KB" }, { config: f })).policy;
    expect(p.allowed_prefixes).toEqual(["a/", "b/"]);
    expect(p.max_get_size).toBe(2048);
  });
});

describe("invalid values: each is a ConfigError naming the place and the bad value", () => {
  // [description, env, yaml (or undefined), substrings that must appear in one problem]
  const rows: [string, Record<string, string>, string | undefined, string[]][] = [
    [
      "bad boolean (env)",
      { MCP_S3_EXT_READONLY: "maybe" },
      undefined,
      ["MCP_S3_EXT_READONLY", '"maybe"', "true/false"],
    ],
    [
      "bad boolean (alias)",
      { MCP_S3_EXT_PREFIX_ACL: "sure" },
      undefined,
      ["MCP_S3_EXT_PREFIX_ACL", '"sure"'],
    ],
    ["bad boolean (path style)", { S3_USE_PATH_STYLE: "nah" }, undefined, ["S3_USE_PATH_STYLE", '"nah"']],
    ["bad boolean (audit)", { MCP_S3_EXT_AUDIT: "y" }, undefined, ["MCP_S3_EXT_AUDIT", '"y"']],
    [
      "bad boolean (logging)",
      { MCP_S3_EXT_LOGGING: "verbose" },
      undefined,
      ["MCP_S3_EXT_LOGGING", '"verbose"'],
    ],
    ["bad boolean (size limit)", { MCP_S3_EXT_SIZELIMIT: "2" }, undefined, ["MCP_S3_EXT_SIZELIMIT", '"2"']],
    [
      "bad size (unit)",
      { MCP_S3_MAX_GET_SIZE: "10XB" },
      undefined,
      ["MCP_S3_MAX_GET_SIZE", '"10XB"', "10MB"],
    ],
    ["bad size (negative)", { MCP_S3_MAX_PUT_SIZE: "-1" }, undefined, ["MCP_S3_MAX_PUT_SIZE", '"-1"']],
    ["bad size (fraction)", { MCP_S3_MAX_PUT_SIZE: "1.5GB" }, undefined, ["MCP_S3_MAX_PUT_SIZE", '"1.5GB"']],
    [
      "bad size (overflow)",
      { MCP_S3_MAX_GET_SIZE: "99999999999T" },
      undefined,
      ["MCP_S3_MAX_GET_SIZE", '"99999999999T"'],
    ],
    ["bad duration", { S3_TIMEOUT: "abc" }, undefined, ["S3_TIMEOUT", '"abc"', "500ms"]],
    ["zero duration", { S3_TIMEOUT: "0s" }, undefined, ["S3_TIMEOUT", '"0s"']],
    ["negative duration", { S3_TIMEOUT: "-1s" }, undefined, ["S3_TIMEOUT", '"-1s"']],
    [
      "blank list entry",
      { MCP_S3_ALLOWED_PREFIXES: "data/,,reports/" },
      undefined,
      ["MCP_S3_ALLOWED_PREFIXES", '"data/,,reports/"'],
    ],
    ["whitespace-only list", { MCP_S3_DENIED_PREFIXES: " " }, undefined, ["MCP_S3_DENIED_PREFIXES", '" "']],
    ["bad region", { AWS_REGION: "US East 1" }, undefined, ["AWS_REGION", '"US East 1"']],
    ["bad endpoint", { S3_ENDPOINT: "ftp://example.com" }, undefined, ["S3_ENDPOINT", '"ftp://example.com"']],
    ["bad connection name", { S3_CONNECTION_NAME: "has space" }, undefined, ['"has space"']],
    [
      "unknown default connection (env)",
      { S3_CONNECTION_NAME: "nope" },
      "connections:\n  prod: {}\n",
      ["S3_CONNECTION_NAME", '"nope"', "prod"],
    ],
    [
      "unknown default connection (YAML)",
      {},
      "default_connection: nope\nconnections:\n  prod: {}\n",
      ["default_connection", '"nope"', "prod"],
    ],
    [
      "malformed S3_ADDITIONAL_CONNECTIONS",
      { S3_ADDITIONAL_CONNECTIONS: "{not json" },
      undefined,
      ["S3_ADDITIONAL_CONNECTIONS", "JSON"],
    ],
    [
      "S3_ADDITIONAL_CONNECTIONS not an object",
      { S3_ADDITIONAL_CONNECTIONS: "[1,2]" },
      undefined,
      ["S3_ADDITIONAL_CONNECTIONS", "object"],
    ],
    [
      "S3_ADDITIONAL_CONNECTIONS unknown key",
      { S3_ADDITIONAL_CONNECTIONS: '{"x":{"regoin":"eu-west-1"}}' },
      undefined,
      ["S3_ADDITIONAL_CONNECTIONS", "x.regoin", "unknown key"],
    ],
    [
      "S3_ADDITIONAL_CONNECTIONS bad value",
      { S3_ADDITIONAL_CONNECTIONS: '{"x":{"use_path_style":"maybe"}}' },
      undefined,
      ["S3_ADDITIONAL_CONNECTIONS.x.use_path_style", '"maybe"'],
    ],
    ["unknown top-level key", {}, "polcy:\n  read_only: false\n", ["polcy", "unknown key"]],
    [
      "nested typo policy.read_onyl",
      {},
      "policy:\n  read_onyl: false\n",
      ["policy.read_onyl", "unknown key"],
    ],
    [
      "typo in a connection",
      {},
      "connections:\n  prod:\n    regoin: eu-west-1\n",
      ["connections.prod.regoin", "unknown key"],
    ],
    [
      "typo in a connection policy",
      {},
      "connections:\n  prod:\n    policy:\n      readonly: false\n",
      ["connections.prod.policy.readonly", "unknown key"],
    ],
    ["typo in audit", {}, "audit:\n  enable: true\n", ["audit.enable", "unknown key"]],
    ["typo in extensions", {}, "extensions:\n  read_onyl: false\n", ["extensions.read_onyl", "unknown key"]],
    ["bad boolean (YAML)", {}, "policy:\n  read_only: maybe\n", ["policy.read_only", '"maybe"']],
    ["bad size (YAML)", {}, "policy:\n  max_get_size: 10XB\n", ["policy.max_get_size", '"10XB"']],
    [
      "bad duration (YAML)",
      {},
      "connections:\n  a:\n    timeout: soon\n",
      ["connections.a.timeout", '"soon"'],
    ],
    [
      "bad presign expiry (YAML)",
      {},
      "policy:\n  presign_max_expiry: 0s\n",
      ["policy.presign_max_expiry", '"0s"'],
    ],
    ["blank prefix (YAML)", {}, "policy:\n  denied_prefixes: ['']\n", ["policy.denied_prefixes"]],
    [
      "bad connection policy",
      {},
      "connections:\n  a:\n    policy:\n      max_put_size: lots\n",
      ["connections.a.policy.max_put_size", '"lots"'],
    ],
    ["connections of the wrong type", {}, "connections: 5\n", ["connections"]],
    [
      "keys without secret",
      {},
      "connections:\n  a:\n    access_key_id: AK\n",
      ["connections.a", "secret_access_key"],
    ],
    [
      "session token without keys",
      {},
      `connections:\n  a:\n    session_token: ${TOKEN}\n`,
      ["connections.a", "session_token"],
    ],
  ];
  test.each(rows)("%s", (_name, env, yaml, needles) => {
    const err = failure(env, yaml === undefined ? undefined : { config: yamlFile(yaml) });
    const hit = err.problems.find((p) => needles.every((n) => p.includes(n)));
    if (hit === undefined) {
      throw new Error(
        `no problem contains all of ${JSON.stringify(needles)}; got ${JSON.stringify(err.problems)}`,
      );
    }
    expect(err.message).toContain(hit);
    expect(err.problems.join("\n")).not.toContain(TOKEN);
  });

  test("a presign expiry longer than 7 days names where it was set and the value", () => {
    const fromEnv = failure({ MCP_S3_PRESIGN_MAX_EXPIRY: "8d" });
    expect(fromEnv.problems).toHaveLength(1);
    expect(fromEnv.problems[0]).toContain("MCP_S3_PRESIGN_MAX_EXPIRY");
    expect(fromEnv.problems[0]).toContain('"8d"');
    const fromYaml = failure(
      {},
      { config: yamlFile("policy:\n  presign_max_expiry: 8d\nconnections:\n  a: {}\n  b: {}\n") },
    );
    expect(fromYaml.problems).toHaveLength(1);
    expect(fromYaml.problems[0]).toContain("policy.presign_max_expiry");
    expect(fromYaml.problems[0]).toContain('"8d"');
    expect(conn(load({ MCP_S3_PRESIGN_MAX_EXPIRY: "7d" })).policy.presign_max_expiry_seconds).toBe(604_800);
  });

  test("flags are validated and named", () => {
    const err = failure({}, { read_only: "perhaps", max_get_size: "big", max_put_size: "-3", audit: "loud" });
    const text = err.problems.join("\n");
    for (const needle of [
      "--read-only",
      '"perhaps"',
      "--max-get-size",
      '"big"',
      "--max-put-size",
      '"-3"',
      "--audit",
      '"loud"',
    ]) {
      expect(text).toContain(needle);
    }
    expect(err.problems).toHaveLength(4);
    expect(failure({}, { connection: "ghost" }).problems[0]).toContain("--connection");
  });

  test("several bad values: ALL are listed, env and YAML together", () => {
    const f = yamlFile(
      "policy:\n  read_only: maybe\n  max_put_size: 5QB\nconnections:\n  a:\n    timeout: later\n",
    );
    const err = failure(
      {
        MCP_S3_EXT_SIZELIMIT: "perhaps",
        MCP_S3_MAX_GET_SIZE: "10XB",
        S3_TIMEOUT: "0s",
        MCP_S3_ALLOWED_PREFIXES: ",",
        S3_ADDITIONAL_CONNECTIONS: "{",
      },
      { config: f },
    );
    const text = err.problems.join("\n");
    for (const needle of [
      "MCP_S3_EXT_SIZELIMIT",
      "MCP_S3_MAX_GET_SIZE",
      "S3_TIMEOUT",
      "MCP_S3_ALLOWED_PREFIXES",
      "S3_ADDITIONAL_CONNECTIONS",
      "policy.read_only",
      "policy.max_put_size",
      "connections.a.timeout",
    ]) {
      expect(text).toContain(needle);
    }
    expect(err.problems.length).toBeGreaterThanOrEqual(8);
    expect(err.message).toContain(`(${err.problems.length} problems)`);
  });

  test("an unknown key does not hide the other problems of the same file", () => {
    const f = yamlFile(
      "policy:\n  read_onyl: false\n  max_get_size: 10XB\nconnections:\n  a:\n    timeout: soon\n",
    );
    const text = failure({ MCP_S3_EXT_AUDIT: "perhaps" }, { config: f }).problems.join("\n");
    expect(text).toContain("policy.read_onyl");
    expect(text).toContain("policy.max_get_size");
    expect(text).toContain('"10XB"');
    expect(text).toContain("connections.a.timeout");
    expect(text).toContain("MCP_S3_EXT_AUDIT");
  });

  test("the exact message of a bad env value", () => {
    expect(failure({ MCP_S3_EXT_READONLY: "maybe" }).problems).toEqual([
      'MCP_S3_EXT_READONLY: "maybe" is not valid; expected one of true/false/1/0/yes/no/on/off (any case)',
    ]);
  });
});

describe("secrets never appear in problems", () => {
  const check = (err: ConfigError) => {
    const all = `${err.message}\n${err.problems.join("\n")}\n${JSON.stringify(err.toJSON())}\n${err.hint}`;
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain("hunter2");
    expect(all).not.toContain(WORD_SECRET);
  };

  test("an invalid secret_access_key value is redacted", () => {
    const f = yamlFile(
      `connections:\n  a:\n    access_key_id: AK\n    secret_access_key: ["${SECRET}"]\n    session_token: ["${TOKEN}"]\n`,
    );
    const err = failure({}, { config: f });
    expect(err.problems.join("\n")).toContain("connections.a.secret_access_key");
    expect(err.problems.join("\n")).toContain("(redacted)");
    check(err);
  });

  test("secrets in S3_ADDITIONAL_CONNECTIONS that fail validation are redacted", () => {
    const err = failure({
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
        x: { access_key_id: "AK", secret_access_key: [SECRET], session_token: { t: TOKEN } },
      }),
    });
    expect(err.problems.join("\n")).toContain("S3_ADDITIONAL_CONNECTIONS.x.secret_access_key");
    check(err);
  });

  test("malformed S3_ADDITIONAL_CONNECTIONS JSON does not echo its text", () => {
    for (const json of [
      `{"x":{"secret_access_key":${WORD_SECRET}}}`,
      `{"x":{"secret_access_key":${SECRET}}}`,
      `{"x":{"secret_access_key":"${SECRET}", }}`,
      `{"x":{"secret_access_key":"${SECRET}"`,
      `{"x":{"session_token":'${TOKEN}'}}`,
    ]) {
      const err = failure({ S3_ADDITIONAL_CONNECTIONS: json });
      expect(err.problems[0]).toStartWith("S3_ADDITIONAL_CONNECTIONS: ");
      check(err);
    }
  });

  test("credentials embedded in an endpoint URL are not echoed", () => {
    const err = failure({ S3_ENDPOINT: `https://AKID:${SECRET}@s3.example.com` });
    expect(err.problems[0]).toContain("S3_ENDPOINT");
    check(err);
    const f = yamlFile("connections:\n  a:\n    public_endpoint: https://user:hunter2@files.example.com\n");
    check(failure({}, { config: f }));
  });

  test("a malformed reference inside a secret does not echo the secret", () => {
    const f = yamlFile(
      `connections:\n  a:\n    access_key_id: AK\n    secret_access_key: "ab\${${SECRET}"\n`,
    );
    const err = failure({}, { config: f });
    expect(err.problems.join("\n")).toContain("connections.a.secret_access_key");
    check(err);
  });

  test("valid secrets are not echoed when something else is wrong", () => {
    check(
      failure({
        AWS_ACCESS_KEY_ID: "AK",
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_SESSION_TOKEN: TOKEN,
        MCP_S3_EXT_READONLY: "maybe",
        S3_TIMEOUT: "x",
      }),
    );
  });
});

describe("the result", () => {
  test("is deeply frozen", () => {
    const f = yamlFile(
      "connections:\n  a:\n    policy:\n      allowed_prefixes: [x/]\naudit:\n  enabled: true\n",
    );
    const c = load({}, { config: f });
    const a = conn(c, "a");
    for (const o of [
      c,
      c.connections,
      a,
      a.policy,
      a.policy.allowed_prefixes,
      a.policy.denied_prefixes,
      c.audit,
    ]) {
      expect(Object.isFrozen(o)).toBe(true);
    }
    expect(() => {
      (a.policy as { read_only: boolean }).read_only = false;
    }).toThrow(TypeError);
    expect(() => {
      (a.policy.allowed_prefixes as string[]).push("");
    }).toThrow(TypeError);
    expect(() => {
      (c.connections as Record<string, unknown>).evil = {};
    }).toThrow(TypeError);
    expect(a.policy.read_only).toBe(true);
  });

  test("two loads never share mutable state", () => {
    const one = load({ MCP_S3_ALLOWED_PREFIXES: "a/" });
    const two = load();
    expect(conn(one).policy.allowed_prefixes).toEqual(["a/"]);
    expect(conn(two).policy.allowed_prefixes).toEqual([]);
  });

  test("does not read process.env", () => {
    const saved = process.env.MCP_S3_EXT_READONLY;
    process.env.MCP_S3_EXT_READONLY = "false";
    try {
      expect(conn(load()).policy.read_only).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.MCP_S3_EXT_READONLY;
      else process.env.MCP_S3_EXT_READONLY = saved;
    }
  });
});

describe("`mcp-s3 config check` as a subprocess", () => {
  const run = (env: Record<string, string>) =>
    Bun.spawnSync([process.execPath, "src/main.ts", "config", "check"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: EMPTY_HOME, XDG_CONFIG_HOME: EMPTY_XDG, ...env },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 60_000,
    });

  test("two bad values: exit 5 and stderr names both variables", () => {
    const r = run({
      MCP_S3_EXT_READONLY: "maybe",
      MCP_S3_MAX_GET_SIZE: "10XB",
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_ACCESS_KEY_ID: "AK",
    });
    const stderr = r.stderr.toString();
    expect(r.exitCode).toBe(5);
    expect(stderr).toContain("MCP_S3_EXT_READONLY");
    expect(stderr).toContain('"maybe"');
    expect(stderr).toContain("MCP_S3_MAX_GET_SIZE");
    expect(stderr).toContain('"10XB"');
    expect(stderr).toContain("InvalidConfig");
    expect(stderr + r.stdout.toString()).not.toContain(SECRET);
  });

  test("a valid configuration: exit 0", () => {
    const r = run({ MCP_S3_EXT_READONLY: "false" });
    expect(r.exitCode).toBe(0);
  });
});
