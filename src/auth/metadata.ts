// What a client learns about authorizing itself here: the Protected Resource Metadata document
// (RFC 9728) and the WWW-Authenticate challenge of a 401/403 (RFC 6750 §3), which points to it.
import type { HttpSettings } from "../config/schema.ts";

/** Where RFC 9728 puts the metadata of a resource: the well-known prefix, then the resource's path. */
export const PRM_PATH = "/.well-known/oauth-protected-resource";

type Auth = HttpSettings["auth"];

/** The metadata URL of `audience` (this server's resource URL), e.g. …/oauth-protected-resource/mcp. */
export function resourceMetadataUrl(audience: string): string {
  const url = new URL(audience);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  return `${url.origin}${PRM_PATH}${path}`;
}

/** Request paths that answer with the metadata: both well-known forms, and the audience's own. */
export function metadataPaths(audience: string): Set<string> {
  return new Set([PRM_PATH, `${PRM_PATH}/mcp`, new URL(resourceMetadataUrl(audience)).pathname]);
}

export function protectedResourceMetadata(auth: Auth, http: HttpSettings): Record<string, unknown> {
  // Scopes worth asking for: those required, and those that select a caller's policy.
  const scopes = new Set(auth.required_scopes);
  for (const p of http.principals) for (const s of p.match.scope ?? []) scopes.add(s);
  return {
    resource: auth.audience,
    authorization_servers: [auth.issuer],
    scopes_supported: [...scopes],
    bearer_methods_supported: ["header"],
  };
}

export interface Challenge {
  readonly metadataUrl: string;
  readonly error?: "invalid_token" | "insufficient_scope" | undefined;
  readonly description?: string | undefined;
  /** The scopes a token needs (RFC 6750 `scope`; the MCP spec asks servers to say so). */
  readonly scopes?: readonly string[] | undefined;
}

/** `Bearer resource_metadata="…"[, error="…", error_description="…"][, scope="…"]`. */
export function wwwAuthenticate(c: Challenge): string {
  const parts = [`resource_metadata="${quoted(c.metadataUrl)}"`];
  if (c.error !== undefined) parts.push(`error="${c.error}"`);
  if (c.error !== undefined && c.description !== undefined)
    parts.push(`error_description="${quoted(c.description)}"`);
  if (c.scopes !== undefined && c.scopes.length > 0) parts.push(`scope="${quoted(c.scopes.join(" "))}"`);
  return `Bearer ${parts.join(", ")}`;
}

/** RFC 6750 values are printable ASCII without `"` and `\`. */
function quoted(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "");
}
