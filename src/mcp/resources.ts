// Objects as MCP resources: s3://{connection}/{bucket}/{+key}, read through the same operation as
// s3_get_object (same policy, same size limit) and audited under the tool name "resources/read".
import { Buffer } from "node:buffer";
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { S3ToolError } from "../errors.ts";
import { getObject } from "../ops/index.ts";
import { encodeContent } from "./content.ts";
import { failOperation } from "./fail.ts";
import { RESOURCE_TEMPLATE } from "./instructions.ts";
import { resourceError } from "./result.ts";
import { BUCKET_NAME } from "./schemas.ts";
import type { ToolContext } from "./tool.ts";

export const RESOURCE_TOOL_NAME = "resources/read";

export function registerResources(server: McpServer, ctx: ToolContext): void {
  const template = new ResourceTemplate(RESOURCE_TEMPLATE, {
    // Listing every object of every bucket is not sensible: resources/list stays empty, and objects
    // are found with s3_list_objects and read by URI.
    list: undefined,
    complete: {
      connection: (value) => Object.keys(ctx.config.connections).filter((n) => n.startsWith(value)),
    },
  });
  server.registerResource(
    "s3-object",
    template,
    {
      title: "S3 object",
      description:
        "An object's content, under the same policy and size limit as s3_get_object. The key is percent-encoded where needed (a space as %20); keys with '.' or '..' path segments cannot be addressed as URIs, read them with s3_get_object (while a prefix ACL or a bucket list is on, such keys cannot be read at all).",
    },
    (uri, variables, extra) => ctx.inFlight.track(read(ctx, uri, variables, extra.signal)),
  );
}

async function read(
  ctx: ToolContext,
  uri: URL,
  variables: Record<string, string | string[]>,
  signal: AbortSignal,
): Promise<ReadResourceResult> {
  try {
    const connection = decode(variables.connection);
    const bucket = decode(variables.bucket);
    const key = decode(variables.key);
    const spec = {
      tool: RESOURCE_TOOL_NAME,
      connection: connection.text,
      bucket: bucket.text,
      key: key.text,
    };
    const bad = [connection, bucket, key].find((part) => part.error !== undefined)?.error;
    if (bad !== undefined) return await failOperation(ctx.ops, { ...spec, touches: [] }, bad);
    if (!BUCKET_NAME.test(bucket.text)) {
      const error = new S3ToolError(
        "InvalidBucketName",
        `invalid bucket name ${JSON.stringify(bucket.text)}`,
      );
      return await failOperation(ctx.ops, { ...spec, touches: [] }, error);
    }
    const chunks: Uint8Array[] = [];
    const got = await getObject(
      ctx.ops,
      { connection: connection.text, bucket: bucket.text, key: key.text, signal },
      (c) => {
        chunks.push(c);
      },
      RESOURCE_TOOL_NAME,
    );
    const encoded = encodeContent(Buffer.concat(chunks), got.content_type, false);
    const mimeType = got.content_type ?? "application/octet-stream";
    return {
      contents: [
        encoded.is_base64
          ? { uri: uri.href, mimeType, blob: encoded.content }
          : { uri: uri.href, mimeType, text: encoded.content },
      ],
    };
  } catch (e) {
    throw resourceError(e);
  }
}

/** A URI part, percent-decoded; on malformed encoding the raw text and the error to report. */
function decode(value: string | string[] | undefined): { text: string; error?: S3ToolError } {
  const raw = Array.isArray(value) ? value.join(",") : (value ?? "");
  try {
    return { text: decodeURIComponent(raw) };
  } catch {
    const error = new S3ToolError(
      "InvalidArgument",
      `malformed percent-encoding in resource URI part ${JSON.stringify(raw)}`,
      "encode reserved characters as %XX (UTF-8)",
    );
    return { text: raw, error };
  }
}
