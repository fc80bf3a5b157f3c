// One caller's view of the operation context (HTTP, §8): its effective configuration (the
// connections it may use, each with its policy), and its identity for the audit line. S3 clients,
// the audit log and the logger are the process's, shared by every caller. Operations take this
// view like any other context, so the one gate decides with the caller's policy.
import type { Config, Connection } from "../config/schema.ts";
import { S3ToolError } from "../errors.ts";
import type { ClientPool } from "../s3/clients.ts";
import type { OpsContext } from "./run.ts";

export interface CallerIdentity {
  readonly principal?: string | undefined;
  readonly request_id?: string | undefined;
}

/**
 * `who` is read when an operation writes its audit line, so a context that serves one request
 * after another (a pooled MCP server, src/http/pool.ts) names the request it is serving now.
 */
export function callerContext(base: OpsContext, config: Config, who: CallerIdentity): OpsContext {
  // Everything else the process's context carries is shared as it is; closing stays its owner's.
  const { close: _owned, ...shared } = base as OpsContext & { close?: () => void };
  return {
    ...shared,
    config,
    clients: config === base.config ? base.clients : restrictedPool(base.clients, config),
    source: "http",
    get principal() {
      return who.principal;
    },
    get request_id() {
      return who.request_id;
    },
  };
}

/** Connections resolve in `config` (a caller's subset, with its policy); clients are the shared ones. */
function restrictedPool(pool: ClientPool, config: Config): ClientPool {
  const connection = (name?: string): Connection => {
    const wanted = name ?? config.default_connection;
    const found = Object.hasOwn(config.connections, wanted) ? config.connections[wanted] : undefined;
    if (found === undefined) {
      throw new S3ToolError(
        "ConnectionNotFound",
        `connection ${JSON.stringify(wanted)} is not configured`,
        `configured connections: ${Object.keys(config.connections).join(", ") || "(none)"}`,
      );
    }
    return found;
  };
  return {
    connection,
    client: (name) => pool.client(connection(name).name),
    presignClient: (name) => pool.presignClient(connection(name).name),
    destroy() {
      // The shared pool belongs to the process, not to one caller.
    },
  };
}
