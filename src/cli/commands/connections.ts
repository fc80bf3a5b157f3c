// mcp-s3 connections: the configured connections and their policy; never a secret.
import { listConnections } from "../../ops/list-connections.ts";
import type { Cli } from "../context.ts";
import { columns, humanSize } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const result = await listConnections(await cli.ops(), "s3_list_connections");
  const rows = result.connections.map((c) => ({ ...c, default: c.name === result.default_connection }));
  if (cli.out.json) {
    for (const row of rows) await cli.out.record(row);
    return undefined;
  }
  const table = [
    ["", "NAME", "REGION", "ENDPOINT", "CREDENTIALS", "ACCESS", "MAX GET", "MAX PUT", "PREFIX ACL"],
    ...rows.map((c) => [
      c.default ? "*" : " ",
      c.name,
      c.region,
      c.endpoint ?? "(AWS)",
      c.credentials,
      c.policy.read_only ? "read-only" : "read-write",
      c.policy.size_limits ? humanSize(c.policy.max_get_size) : "unlimited",
      c.policy.size_limits ? humanSize(c.policy.max_put_size) : "unlimited",
      c.policy.prefix_acl ? "on" : "off",
    ]),
  ];
  await cli.out.lines(
    columns(table, ["left", "left", "left", "left", "left", "left", "right", "right", "left"]),
  );
  return undefined;
}
