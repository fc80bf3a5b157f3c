// The `http:` block (§8) from flags > environment > YAML, validated like every other value. It is
// built only when something HTTP was configured; `serve --http` checks what serving needs on top
// (src/http/settings.ts), so that a CLI command never fails over an HTTP-only setting.
import type { Problems } from "./problems.ts";
import { parseString } from "./problems.ts";
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_TOKEN_ALGORITHMS,
  type HttpSettings,
  type Policy,
  type Principal,
  TOKEN_ALGORITHMS,
} from "./schema.ts";
import { type Parsed, parseBoolean, parseDuration, parseList } from "./values.ts";
import type { YamlHttp, YamlPolicy } from "./yaml-schema.ts";

type Env = Readonly<Record<string, string | undefined>>;
type PolicyLayer = Partial<{ -readonly [K in keyof Policy]: Policy[K] }>;

export interface HttpSources {
  readonly yaml: YamlHttp | undefined;
  readonly env: Env;
  /** `serve --http [HOST:]PORT`. */
  readonly listenFlag: string | undefined;
  readonly connections: readonly string[];
  /** Parses a policy block exactly as the top-level and per-connection ones are parsed. */
  readonly policyLayer: (p: YamlPolicy | undefined, at: string, problems: Problems) => PolicyLayer;
}

export const LISTEN_ACCEPTED =
  "[HOST:]PORT, e.g. 8080, 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080 (port 0-65535; HOST defaults to 127.0.0.1)";

/** `[HOST:]PORT`; HOST defaults to the loopback address, so a bare port never listens on the network. */
export function parseListen(input: unknown): Parsed<{ host: string; port: number }> {
  const bad = { ok: false as const, accepted: LISTEN_ACCEPTED };
  if (typeof input === "number") input = String(input);
  if (typeof input !== "string") return bad;
  const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(input.trim());
  if (m === null) return bad;
  const port = Number(m[2]);
  if (port > 65535) return bad;
  const host = m[1] === undefined ? "127.0.0.1" : m[1].replace(/^\[(.*)\]$/, "$1");
  if (host === "") return bad;
  return { ok: true, value: { host, port } };
}

