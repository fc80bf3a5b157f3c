import { z } from "zod";
import { listObjects } from "../../ops/index.ts";
import { bucketField, connectionField, nullableString } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  return defineTool(server, ctx, {
    name: "s3_list_objects",
    title: "List objects",
    description:
      "List one page (up to max_keys) of the objects in a bucket, optionally under a key prefix. With delimiter '/' the listing is one level deep: sub-folders come back as common_prefixes. When is_truncated is true, call again with the same bucket, prefix and delimiter and continuation_token = next_continuation_token for the next page (the token is opaque and lasts while the server runs). Keys the policy refuses are never listed.",
    input: {
      bucket: bucketField(),
      prefix: z
        .string()
        .max(1024)
        .optional()
        .describe("Only keys starting with this prefix, e.g. 'reports/2024/' (default: the whole bucket)"),
      delimiter: z
        .string()
        .max(16)
        .optional()
        .describe("Group keys at this character, usually '/', to list one folder level (default: none)"),
      max_keys: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .optional()
        .describe("Most keys and common prefixes to return in this page, 1 to 1000 (default 1000)"),
      continuation_token: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .describe("next_continuation_token of the previous page, to get the next one"),
      connection: connectionField,
    },
    output: {
      bucket: z.string().describe("Bucket listed"),
      prefix: z.string().describe("Prefix listed ('' for the whole bucket)"),
      objects: z
        .array(
          z.object({
            key: z.string(),
            size: z.number().describe("Size in bytes"),
            last_modified: nullableString("ISO 8601 time of the last change"),
            etag: nullableString("Entity tag"),
            storage_class: nullableString("Storage class, e.g. STANDARD"),
          }),
        )
        .describe("Objects in this page"),
      common_prefixes: z.array(z.string()).describe("Sub-folders (with a delimiter)"),
      count: z.number().int().describe("Objects plus common prefixes returned"),
      is_truncated: z.boolean().describe("True when more results remain"),
      next_continuation_token: nullableString("Pass as continuation_token to get the next page"),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, signal) => listObjects(ctx.ops, { ...args, signal }),
  });
}
