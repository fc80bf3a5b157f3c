import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { formatSize } from "../../config/values.ts";
import { getObject } from "../../ops/index.ts";
import { encodeContent } from "../content.ts";
import { defaultConnection } from "../instructions.ts";
import { bucketField, connectionField, keyField, nullableString, userMetadata } from "../schemas.ts";
import { defineTool, type ToolContext } from "../tool.ts";

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  const policy = defaultConnection(ctx.config).policy;
  const limit = policy.size_limits
    ? ` One call returns at most ${formatSize(policy.max_get_size)}; a larger object is refused with EntityTooLarge, so read it in pages with offset/length.`
    : "";
  return defineTool(server, ctx, {
    name: "s3_get_object",
    title: "Get object",
    description: `Read an object's content, or a byte range of it (offset/length). Text (a textual content type, or bytes that are valid UTF-8) comes back as text; anything else as base64 with is_base64: true.${limit} For the next page call again with offset = offset + length of this result, until truncated is false.`,
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
      content: z.string().describe("The bytes read: text, or base64 when is_base64 is true"),
      is_base64: z.boolean().describe("True when content is base64-encoded binary data"),
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
      const chunks: Uint8Array[] = [];
      const got = await getObject(ctx.ops, { ...args, signal, onProgress: call.progress }, (chunk) => {
        chunks.push(chunk);
      });
      const bytes = concat(chunks);
      const more = got.offset + bytes.byteLength < got.size;
      const encoded = encodeContent(bytes, got.content_type, more);
      return {
        bucket: got.bucket,
        key: got.key,
        content_type: got.content_type,
        size: got.size,
        last_modified: got.last_modified,
        etag: got.etag,
        content: encoded.content,
        is_base64: encoded.is_base64,
        truncated: got.offset > 0 || got.offset + encoded.bytes < got.size,
        metadata: got.metadata,
        offset: got.offset,
        length: encoded.bytes,
      };
    },
  });
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
