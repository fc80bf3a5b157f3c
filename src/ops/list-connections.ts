import { type ConnectionSummary, connectionSummary } from "../config/redact.ts";
import { type OpsContext, runOperation } from "./run.ts";

export interface ListConnectionsResult {
  connections: ConnectionSummary[];
  default_connection: string;
  count: number;
}

/** Touches no S3 resource; audited like every other tool call. */
export function listConnections(
  ctx: OpsContext,
  tool = "s3_list_connections",
): Promise<ListConnectionsResult> {
  return runOperation(ctx, { tool, touches: [] }, async () => {
    const connections = Object.values(ctx.config.connections).map(connectionSummary);
    return { connections, default_connection: ctx.config.default_connection, count: connections.length };
  });
}
