import { z } from "zod";
import { deleteObject } from "../../ops/index.ts";
import { consentNote, writeNote } from "../instructions.ts";
import { bucketField, connectionField, keyField } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  return defineTool(server, ctx, {
    name: "s3_delete_object",
    title: "Delete object",
    description: `Delete an object. This cannot be undone unless the bucket is versioned. Deleting a key that does not exist succeeds (S3 semantics).${writeNote(ctx.config)}${consentNote(ctx.config, [{ access: "delete", bucket: "b", key: "k" }])}`,
    input: { bucket: bucketField(), key: keyField(), connection: connectionField },
    output: {
      bucket: z.string(),
      key: z.string(),
      deleted: z.boolean().describe("True when S3 accepted the delete"),
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, signal, call) => deleteObject(call.ops, { ...args, signal }),
  });
}
