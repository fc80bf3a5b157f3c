// Matching callers to http.principals (first match wins, every condition must hold, array claims
// contain) and the effective configuration a match yields.
import { describe, expect, test } from "bun:test";
import type { JWTPayload } from "jose";
import { effectiveConfig, matchPrincipal } from "../../src/auth/principals.ts";
import { scopesOf } from "../../src/auth/verify.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Principal } from "../../src/config/schema.ts";

function caller(claims: JWTPayload) {
  const clientId = (claims.client_id ?? claims.azp) as string | undefined;
  return {
    claims,
    scopes: scopesOf(claims),
    principal: (claims.sub as string | undefined) ?? clientId,
    clientId,
  };
}

const p = (match: Principal["match"]): Principal => ({ match, policy: {} });

describe("matchPrincipal", () => {
  const rows: [string, Principal["match"], JWTPayload, boolean][] = [
    ["sub equal", { sub: "alice" }, { sub: "alice" }, true],
    ["sub differs in case", { sub: "alice" }, { sub: "Alice" }, false],
    ["sub missing", { sub: "alice" }, {}, false],
    ["client_id", { client_id: "ci" }, { client_id: "ci" }, true],
    ["client_id from azp", { client_id: "ci" }, { azp: "ci" }, true],
    ["client_id wins over azp", { client_id: "ci" }, { client_id: "other", azp: "ci" }, false],
    ["scope present", { scope: ["s3.write"] }, { scope: "s3.read s3.write" }, true],
    ["all scopes needed", { scope: ["a", "b"] }, { scope: "a" }, false],
    ["scope prefix is not the scope", { scope: ["s3.write"] }, { scope: "s3.write-all" }, false],
    ["scope from scp", { scope: ["a"] }, { scp: ["a"] }, true],
    ["claim string", { claims: { team: "data" } }, { team: "data" }, true],
    ["claim array contains", { claims: { groups: "data" } }, { groups: ["x", "data"] }, true],
    ["claim array lacks", { claims: { groups: "data" } }, { groups: ["database"] }, false],
    ["claim substring is no match", { claims: { groups: "data" } }, { groups: "data-team" }, false],
    ["claim number", { claims: { level: 3 } }, { level: 3 }, true],
    ["claim number vs string", { claims: { level: 3 } }, { level: "3" }, false],
    ["claim boolean", { claims: { admin: true } }, { admin: true }, true],
    ["claim missing", { claims: { admin: true } }, {}, false],
    ["inherited property is no claim", { claims: { toString: "x" } }, {}, false],
    ["claim object is no match", { claims: { org: "a" } }, { org: { name: "a" } }, false],
    ["every condition", { sub: "alice", claims: { team: "data" } }, { sub: "alice", team: "ops" }, false],
    ["empty match: anyone", {}, { sub: "anyone" }, true],
  ];
  for (const [name, match, claims, expected] of rows) {
    test(name, () => expect(matchPrincipal([p(match)], caller(claims)) === 0).toBe(expected));
  }

  test("first match wins", () => {
    const list = [p({ sub: "bob" }), p({ claims: { team: "data" } }), p({})];
    expect(matchPrincipal(list, caller({ sub: "alice", team: "data" }))).toBe(1);
    expect(matchPrincipal(list, caller({ sub: "bob", team: "data" }))).toBe(0);
    expect(matchPrincipal(list, caller({ sub: "carol" }))).toBe(2);
    expect(matchPrincipal(list.slice(0, 2), caller({ sub: "carol" }))).toBeUndefined();
  });
});

describe("effectiveConfig", () => {
  const config = loadConfig({
    env: {
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
        prod: { region: "eu-west-1" },
        archive: { region: "us-east-1" },
      }),
      MCP_S3_MAX_GET_SIZE: "1MB",
    },
  });

  test("only the principal's connections, its policy laid over each connection's", () => {
    const eff = effectiveConfig(config, {
      match: {},
      connections: ["prod"],
      policy: { read_only: false, allowed_prefixes: ["team/"], prefix_acl: true },
    });
    expect(Object.keys(eff.connections)).toEqual(["prod"]);
    expect(eff.connections.prod?.policy).toMatchObject({
      read_only: false,
      prefix_acl: true,
      allowed_prefixes: ["team/"],
      max_get_size: 1024 * 1024, // untouched fields keep the top-level value
    });
    // The default connection is not the caller's: its first connection becomes its default.
    expect(config.default_connection).toBe("default");
    expect(eff.default_connection).toBe("prod");
    // The process's configuration is unchanged.
    expect(config.connections.prod?.policy.read_only).toBe(true);
  });

  test("without a principal, or without a connection list: everything", () => {
    expect(effectiveConfig(config, undefined)).toBe(config);
    const eff = effectiveConfig(config, { match: {}, policy: {} });
    expect(Object.keys(eff.connections).sort()).toEqual(["archive", "default", "prod"]);
    expect(eff.default_connection).toBe("default");
  });
});
