import { z } from "zod";
import { CONSENT_CLASSES, PRESIGN_MODES } from "../../config/schema.ts";
import { listConnections } from "../../ops/index.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

const policySummary = z
  .object({
    read_only: z.boolean().describe("Writes and deletes are refused (ReadOnlyMode)"),
    size_limits: z.boolean().describe("max_get_size and max_put_size are enforced"),
    max_get_size: z.number().describe("Largest read in bytes"),
    max_put_size: z.number().describe("Largest write in bytes"),
    prefix_acl: z.boolean().describe("allowed_prefixes / denied_prefixes are enforced"),
    allowed_prefixes: z.array(z.string()),
    denied_prefixes: z.array(z.string()),
    allowed_buckets: z.array(z.string()).describe("Empty: every bucket not denied"),
    denied_buckets: z.array(z.string()),
    presign_max_expiry_seconds: z.number().describe("Longest lifetime of a presigned URL"),
    presign: z
      .enum(PRESIGN_MODES)
      .describe("Presigned URLs allowed: off (none), get (downloads only), get_put (downloads and uploads)"),
    confirm: z
      .array(z.enum(CONSENT_CLASSES))
      .describe("Classes of operation that run only after a human approves them (consent)"),
    consent_timeout_ms: z.number().describe("How long the server waits for that consent"),
  })
  .describe("The policy this server enforces on the connection");

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  return defineTool(server, ctx, {
    name: "s3_list_connections",
    title: "List connections",
    description:
      "List the configured S3 connections with their region, endpoint, where their credentials come from (never the credentials) and the policy enforced on each. Pass a connection's name as `connection` to other tools.",
    input: {},
    output: {
      connections: z.array(
        z.object({
          name: z.string(),
          region: z.string(),
          endpoint: z.string().optional().describe("Custom endpoint (absent for AWS)"),
          path_style: z.boolean(),
          credentials: z.string().describe("Source of the credentials, e.g. 'static keys' or 'profile prod'"),
          policy: policySummary,
        }),
      ),
      default_connection: z.string().describe("Connection used when a call names none"),
      count: z.number().int(),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    run: () => listConnections(ctx.ops),
  });
}
