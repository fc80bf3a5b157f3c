import { z } from "zod";
import { type Config, PRESIGN_HARD_MAX_SECONDS } from "../../config/schema.ts";
import { formatDuration } from "../../config/values.ts";
import { presignUrl } from "../../ops/index.ts";
import { consentNote, defaultConnection, presignNote, writeNote } from "../instructions.ts";
import { bucketField, connectionField, keyField } from "../schemas.ts";
import type { McpServer, RegisteredTool } from "../sdk/server-mcp.ts";
import { defineTool, type ToolContext } from "../tool.ts";

/** One note when GET and PUT URLs need consent alike, else the one for PUT URLs. */
function presignConsentNote(config: Config): string {
  const get = (subject: string) =>
    consentNote(config, [{ access: "read", bucket: "b", key: "k", presign: "GET" }], subject, "is made");
  const put = (subject: string) =>
    consentNote(config, [{ access: "write", bucket: "b", key: "k", presign: "PUT" }], subject, "is made");
  return get("") === put("") ? get("A URL") : `${get("A GET URL")}${put("A PUT URL")}`;
}

export function register(server: McpServer, ctx: ToolContext): RegisteredTool {
  const max = defaultConnection(ctx.config).policy.presign_max_expiry_seconds;
  return defineTool(server, ctx, {
    name: "s3_presign_url",
    title: "Presign URL",
    description: `Create a temporary URL that lets anyone holding it download (GET) or upload (PUT) one object without credentials. Expiry defaults to 1 hour and is capped at ${formatDuration(max * 1000)}. Treat the URL as a secret.${presignNote(ctx.config)}${writeNote(ctx.config, "PUT URLs are", "method PUT")}${presignConsentNote(ctx.config)}`,
    input: {
      bucket: bucketField(),
      key: keyField(),
      method: z
        .enum(["GET", "PUT"])
        .optional()
        .describe("GET to download, PUT to upload (default GET; PUT is a write)"),
      expires_in: z
        .number()
        .int()
        .positive()
        .max(PRESIGN_HARD_MAX_SECONDS)
        .optional()
        .describe(`Seconds until the URL expires (default 3600; capped at ${max})`),
      connection: connectionField,
    },
    output: {
      bucket: z.string(),
      key: z.string(),
      url: z.string().describe("The presigned URL"),
      method: z.enum(["GET", "PUT"]),
      expires_in_seconds: z.number().int().describe("Seconds the URL stays valid (after the cap)"),
      expires_at: z.string().describe("ISO 8601 expiry time"),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: (args, signal, call) => presignUrl(call.ops, { ...args, signal }),
  });
}