/** Loopback: only this machine can connect (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** An http(s) URL; plain http only for a loopback host (tests, a local identity provider). */
function parseUrl(what: string) {
  return (v: unknown): Parsed<string> => {
    const accepted = `an https:// URL (${what}); http:// only on a loopback host`;
    if (typeof v !== "string") return { ok: false, accepted };
    try {
      const url = new URL(v);
      if (url.username !== "" || url.password !== "" || url.hash !== "") return { ok: false, accepted };
      if (url.protocol === "https:") return { ok: true, value: v };
      if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return { ok: true, value: v };
    } catch {
      // Not a URL at all.
    }
    return { ok: false, accepted };
  };
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
function parseScopes(v: unknown): Parsed<string[]> {
  const accepted = "a list of OAuth scope names (no spaces or quotes), comma-separated in the environment";
  const list = parseList(v);
  if (!list.ok) return { ok: false, accepted };
  return list.value.every((s) => SCOPE_TOKEN.test(s)) ? list : { ok: false, accepted };
}

function parseAlgorithms(v: unknown): Parsed<(typeof TOKEN_ALGORITHMS)[number][]> {
  const accepted = `a list of asymmetric JWS algorithms from ${TOKEN_ALGORITHMS.join(", ")} (never none or HS*)`;
  const list = parseList(v);
  if (!list.ok || list.value.length === 0) return { ok: false, accepted };
  const known = new Set<string>(TOKEN_ALGORITHMS);
  return list.value.every((a) => known.has(a))
    ? { ok: true, value: list.value as (typeof TOKEN_ALGORITHMS)[number][] }
    : { ok: false, accepted };
}

function parseMode(v: unknown): Parsed<"oauth" | "none"> {
  return v === "oauth" || v === "none" ? { ok: true, value: v } : { ok: false, accepted: "oauth or none" };
}

function parseClaimValue(v: unknown): Parsed<string | number | boolean> {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean"
    ? { ok: true, value: v }
    : { ok: false, accepted: "a string, number or boolean (an array claim matches when it contains it)" };
}

function envValue(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === "" ? undefined : v;
}

const HTTP_ENV = [
  "MCP_S3_HTTP_LISTEN",
  "MCP_S3_HTTP_AUTH",
  "MCP_S3_HTTP_ALLOWED_HOSTS",
  "MCP_S3_HTTP_ALLOWED_ORIGINS",
  "MCP_S3_OAUTH_ISSUER",
  "MCP_S3_OAUTH_AUDIENCE",
  "MCP_S3_OAUTH_JWKS_URI",
  "MCP_S3_OAUTH_REQUIRED_SCOPES",
] as const;

/** The resolved `http` settings, or undefined when nothing HTTP is configured anywhere. */
export function loadHttpSettings(src: HttpSources, problems: Problems): HttpSettings | undefined {
  const { yaml, env } = src;
  if (
    yaml === undefined &&
    src.listenFlag === undefined &&
    HTTP_ENV.every((n) => envValue(env, n) === undefined)
  )
    return undefined;

  const fromEnv = <T>(name: (typeof HTTP_ENV)[number], parse: (v: unknown) => Parsed<T>) =>
    problems.take(name, envValue(env, name), parse);
  const auth = yaml?.auth;

  const issuer =
    fromEnv("MCP_S3_OAUTH_ISSUER", parseUrl("the authorization server's issuer")) ??
    problems.take("http.auth.issuer", auth?.issuer, parseUrl("the authorization server's issuer"));
  const audience =
    fromEnv(
      "MCP_S3_OAUTH_AUDIENCE",
      parseUrl("this server's resource URL, e.g. https://s3-mcp.example.com/mcp"),
    ) ??
    problems.take(
      "http.auth.audience",
      auth?.audience,
      parseUrl("this server's resource URL, e.g. https://s3-mcp.example.com/mcp"),
    );
  const jwksUri =
    fromEnv("MCP_S3_OAUTH_JWKS_URI", parseUrl("the issuer's JWKS")) ??
    problems.take("http.auth.jwks_uri", auth?.jwks_uri, parseUrl("the issuer's JWKS"));
  // Naming an issuer or audience means OAuth; with neither, there is nothing to validate tokens against.
  const mode =
    fromEnv("MCP_S3_HTTP_AUTH", parseMode) ??
    problems.take("http.auth.mode", auth?.mode, parseMode) ??
    (issuer !== undefined || audience !== undefined ? "oauth" : "none");
  if (mode === "oauth") {
    if (issuer === undefined)
      problems.add("http.auth.issuer", "is required with auth mode oauth (or MCP_S3_OAUTH_ISSUER)");
    if (audience === undefined)
      problems.add("http.auth.audience", "is required with auth mode oauth (or MCP_S3_OAUTH_AUDIENCE)");
  }

  const principals = (yaml?.principals ?? []).map((p, i) => principal(p, i, src, problems));
  const requirePrincipal =
    problems.take("http.require_principal", yaml?.require_principal, parseBoolean) ?? false;
  if (requirePrincipal && mode === "none") {
    problems.add(
      "http.require_principal",
      "needs auth mode oauth: without a token no caller can be matched, so every request would be refused",
    );
  }

  const listen =
    problems.take("--http", src.listenFlag, parseListen) ??
    fromEnv("MCP_S3_HTTP_LISTEN", parseListen) ??
    problems.take("http.listen", yaml?.listen, parseListen);

  return clean({
    listen,
    allowed_hosts:
      fromEnv("MCP_S3_HTTP_ALLOWED_HOSTS", parseHostList) ??
      problems.take("http.allowed_hosts", yaml?.allowed_hosts, parseHostList) ??
      [],
    allowed_origins:
      fromEnv("MCP_S3_HTTP_ALLOWED_ORIGINS", parseOriginList) ??
      problems.take("http.allowed_origins", yaml?.allowed_origins, parseOriginList) ??
      [],
    call_timeout_ms:
      problems.take("http.call_timeout", yaml?.call_timeout, parseDuration) ?? DEFAULT_CALL_TIMEOUT_MS,
    auth: clean({
      mode,
      issuer,
      audience,
      jwks_uri: jwksUri,
      required_scopes:
        fromEnv("MCP_S3_OAUTH_REQUIRED_SCOPES", parseScopes) ??
        problems.take("http.auth.required_scopes", auth?.required_scopes, parseScopes) ??
        [],
      algorithms: problems.take("http.auth.algorithms", auth?.algorithms, parseAlgorithms) ?? [
        ...DEFAULT_TOKEN_ALGORITHMS,
      ],
    }),
    principals,
    require_principal: requirePrincipal,
  }) as HttpSettings;
}

function principal(
  raw: NonNullable<YamlHttp["principals"]>[number],
  i: number,
  src: HttpSources,
  problems: Problems,
): Principal {
  const at = `http.principals[${i}]`;
  const m = raw.match ?? {};
  let claims: Record<string, string | number | boolean> | undefined;
  if (m.claims !== undefined && m.claims !== null) {
    if (typeof m.claims !== "object" || Array.isArray(m.claims)) {
      problems.bad(`${at}.match.claims`, m.claims, "a mapping of claim name to value");
    } else {
      claims = {};
      for (const [name, value] of Object.entries(m.claims)) {
        const parsed = problems.take(`${at}.match.claims.${name}`, value, parseClaimValue);
        if (parsed !== undefined) claims[name] = parsed;
      }
    }
  }
  const connections = problems.take(`${at}.connections`, raw.connections, parseList);
  for (const name of connections ?? []) {
    if (!src.connections.includes(name)) {
      problems.add(
        `${at}.connections`,
        `connection ${JSON.stringify(name)} is not defined; defined: ${src.connections.join(", ") || "(none)"}`,
      );
    }
  }
  if (connections !== undefined && connections.length === 0) {
    problems.add(
      `${at}.connections`,
      "is empty: a caller with no connection can do nothing; omit it for all",
    );
  }
  return clean({
    match: clean({
      sub: problems.take(`${at}.match.sub`, m.sub, parseString),
      client_id: problems.take(`${at}.match.client_id`, m.client_id, parseString),
      scope: problems.take(`${at}.match.scope`, m.scope, parseScopeMatch),
      claims,
    }),
    connections,
    policy: src.policyLayer(raw.policy, `${at}.policy`, problems),
  }) as Principal;
}

/** One scope or a list (space- or comma-separated, or a YAML list): the token must carry all. */
function parseScopeMatch(v: unknown): Parsed<string[]> {
  return parseScopes(
    typeof v === "string"
      ? v
          .trim()
          .split(/[\s,]+/)
          .join(",")
      : v,
  );
}

function parseHostList(v: unknown): Parsed<string[]> {
  const accepted = "a list of host names without port or scheme, e.g. s3-mcp.example.com";
  const list = parseList(v);
  if (!list.ok) return { ok: false, accepted };
  return list.value.every((h) => /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$/.test(h))
    ? { ok: true, value: list.value.map((h) => h.toLowerCase()) }
    : { ok: false, accepted };
}

function parseOriginList(v: unknown): Parsed<string[]> {
  const accepted =
    "a list of origins as browsers send them, scheme://host[:port], e.g. https://app.example.com";
  const list = parseList(v);
  if (!list.ok) return { ok: false, accepted };
  const origins: string[] = [];
  for (const o of list.value) {
    try {
      const url = new URL(o);
      const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "";
      if (url.origin === "null" || !bare) return { ok: false, accepted };
      origins.push(url.origin);
    } catch {
      return { ok: false, accepted };
    }
  }
  return { ok: true, value: origins };
}

function clean<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
