// Bearer access tokens (§8, the MCP authorization spec's resource-server role), checked with jose:
// signature against the issuer's JWKS (cached; refetched when a token names an unknown key), `iss`,
// `aud`, `exp`/`nbf` with 60 s leeway, an algorithm allow list, the token type and the required
// scopes. No crypto is written here. A token is never logged nor echoed: failures are described by
// jose's error code, never by its message or the token's content.
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import type { HttpSettings } from "../config/schema.ts";

/** Leeway for `exp` and `nbf`: clocks of the issuer and this server drift apart. */
export const CLOCK_TOLERANCE_SECONDS = 60;
/** A header longer than this is no access token any issuer would send. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** After a failed discovery or JWKS fetch, requests fail fast for this long before it is tried again. */
const RETRY_AFTER_FAILURE_MS = 5_000;

export interface Caller {
  readonly claims: JWTPayload;
  readonly scopes: ReadonlySet<string>;
  /** For the audit line: `sub`, else `client_id`. */
  readonly principal: string | undefined;
  /** `client_id`, else `azp` (the OpenID "authorized party" several providers use instead). */
  readonly clientId: string | undefined;
}

export type Verdict =
  | { readonly ok: true; readonly caller: Caller }
  | {
      readonly ok: false;
      /** 401: no usable token; 403: a valid token short of scopes; 503: the issuer cannot be reached. */
      readonly status: 401 | 403 | 503;
      readonly error: "invalid_token" | "insufficient_scope" | "temporarily_unavailable";
      readonly description: string;
    };

export interface TokenVerifier {
  verify(token: string): Promise<Verdict>;
}

export interface VerifierOptions {
  /** Minimum time between two JWKS fetches caused by unknown key ids (jose's default: 30 s). */
  readonly jwksCooldownMs?: number;
  readonly fetch?: typeof fetch;
}

type OAuthSettings = HttpSettings["auth"];

export function createTokenVerifier(auth: OAuthSettings, options: VerifierOptions = {}): TokenVerifier {
  const issuer = auth.issuer;
  const audience = auth.audience;
  if (auth.mode !== "oauth" || issuer === undefined || audience === undefined) {
    throw new Error("createTokenVerifier needs auth mode oauth with issuer and audience");
  }
  const keys = keySource(issuer, auth.jwks_uri, options);
  const algorithms = [...auth.algorithms];
  const required = auth.required_scopes;

  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) return invalid("the token is too long");
      let payload: JWTPayload;
      let typ: string | undefined;
      try {
        const result = await jwtVerify(token, keys, {
          issuer,
          audience,
          algorithms,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ["exp"],
        });
        payload = result.payload;
        typ = result.protectedHeader.typ;
      } catch (e) {
        return rejection(e);
      }
      // RFC 9068 access tokens say at+jwt; many providers still say JWT, and some (Okta) leave the
      // header out, which RFC 7519 reads as JWT. Any other type (a logout token, a DPoP proof) is
      // not an access token.
      const type = (typ ?? "JWT").toLowerCase().replace(/^application\//, "");
      if (type !== "at+jwt" && type !== "jwt") return invalid("the token is not an access token (typ)");

      const scopes = scopesOf(payload);
      const missing = required.filter((s) => !scopes.has(s));
      if (missing.length > 0) {
        return {
          ok: false,
          status: 403,
          error: "insufficient_scope",
          description: `the token lacks the scope${missing.length === 1 ? "" : "s"} ${missing.join(" ")}`,
        };
      }
      const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
      return {
        ok: true,
        caller: { claims: payload, scopes, principal: stringClaim(payload.sub) ?? clientId, clientId },
      };
    },
  };
}

/** `scope` (space-separated, RFC 9068) or `scp` (an array; some providers send a string). */
export function scopesOf(claims: JWTPayload): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const list = typeof v === "string" ? v.split(" ") : Array.isArray(v) ? v : [];
    for (const s of list) if (typeof s === "string" && s !== "") out.add(s);
  };
  add(claims.scope);
  add(claims.scp);
  return out;
}

