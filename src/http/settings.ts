// What `serve --http` needs beyond a valid configuration: an address to listen on, and either
// OAuth or an explicit, announced decision to serve without it (§8).
import { isLoopbackHost } from "../config/http.ts";
import type { Config, HttpSettings } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";

export interface ServeSettings extends HttpSettings {
  readonly listen: { readonly host: string; readonly port: number };
}

export interface ServeFlags {
  /** `--insecure-no-auth`: serve without authorization on a non-loopback address. */
  readonly insecureNoAuth: boolean;
}

/** The settings to serve with, or a ConfigError listing every reason it cannot start. */
export function serveSettings(config: Config, flags: ServeFlags): ServeSettings {
  const http = config.http;
  const listen = http?.listen;
  if (http === undefined || listen === undefined) {
    throw new ConfigError([
      "--http: no address to listen on (--http [HOST:]PORT, MCP_S3_HTTP_LISTEN or http.listen)",
    ]);
  }
  const problems: string[] = [];
  if (http.auth.mode === "none" && !isLoopbackHost(listen.host) && !flags.insecureNoAuth) {
    problems.push(
      `http.auth.mode: none is only allowed on a loopback address, not ${listen.host}: configure OAuth (http.auth.issuer and audience, or MCP_S3_OAUTH_ISSUER and MCP_S3_OAUTH_AUDIENCE), listen on 127.0.0.1, or pass --insecure-no-auth if something in front of this server authenticates every request`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...http, listen };
}

/** The URL clients use when nothing else is known: the listen address, loopback for a wildcard. */
export function localUrl(listen: ServeSettings["listen"], port: number): string {
  const host = listen.host === "0.0.0.0" ? "127.0.0.1" : listen.host === "::" ? "::1" : listen.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/mcp`;
}
