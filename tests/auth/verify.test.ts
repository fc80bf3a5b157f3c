// The token verifier on its own: key rotation (an unknown kid refetches the JWKS), discovery from
// the issuer's metadata, an unreachable issuer (503, never "invalid token"), and where scopes come from.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { createTokenVerifier, scopesOf } from "../../src/auth/verify.ts";
import type { HttpSettings } from "../../src/config/schema.ts";
import { generateSigningKey, type SigningKey, startIssuer, type TestIssuer } from "../support/oidc.ts";

const AUDIENCE = "https://s3-mcp.example.com/mcp";
let jwksServer: Server;
let jwksUrl: string;
let published: SigningKey[] = [];
let fetches = 0;

beforeAll(async () => {
  jwksServer = createServer((_req, res) => {
    fetches++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const ISSUER = "https://login.example.com/";

function settings(over: Partial<HttpSettings["auth"]> = {}): HttpSettings["auth"] {
  return {
    mode: "oauth",
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks_uri: jwksUrl,
    required_scopes: [],
    algorithms: ["RS256", "ES256", "EdDSA"],
    ...over,
  };
}

function sign(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  typ: string | null = "at+jwt",
): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice", ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...(typ === null ? {} : { typ }) })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key.privateKey);
}

describe("keys", () => {
  test("a token signed by a newly published key is accepted after one refetch; an unknown kid stays refused", async () => {
    const a = await generateSigningKey("ES256", "key-a");
    const b = await generateSigningKey("RS256", "key-b");
    published = [a];
    fetches = 0;
    const verifier = createTokenVerifier(settings(), { jwksCooldownMs: 0 });
    expect((await verifier.verify(await sign(a))).ok).toBe(true);
    expect(fetches).toBe(1);
    // Cached: no fetch for a known key.
    expect((await verifier.verify(await sign(a))).ok).toBe(true);
    expect(fetches).toBe(1);

    published = [a, b]; // the issuer rotates in a new key
    const verdict = await verifier.verify(await sign(b));
    expect(verdict.ok).toBe(true);
    expect(fetches).toBe(2);

    const rogue = await generateSigningKey("ES256", "key-c");
    expect(await verifier.verify(await sign(rogue))).toMatchObject({
      ok: false,
      status: 401,
      error: "invalid_token",
    });
    expect(fetches).toBe(3);
  });

  test("refetches caused by unknown kids are rate limited (jose's cooldown)", async () => {
    const a = await generateSigningKey("ES256", "key-a");
    published = [a];
    fetches = 0;
    const verifier = createTokenVerifier(settings(), { jwksCooldownMs: 60_000 });
    await verifier.verify(await sign(a));
    for (let i = 0; i < 5; i++) {
      const rogue = await generateSigningKey("ES256", `rogue-${i}`);
      expect((await verifier.verify(await sign(rogue))).ok).toBe(false);
    }
    expect(fetches).toBe(1);
  });

  test("an algorithm outside the allow list is refused even with a valid signature", async () => {
    const r = await generateSigningKey("RS256", "rsa");
    published = [r];
    const verifier = createTokenVerifier(settings({ algorithms: ["ES256"] }), { jwksCooldownMs: 0 });
    expect(await verifier.verify(await sign(r))).toMatchObject({
      ok: false,
      description: expect.stringContaining("algorithm"),
    });
  });

  test("an issuer whose keys cannot be fetched is a 503, not an invalid token", async () => {
    const a = await generateSigningKey("ES256", "key-a");
    const verifier = createTokenVerifier(settings({ jwks_uri: "http://127.0.0.1:1/jwks" }));
    expect(await verifier.verify(await sign(a))).toMatchObject({ ok: false, status: 503 });
  });
});

describe("token types", () => {
  const rows: [string | null, boolean][] = [
    ["at+jwt", true],
    ["application/at+jwt", true],
    ["AT+JWT", true],
    ["JWT", true],
    [null, true], // no typ header: a JWT (RFC 7519), as some providers send access tokens
    ["logout+jwt", false],
    ["dpop+jwt", false],
    ["secevent+jwt", false],
    ["", false],
  ];
  for (const [typ, accepted] of rows) {
    test(`typ ${JSON.stringify(typ)}: ${accepted ? "accepted" : "refused"}`, async () => {
      const a = await generateSigningKey("ES256", "key-t");
      published = [a];
      const verifier = createTokenVerifier(settings(), { jwksCooldownMs: 0 });
      expect((await verifier.verify(await sign(a, {}, typ))).ok).toBe(accepted);
    });
  }
});

describe("discovery from the issuer", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startIssuer({ clients: [{ client_id: "c", secret: "s", scope: "s3.read" }] });
  });
  afterAll(() => issuer.stop());

  test("without jwks_uri, the keys are found through the issuer's OpenID configuration", async () => {
    const verifier = createTokenVerifier(
      settings({
        issuer: issuer.issuer,
        jwks_uri: undefined,
        required_scopes: ["s3.read"],
      }) as HttpSettings["auth"],
    );
    const token = await issuer.token("c", AUDIENCE, "s3.read");
    const verdict = await verifier.verify(token);
    expect(verdict).toMatchObject({ ok: true, caller: { principal: "c", clientId: "c" } });
  });

  test("metadata that names another issuer is not used", async () => {
    const verifier = createTokenVerifier(
      settings({ issuer: `${issuer.issuer}/other`, jwks_uri: undefined }) as HttpSettings["auth"],
    );
    const token = await issuer.forge({ iss: `${issuer.issuer}/other`, aud: AUDIENCE, sub: "x" });
    expect(await verifier.verify(token)).toMatchObject({ ok: false, status: 503 });
  });
});

describe("scopes", () => {
  const rows: [string, Record<string, unknown>, string[]][] = [
    ["scope, space-separated", { scope: "a b  c" }, ["a", "b", "c"]],
    ["scp array", { scp: ["a", "b"] }, ["a", "b"]],
    ["scp string (Azure)", { scp: "a b" }, ["a", "b"]],
    ["both", { scope: "a", scp: ["b"] }, ["a", "b"]],
    ["neither", {}, []],
    ["non-strings ignored", { scp: ["a", 1, null, { x: 1 }], scope: 5 }, ["a"]],
    ["empty strings ignored", { scope: " ", scp: [""] }, []],
  ];
  for (const [name, claims, expected] of rows) {
    test(name, () => expect([...scopesOf(claims)].sort()).toEqual(expected));
  }
});
