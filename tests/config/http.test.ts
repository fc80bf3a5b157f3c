// The `http:` block (§8) and its environment variables: parsed like every other value, every
// problem named, absent unless something HTTP is configured; and what serving needs on top.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLoopbackHost, parseListen } from "../../src/config/http.ts";
import { type ConfigFlags, loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { ConfigError } from "../../src/errors.ts";
import { serveSettings } from "../../src/http/settings.ts";

const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-http-config-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let n = 0;

function load(env: Record<string, string> = {}, yaml?: string, flags: ConfigFlags = {}): Config {
  const base = { HOME: TMP, XDG_CONFIG_HOME: join(TMP, "none") };
  if (yaml === undefined) return loadConfig({ env: { ...base, ...env }, flags });
  const dir = join(TMP, `c${++n}`);
  mkdirSync(dir);
  const file = join(dir, "config.yaml");
  writeFileSync(file, yaml, { mode: 0o600 });
  return loadConfig({ env: { ...base, ...env, MCP_S3_CONFIG: file }, flags });
}

function problems(env: Record<string, string>, yaml?: string, flags: ConfigFlags = {}): string[] {
  try {
    load(env, yaml, flags);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("listen address", () => {
  const rows: [unknown, { host: string; port: number } | undefined][] = [
    ["8080", { host: "127.0.0.1", port: 8080 }],
    [8080, { host: "127.0.0.1", port: 8080 }],
    ["0.0.0.0:80", { host: "0.0.0.0", port: 80 }],
    ["[::1]:9000", { host: "::1", port: 9000 }],
    ["[::]:0", { host: "::", port: 0 }],
    ["mcp.internal:443", { host: "mcp.internal", port: 443 }],
    ["65536", undefined],
    ["host:", undefined],
    [":8080", undefined],
    ["http://0.0.0.0:8080", undefined],
    ["0.0.0.0:8080/mcp", undefined],
    ["::1:8080", undefined],
    ["", undefined],
    [true, undefined],
  ];
  for (const [input, expected] of rows) {
    test(JSON.stringify(input), () => {
      const r = parseListen(input);
      expect(r.ok ? r.value : undefined).toEqual(expected);
    });
  }

  test("loopback hosts", () => {
    expect(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"].every(isLoopbackHost)).toBe(true);
    expect(
      ["0.0.0.0", "::", "10.0.0.1", "localhost.example.com", "127.0.0.1.example.com"].some(isLoopbackHost),
    ).toBe(false);
  });
});

describe("loading", () => {
  test("nothing HTTP configured: no http block (stdio and CLI commands are unaffected)", () => {
    expect(load().http).toBeUndefined();
  });

  test("flag > environment > YAML for the listen address; defaults for the rest", () => {
    const yaml = "http:\n  listen: 0.0.0.0:9000\n";
    expect(load({}, yaml).http?.listen).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(load({ MCP_S3_HTTP_LISTEN: "9001" }, yaml).http?.listen).toEqual({
      host: "127.0.0.1",
      port: 9001,
    });
    expect(load({ MCP_S3_HTTP_LISTEN: "9001" }, yaml, { http_listen: "9002" }).http?.listen?.port).toBe(9002);
    expect(load({}, yaml).http).toMatchObject({
      allowed_hosts: [],
      allowed_origins: [],
      call_timeout_ms: 120_000,
      auth: { mode: "none", required_scopes: [], algorithms: ["RS256", "ES256", "EdDSA"] },
      principals: [],
      require_principal: false,
    });
  });

  test("OAuth from the environment; naming an issuer means oauth", () => {
    const http = load({
      MCP_S3_HTTP_LISTEN: "8080",
      MCP_S3_OAUTH_ISSUER: "https://login.example.com/",
      MCP_S3_OAUTH_AUDIENCE: "https://s3-mcp.example.com/mcp",
      MCP_S3_OAUTH_REQUIRED_SCOPES: "s3.read, s3.list",
      MCP_S3_HTTP_ALLOWED_HOSTS: "S3-MCP.example.com",
      MCP_S3_HTTP_ALLOWED_ORIGINS: "https://app.example.com/",
    }).http;
    expect(http).toMatchObject({
      allowed_hosts: ["s3-mcp.example.com"],
      allowed_origins: ["https://app.example.com"],
      auth: {
        mode: "oauth",
        issuer: "https://login.example.com/",
        audience: "https://s3-mcp.example.com/mcp",
        required_scopes: ["s3.read", "s3.list"],
      },
    });
  });

  test("principals from YAML: conditions, connections, policy parsed like the top-level one", () => {
    const http = load(
      {},
      `connections:
  prod: {region: us-east-1}
  lab: {region: us-east-1}
policy:
  read_only: true
http:
  auth: {issuer: "https://login.example.com/", audience: "https://s3-mcp.example.com/mcp", algorithms: [ES256]}
  require_principal: true
  principals:
    - match: {claims: {groups: data-team, level: 3}, scope: "s3.write s3.read"}
      connections: [prod]
      policy: {read_only: false, max_put_size: 1GB, allowed_prefixes: [team/]}
    - match: {client_id: ci-bot}
`,
    ).http;
    expect(http?.principals).toEqual([
      {
        match: { claims: { groups: "data-team", level: 3 }, scope: ["s3.write", "s3.read"] },
        connections: ["prod"],
        policy: { read_only: false, max_put_size: 1024 ** 3, allowed_prefixes: ["team/"] },
      },
      { match: { client_id: "ci-bot" }, policy: {} },
    ]);
    expect(http?.auth.algorithms).toEqual(["ES256"]);
    expect(http?.require_principal).toBe(true);
  });

  test("every problem is named", () => {
    const list = problems(
      { MCP_S3_OAUTH_ISSUER: "http://login.example.com/", MCP_S3_HTTP_LISTEN: "99999" },
      `connections: {prod: {}}
http:
  allowed_hosts: ["https://x.example.com"]
  allowed_origins: ["https://app.example.com/path"]
  call_timeout: soon
  auth: {mode: oauth, audience: "not a url", required_scopes: ["has space"], algorithms: [HS256, none]}
  require_principal: maybe
  principals:
    - match: {claims: {groups: [a, b]}, typo: 1}
      connections: [prod, nope]
      policy: {read_only: perhaps}
`,
    );
    const text = list.join("\n");
    for (const where of [
      "MCP_S3_OAUTH_ISSUER",
      "MCP_S3_HTTP_LISTEN",
      "http.allowed_hosts",
      "http.allowed_origins",
      "http.call_timeout",
      "http.auth.audience",
      "http.auth.required_scopes",
      "http.auth.algorithms",
      "http.require_principal",
      "http.principals.0.match.typo",
      "http.principals[0].match.claims.groups",
      'connection "nope" is not defined',
      "http.principals[0].policy.read_only",
    ]) {
      expect(text).toContain(where);
    }
  });

  test("oauth without issuer or audience; require_principal without oauth", () => {
    expect(problems({ MCP_S3_HTTP_AUTH: "oauth" }).join("\n")).toContain("http.auth.issuer: is required");
    expect(problems({}, "http:\n  require_principal: true\n").join("\n")).toContain("needs auth mode oauth");
  });

  test("a secret-looking value is never echoed", () => {
    const list = problems({ MCP_S3_OAUTH_ISSUER: "https://user:p4ssw0rd@login.example.com/" });
    expect(list.join("\n")).not.toContain("p4ssw0rd");
  });
});

describe("what serving needs", () => {
  test("mode none: only on loopback, or with --insecure-no-auth", () => {
    expect(serveSettings(load({ MCP_S3_HTTP_LISTEN: "8080" }), { insecureNoAuth: false }).listen.host).toBe(
      "127.0.0.1",
    );
    const wide = load({ MCP_S3_HTTP_LISTEN: "0.0.0.0:8080" });
    expect(() => serveSettings(wide, { insecureNoAuth: false })).toThrow(
      /only allowed on a loopback address/,
    );
    expect(serveSettings(wide, { insecureNoAuth: true }).auth.mode).toBe("none");
  });

  test("no address: nothing to serve", () => {
    expect(() => serveSettings(load(), { insecureNoAuth: false })).toThrow(/no address to listen on/);
  });
});

describe("config show", () => {
  test("shows the http block as it could be written back; nothing when HTTP is not configured", async () => {
    const { redactedConfig } = await import("../../src/config/redact.ts");
    expect(redactedConfig(load()).http).toBeUndefined();
    const shown = redactedConfig(
      load(
        { MCP_S3_HTTP_LISTEN: "[::]:8080" },
        `connections: {prod: {}}
http:
  auth: {issuer: "https://login.example.com/", audience: "https://s3-mcp.example.com/mcp"}
  principals:
    - match: {scope: s3.write}
      connections: [prod]
      policy: {read_only: false, max_put_size: 1GB, presign_max_expiry: 2h}
`,
      ),
    ).http as Record<string, unknown>;
    expect(shown).toMatchObject({
      listen: "[::]:8080",
      call_timeout: "2m",
      auth: { mode: "oauth", issuer: "https://login.example.com/" },
      principals: [
        {
          match: { scope: ["s3.write"] },
          connections: ["prod"],
          policy: { read_only: false, max_put_size: "1GiB", presign_max_expiry: "2h" },
        },
      ],
    });
  });
});
