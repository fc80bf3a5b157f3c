// DNS-rebinding protection (§8): a browser tricked into sending requests here carries the
// attacker's host name in Host and the attacker's page in Origin. Both are checked before anything
// else happens (before the token, before the body is read).

/**
 * Host is acceptable when its name (any port) is the listen address, localhost, 127.0.0.1, or one of
 * `allowedHosts` (exact, case-insensitive). A missing Host is not.
 */
export function hostAllowed(
  host: string | null,
  listenHost: string,
  allowedHosts: readonly string[],
): boolean {
  if (host === null) return false;
  const name = hostName(host);
  if (name === undefined) return false;
  const listen = listenHost.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return name === listen || name === "localhost" || name === "127.0.0.1" || allowedHosts.includes(name);
}

/** The host name of a Host header (`name[:port]`, `[v6]:port`), lower case, without brackets. */
export function hostName(host: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/.exec(host.trim());
  return m?.[1]?.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

/** A request without Origin (not from a browser) passes; one with an Origin must be listed exactly. */
export function originAllowed(origin: string | null, allowedOrigins: readonly string[]): boolean {
  if (origin === null) return true;
  let normalized: string;
  try {
    normalized = new URL(origin).origin;
  } catch {
    return false;
  }
  return normalized !== "null" && allowedOrigins.includes(normalized);
}
