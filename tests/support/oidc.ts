// A real OpenID provider on loopback for the HTTP tests: oidc-provider (a certified implementation)
// issuing client-credentials access tokens as JWTs (RFC 9068) whose audience is the resource named
// by the client (RFC 8707 resource indicators), signed with keys this module generated, so tests
// can also forge tokens the provider would never issue (expired, wrong key, HMAC, alg none).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

// oidc-provider ships no types; this is the part we use. A non-literal specifier keeps the type
// checker from demanding its declarations.
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
async function loadProvider(): Promise<ProviderClass> {
  const specifier = "oidc-provider";
  return ((await import(specifier)) as { default: ProviderClass }).default;
}

export interface TestClient {
  readonly client_id: string;
  readonly secret: string;
  /** Scopes the client may be granted (space-separated). */
  readonly scope: string;
  /** Extra claims put into its access tokens (e.g. groups). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface IssuerOptions {
  readonly clients: readonly TestClient[];
  /** Every scope a resource server may be granted (default: the union of the clients'). */
  readonly scopes?: readonly string[];
  /** Algorithm of access tokens: RS256 or ES256 (default ES256). */
  readonly alg?: "RS256" | "ES256";
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface TestIssuer {
  /** The issuer identifier, e.g. http://127.0.0.1:PORT (exactly what tokens carry in `iss`). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The keys the provider signs with. */
  readonly keys: readonly SigningKey[];
  /** An access token from the token endpoint (client credentials) for `resource`. */
  token(clientId: string, resource: string, scope?: string): Promise<string>;
  /** The raw token endpoint answer, for requests the provider refuses. */
  tokenResponse(clientId: string, resource: string, scope?: string): Promise<Response>;
  /** A token signed by hand, for the cases a provider would never issue. */
  forge(
    claims: Record<string, unknown>,
    options?: { key?: SigningKey | undefined; typ?: string; kid?: string },
  ): Promise<string>;
  /** Number of JWKS requests served so far. */
  readonly jwksFetches: number;
  stop(): Promise<void>;
}

export async function generateSigningKey(alg: "RS256" | "ES256", kid: string): Promise<SigningKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey: pair.privateKey, publicJwk };
}

export async function startIssuer(options: IssuerOptions): Promise<TestIssuer> {
  const alg = options.alg ?? "ES256";
  const pairs = await Promise.all([
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("ES256", { extractable: true }),
  ]);
  const keys: SigningKey[] = [];
  const privateJwks: JWK[] = [];
  for (const [i, pair] of pairs.entries()) {
    const a = i === 0 ? "RS256" : "ES256";
    const kid = `test-${a.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`;
    privateJwks.push({ ...(await exportJWK(pair.privateKey)), kid, alg: a, use: "sig" });
    keys.push({
      kid,
      alg: a,
      privateKey: pair.privateKey,
      publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: a, use: "sig" },
    });
  }

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const scopes = options.scopes ?? [...new Set(options.clients.flatMap((c) => c.scope.split(" ")))];
  const claimsOf = new Map(options.clients.map((c) => [c.client_id, c.claims ?? {}]));

  const Provider = await loadProvider();
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      scope: c.scope,
      token_endpoint_auth_method: "client_secret_basic",
    })),
    jwks: { keys: privateJwks },
    ttl: { ClientCredentials: 300 },
    scopes: [...scopes],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: scopes.join(" "),
          audience: resource,
          accessTokenFormat: "jwt",
          accessTokenTTL: 300,
          jwt: { sign: { alg } },
        }),
      },
    },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => ({
      ...(claimsOf.get(token.clientId ?? "") ?? {}),
    }),
  });
  let jwksFetches = 0;
  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (req.url?.startsWith("/jwks")) jwksFetches++;
    callback(req, res);
  });

  const secretOf = new Map(options.clients.map((c) => [c.client_id, c.secret]));
  const tokenResponse = (clientId: string, resource: string, scope?: string) => {
    const form = new URLSearchParams({ grant_type: "client_credentials", resource });
    if (scope !== undefined) form.set("scope", scope);
    const basic = Buffer.from(`${clientId}:${secretOf.get(clientId) ?? "wrong"}`).toString("base64");
    return fetch(`${issuer}/token`, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
  };
  const signingKey = keys.find((k) => k.alg === alg) as SigningKey;

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    keys,
    async token(clientId, resource, scope) {
      const res = await tokenResponse(clientId, resource, scope);
      const body = (await res.json()) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!res.ok || body.access_token === undefined) {
        throw new Error(`token request failed: ${res.status} ${body.error}: ${body.error_description}`);
      }
      return body.access_token;
    },
    tokenResponse,
    forge(claims, o = {}) {
      const key = o.key ?? signingKey;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: key.alg, typ: o.typ ?? "at+jwt", kid: o.kid ?? key.kid })
        .sign(key.privateKey);
    },
    get jwksFetches() {
      return jwksFetches;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
