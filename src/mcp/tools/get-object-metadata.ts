import { z } from "zod";
import { headObject } from "../../ops/index.ts";
import { bucketField, connectionField, keyField, nullableString, userMetadata } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  return defineTool(server, ctx, {
    name: "s3_get_object_metadata",
    title: "Get object metadata",
    description:
      "Get an object's size, content type, last change, ETag and user metadata without downloading it (use it to decide whether and how to read a large object).",
    input: { bucket: bucketField(), key: keyField(), connection: connectionField },
    output: {
      bucket: z.string(),
      key: z.string(),
      content_type: nullableString("Content-Type of the object"),
      content_length: z.number().describe("Size in bytes (same as size)"),
      size: z.number().describe("Size in bytes"),
      last_modified: nullableString("ISO 8601 time of the last change"),
      etag: nullableString("Entity tag"),
      metadata: userMetadata,
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, signal) => headObject(ctx.ops, { ...args, signal }),
  });
}
