import { z } from "zod";
import { copyObject } from "../../ops/index.ts";
import { consentNote, writeNote } from "../instructions.ts";
import { bucketField, connectionField, keyField, metadataField, nullableString } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  return defineTool(server, ctx, {
    name: "s3_copy_object",
    title: "Copy object",
    description: `Copy an object inside S3 (server-side, no download), within a bucket or between buckets of one connection. An existing destination object is replaced. Both the source (read) and the destination (write) must be allowed by the policy.${writeNote(ctx.config)}${consentNote(
      ctx.config,
      [
        { access: "read", bucket: "b", key: "k" },
        { access: "write", bucket: "b", key: "k2" },
      ],
    )}`,
    input: {
      source_bucket: bucketField("Bucket to copy from"),
      source_key: keyField("Key of the object to copy"),
      dest_bucket: bucketField("Bucket to copy to (may be the same bucket)"),
      dest_key: keyField("Key of the copy"),
      metadata: metadataField(
        "User metadata for the copy, name → value; replaces the source's metadata (default: keep the source's)",
      ),
      connection: connectionField,
    },
    output: {
      source_bucket: z.string(),
      source_key: z.string(),
      dest_bucket: z.string(),
      dest_key: z.string(),
      etag: nullableString("Entity tag of the copy"),
      last_modified: nullableString("ISO 8601 time the copy was written"),
      version_id: nullableString("Version ID of the copy, when the bucket is versioned"),
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, signal, call) => copyObject(call.ops, { ...args, signal, onProgress: call.progress }),
  });
}
