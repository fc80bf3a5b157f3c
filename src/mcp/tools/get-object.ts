import { z } from "zod";
import { formatSize } from "../../config/values.ts";
import { contentBlock, encodeContent, objectUri } from "../content.ts";
import { defaultConnection } from "../instructions.ts";
import { readObjectBody } from "../object-body.ts";
import { bucketField, connectionField, keyField, nullableString, userMetadata } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext, ToolOutput } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  const policy = defaultConnection(ctx.config).policy;
  const limit = policy.size_limits
    ? ` One call returns at most ${formatSize(policy.max_get_size)}; a larger object is refused with EntityTooLarge, so read it in pages with offset/length.`
    : "";
  return defineTool(server, ctx, {
    name: "s3_get_object",
    title: "Get object",
    description: `Read an object's content, or a byte range of it (offset/length). Text (a textual content type, or bytes that are valid UTF-8) comes back as text, in a text block and in structuredContent.content; anything else comes once, base64-encoded, as an image block (a whole image) or an embedded resource blob, with is_base64: true.${limit} For the next page call again with offset = offset + length of this result, until truncated is false.`,
    input: {
      bucket: bucketField(),
      key: keyField(),
      offset: z.number().int().min(0).optional().describe("First byte to read, counting from 0 (default 0)"),
      length: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe("Number of bytes to read from offset (default: to the end of the object)"),
      connection: connectionField,
    },
    output: {
      bucket: z.string(),
      key: z.string(),
      content_type: nullableString("Content-Type of the object"),
      size: z.number().describe("Size of the whole object in bytes"),
      last_modified: nullableString("ISO 8601 time of the last change"),
      etag: nullableString("Entity tag"),
      content: z
        .string()
        .optional()
        .describe(
          "The text read (also the result's text block); absent for binary data, which comes once as an image or embedded resource block (base64)",
        ),
      is_base64: z
        .boolean()
        .describe("True for binary data: the bytes are the base64 of the image or resource content block"),
      truncated: z.boolean().describe("True when content is not the whole object (a range, or a page)"),
      metadata: userMetadata,
      offset: z.number().describe("First byte returned"),
      length: z
        .number()
        .describe(
          "Bytes returned; the next page starts at offset + length (a UTF-8 character split by the range end is held back for the next page)",
        ),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    run: async (args, signal, call) => {
      const read = await readObjectBody(ctx, { ...args, signal, onProgress: call.progress });
      try {
        const { got } = read;
        const more = got.offset + read.bytes.byteLength < got.size;
        const encoded = encodeContent(read.bytes, got.content_type, more);
        const whole = got.offset === 0 && encoded.bytes === got.size;
        const structured = {
          bucket: got.bucket,
          key: got.key,
          content_type: got.content_type,
          size: got.size,
          last_modified: got.last_modified,
          etag: got.etag,
          // The text rides here and in its text block; bytes only once, in their image or resource block.
          ...(encoded.is_base64 ? {} : { content: encoded.content }),
          is_base64: encoded.is_base64,
          truncated: !whole,
          metadata: got.metadata,
          offset: got.offset,
          length: encoded.bytes,
        };
        const uri = objectUri(args.connection ?? ctx.config.default_connection, got.bucket, got.key);
        return new ToolOutput(
          structured,
          [contentBlock(encoded, got.content_type, whole, uri)],
          read.release,
        );
      } catch (e) {
        read.release();
        throw e;
      }
    },
  });
}
