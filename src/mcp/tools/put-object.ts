import { z } from "zod";
import { formatSize } from "../../config/values.ts";
import { putObject } from "../../ops/index.ts";
import { decodeBase64Strict, encodeUtf8 } from "../content.ts";
import { failOperation } from "../fail.ts";
import { consentNote, defaultConnection, writeNote } from "../instructions.ts";
import { bucketField, connectionField, keyField, metadataField, nullableString } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  const policy = defaultConnection(ctx.config).policy;
  const limit = policy.size_limits
    ? ` At most ${formatSize(policy.max_put_size)} (decoded size); larger bodies are refused with EntityTooLarge.`
    : "";
  return defineTool(server, ctx, {
    name: "s3_put_object",
    title: "Put object",
    description: `Write an object: text, or binary data as base64 with is_base64: true. An existing object with the same key is replaced.${limit}${writeNote(ctx.config)}${consentNote(ctx.config, [{ access: "write", bucket: "b", key: "k" }])} With a progressToken, a body larger than 8 MiB reports notifications/progress; a cancelled call stores nothing.`,
    input: {
      bucket: bucketField(),
      key: keyField(),
      content: z
        .string()
        .describe("The object's content: text, or standard base64 (no line breaks) when is_base64 is true"),
      is_base64: z
        .boolean()
        .optional()
        .describe("True when content is base64-encoded binary data (default false: UTF-8 text)"),
      content_type: z
        .string()
        .min(1)
        .max(255)
        .regex(/^[\x20-\x7e]+$/, "must be printable ASCII")
        .optional()
        .describe(
          "Content-Type to store (default text/plain; charset=utf-8 for text, application/octet-stream for base64)",
        ),
      metadata: metadataField("User metadata to store with the object (x-amz-meta-*), name → value"),
      connection: connectionField,
    },
    output: {
      bucket: z.string(),
      key: z.string(),
      etag: nullableString("Entity tag of the stored object"),
      size: z.number().describe("Bytes stored"),
      version_id: nullableString("Version ID, when the bucket is versioned"),
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    run: async (args, signal, call) => {
      const binary = args.is_base64 === true;
      let body: Uint8Array;
      try {
        body = binary ? decodeBase64Strict(args.content) : encodeUtf8(args.content);
      } catch (e) {
        const { bucket, key, connection } = args;
        const touches = [{ access: "write", bucket, key }] as const;
        return failOperation(ctx.ops, { tool: "s3_put_object", connection, bucket, key, touches }, e);
      }
      const progress = call.progress;
      return putObject(call.ops, {
        bucket: args.bucket,
        key: args.key,
        body,
        content_type:
          args.content_type ?? (binary ? "application/octet-stream" : "text/plain; charset=utf-8"),
        metadata: args.metadata,
        connection: args.connection,
        signal,
        onProgress: progress === undefined ? undefined : (sent) => progress(sent, body.byteLength),
      });
    },
  });
}
