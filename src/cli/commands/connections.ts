// mcp-s3 connections: the configured connections and their policy; never a secret.
import { listConnections } from "../../ops/list-connections.ts";
import type { Cli } from "../context.ts";
import { connectionsTable } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const result = await listConnections(await cli.ops(), "s3_list_connections");
  const rows = result.connections.map((c) => ({ ...c, default: c.name === result.default_connection }));
  await cli.out.list(rows, () => connectionsTable(rows));
  return undefined;
}
