import { z } from "zod";
import { listBuckets } from "../../ops/index.ts";
import { connectionField, nullableString } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  return defineTool(server, ctx, {
    name: "s3_list_buckets",
    title: "List buckets",
    description:
      "List the buckets of a connection that this server's policy lets you use (buckets refused by the policy are left out).",
    input: { connection: connectionField },
    output: {
      buckets: z
        .array(z.object({ name: z.string(), creation_date: nullableString("ISO 8601 creation time") }))
        .describe("Accessible buckets"),
      count: z.number().int().describe("Number of buckets returned"),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, signal) => listBuckets(ctx.ops, { connection: args.connection, signal }),
  });
}