function stringClaim(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function invalid(description: string): Verdict {
  return { ok: false, status: 401, error: "invalid_token", description };
}

/** What went wrong, from jose's error code and claim name only. */
function rejection(e: unknown): Verdict {
  if (e instanceof UnreachableIssuer) {
    return { ok: false, status: 503, error: "temporarily_unavailable", description: e.message };
  }
  if (e instanceof errors.JWTExpired) return invalid("the token has expired");
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case "iss":
        return invalid("the token was not issued by the configured issuer");
      case "aud":
        return invalid("the token is not meant for this server (aud)");
      case "nbf":
        return invalid("the token is not valid yet");
      case "exp":
        return invalid("the token has no expiry");
      default:
        return invalid("a claim of the token is invalid");
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return invalid("the token's signing algorithm is not allowed");
  if (e instanceof errors.JWKSNoMatchingKey) return invalid("no key of the issuer matches the token");
  if (e instanceof errors.JWKSMultipleMatchingKeys) return invalid("the token names no key (kid)");
  if (e instanceof errors.JWSSignatureVerificationFailed) return invalid("the token's signature is invalid");
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) {
    return {
      ok: false,
      status: 503,
      error: "temporarily_unavailable",
      description: "the issuer's keys cannot be fetched",
    };
  }
  return invalid("the token is malformed or unsupported");
}

class UnreachableIssuer extends Error {}

type KeyFunction = ReturnType<typeof createRemoteJWKSet>;

/**
 * The issuer's keys: from `jwks_uri`, else from the issuer's metadata (OpenID discovery, then RFC
 * 8414), discovered on first use so that the server starts while the issuer is briefly down.
 */
function keySource(issuer: string, jwksUri: string | undefined, options: VerifierOptions): KeyFunction {
  const doFetch = options.fetch ?? fetch;
  const remote = (url: string) =>
    createRemoteJWKSet(new URL(url), {
      timeoutDuration: 5_000,
      ...(options.jwksCooldownMs === undefined ? {} : { cooldownDuration: options.jwksCooldownMs }),
    });
  if (jwksUri !== undefined) return guarded(remote(jwksUri));

  let resolved: KeyFunction | undefined;
  let pending: Promise<KeyFunction> | undefined;
  let failedAt = 0;
  const discover = async (): Promise<KeyFunction> => {
    const uri = await discoverJwksUri(issuer, doFetch);
    resolved = guarded(remote(uri));
    return resolved;
  };
  const source = (async (header, token) => {
    if (resolved === undefined) {
      if (pending === undefined) {
        if (Date.now() - failedAt < RETRY_AFTER_FAILURE_MS) {
          throw new UnreachableIssuer("the issuer's metadata cannot be fetched");
        }
        pending = discover().catch((e) => {
          failedAt = Date.now();
          pending = undefined;
          throw e;
        });
      }
      await pending;
    }
    return (resolved as KeyFunction)(header, token);
  }) as KeyFunction;
  return source;
}

/** Network failures of the JWKS fetch become UnreachableIssuer (503), not "invalid token". */
function guarded(keys: KeyFunction): KeyFunction {
  return (async (header, token) => {
    try {
      return await keys(header, token);
    } catch (e) {
      if (e instanceof errors.JOSEError && e.code !== "ERR_JOSE_GENERIC") throw e;
      throw new UnreachableIssuer("the issuer's keys cannot be fetched");
    }
  }) as KeyFunction;
}

async function discoverJwksUri(issuer: string, doFetch: typeof fetch): Promise<string> {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/+$/, "");
  const candidates = [
    `${base.origin}${path}/.well-known/openid-configuration`,
    `${base.origin}/.well-known/oauth-authorization-server${path}`,
  ];
  for (const url of candidates) {
    let metadata: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await doFetch(url, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      if (!res.ok) continue;
      metadata = (await res.json()) as typeof metadata;
    } catch {
      continue;
    }
    // RFC 8414 §3.3: metadata that names another issuer must not be used.
    if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== "string") continue;
    const jwks = new URL(metadata.jwks_uri);
    if (jwks.protocol !== "https:" && jwks.protocol !== base.protocol) continue;
    return jwks.href;
  }
  throw new UnreachableIssuer("the issuer's metadata (jwks_uri) cannot be fetched");
}
