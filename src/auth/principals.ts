// Callers and their policy (§8 `http.principals`): the first entry whose every condition holds
// decides what a caller sees (its connections) and may do (the top-level policy overlaid with its
// own). The result is an ordinary Config, so the one gate decides with it like with any other.
import type { Config, Connection, Policy, Principal } from "../config/schema.ts";
import type { Caller } from "./verify.ts";

/** Index of the first principal `caller` matches, or undefined. */
export function matchPrincipal(principals: readonly Principal[], caller: Caller): number | undefined {
  const i = principals.findIndex((p) => matches(p.match, caller));
  return i === -1 ? undefined : i;
}

function matches(m: Principal["match"], caller: Caller): boolean {
  if (m.sub !== undefined && caller.claims.sub !== m.sub) return false;
  if (m.client_id !== undefined && caller.clientId !== m.client_id) return false;
  if (m.scope !== undefined && !m.scope.every((s) => caller.scopes.has(s))) return false;
  for (const [name, want] of Object.entries(m.claims ?? {})) {
    if (!Object.hasOwn(caller.claims, name)) return false;
    const have = caller.claims[name];
    if (Array.isArray(have) ? !have.includes(want) : have !== want) return false;
  }
  return true;
}

/**
 * The configuration a caller matched to `principal` works with: only its connections, each with
 * the principal's policy fields laid over the connection's own. Without a principal: `config`.
 */
export function effectiveConfig(config: Config, principal: Principal | undefined): Config {
  if (principal === undefined) return config;
  const names = principal.connections ?? Object.keys(config.connections);
  const connections: Record<string, Connection> = {};
  for (const name of names) {
    const c = config.connections[name];
    if (c === undefined) continue;
    // The loader leaves out the fields a principal does not set, so spreading never erases one.
    const policy = Object.freeze({ ...c.policy, ...principal.policy }) as Policy;
    connections[name] = Object.freeze({ ...c, policy });
  }
  // The default connection stays the default when the caller may use it; else its first connection.
  const default_connection = Object.hasOwn(connections, config.default_connection)
    ? config.default_connection
    : (Object.keys(connections)[0] ?? config.default_connection);
  return Object.freeze({ ...config, default_connection, connections: Object.freeze(connections) });
}
