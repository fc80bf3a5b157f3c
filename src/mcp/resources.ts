// Objects as MCP resources: s3://{connection}/{bucket}/{+key}, read through the same operation as
// s3_get_object (same policy, same size limit) and audited under the tool name "resources/read".

import { S3ToolError } from "../errors.ts";
import { resourceCompleters } from "./completion.ts";
import { encodeContent } from "./content.ts";
import { withDeadline } from "./deadline.ts";
import { failOperation } from "./fail.ts";
import { RESOURCE_TEMPLATE } from "./instructions.ts";
import { readObjectBody } from "./object-body.ts";
import { resourceError } from "./result.ts";
import { BUCKET_NAME } from "./schemas.ts";
import { type McpServer, ResourceTemplate } from "./sdk/server-mcp.ts";
import type { ReadResourceResult } from "./sdk/types.ts";
import type { ToolContext } from "./tool.ts";

export const RESOURCE_TOOL_NAME = "resources/read";

export function registerResources(server: McpServer, ctx: ToolContext): void {
  const template = new ResourceTemplate(RESOURCE_TEMPLATE, {
    // Listing every object of every bucket is not sensible: resources/list stays empty, and objects
    // are found with s3_list_objects and read by URI.
    list: undefined,
    complete: resourceCompleters(ctx.ops),
  });
  server.registerResource(
    "s3-object",
    template,
    {
      title: "S3 object",
      description:
        "An object's content, under the same policy and size limit as s3_get_object. The key is percent-encoded where needed (a space as %20); keys with '.' or '..' path segments cannot be addressed as URIs, read them with s3_get_object (while a prefix ACL or a bucket list is on, such keys cannot be read at all).",
    },
    (uri, variables, extra) =>
      ctx.inFlight.track(
        withDeadline(extra.signal, ctx.callTimeoutMs, (signal) => read(ctx, uri, variables, signal)),
      ),
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
    const body = await readObjectBody(
      ctx,
      { connection: connection.text, bucket: bucket.text, key: key.text, signal },
      RESOURCE_TOOL_NAME,
    );
    try {
      const encoded = encodeContent(body.bytes, body.got.content_type, false);
      const mimeType = body.got.content_type ?? "application/octet-stream";
      const result: ReadResourceResult = {
        contents: [
          encoded.is_base64
            ? { uri: uri.href, mimeType, blob: encoded.content }
            : { uri: uri.href, mimeType, text: encoded.content },
        ],
      };
      ctx.afterSend.hold(result, body.release, signal);
      return result;
    } catch (e) {
      body.release();
      throw e;
    }
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
