// The MCP server: nine tools and one resource template over the operation layer. All per-server state
// lives in the ToolContext built here; nothing is kept at module level.

import { z } from "zod";
import type { Config } from "../config/schema.ts";
import { ERROR_CODES } from "../errors.ts";
import type { OpsContext } from "../ops/index.ts";
import { runtimeName } from "../runtime/index.ts";
import { buildInfo } from "../version.ts";
import { AfterSend } from "./after-send.ts";
import { withDeadline } from "./deadline.ts";
import { failOperation, stringArg } from "./fail.ts";
import { InFlight } from "./inflight.ts";
import { buildInstructions } from "./instructions.ts";
import type { RequestExtra } from "./progress.ts";
import { type ReadBudget, sharedReadBudget } from "./read-budget.ts";
import { registerResources } from "./resources.ts";
import { invalidArguments, toolError, unknownTool } from "./result.ts";
import { BUCKET_FIELDS } from "./schemas.ts";
import { McpServer } from "./sdk/server-mcp.ts";
import { Protocol } from "./sdk/shared-protocol.ts";
import type { Transport } from "./sdk/shared-transport.ts";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from "./sdk/types.ts";
import type { ToolContext } from "./tool.ts";
import * as copyObject from "./tools/copy-object.ts";
import * as deleteObject from "./tools/delete-object.ts";
import * as getObject from "./tools/get-object.ts";
import * as getObjectMetadata from "./tools/get-object-metadata.ts";
import * as listBuckets from "./tools/list-buckets.ts";
import * as listConnections from "./tools/list-connections.ts";
import * as listObjects from "./tools/list-objects.ts";
import * as presignUrl from "./tools/presign-url.ts";
import * as putObject from "./tools/put-object.ts";

/** Tool modules in the order tools/list shows them. */
const TOOLS = [
  listBuckets,
  listObjects,
  getObject,
  getObjectMetadata,
  putObject,
  deleteObject,
  copyObject,
  presignUrl,
  listConnections,
] as const;

export interface ServerOptions {
  /** Tracks running tool calls and resource reads (serveStdio waits for them before closing). */
  readonly inFlight?: InFlight;
  /** Each tool call and resource read is aborted after this long (HTTP, §8); none when absent. */
  readonly callTimeoutMs?: number;
  /** Bounds the object bodies held in memory (default: the one budget of the process). */
  readonly readBudget?: ReadBudget;
}

/** McpServer whose transports release what a result holds once its response is sent (after-send.ts). */
class S3McpServer extends McpServer {
  constructor(
    info: ConstructorParameters<typeof McpServer>[0],
    options: ConstructorParameters<typeof McpServer>[1],
    private readonly afterSend: AfterSend,
  ) {
    super(info, options);
  }

  override connect(transport: Transport): Promise<void> {
    return super.connect(this.afterSend.watch(transport));
  }
}

export function createServer(config: Config, ops: OpsContext, options: ServerOptions = {}): McpServer {
  const ctx: ToolContext = {
    config,
    ops,
    tools: new Map(),
    inFlight: options.inFlight ?? new InFlight(),
    callTimeoutMs: options.callTimeoutMs,
    readBudget: options.readBudget ?? sharedReadBudget(),
    afterSend: new AfterSend(),
  };
  const server = new S3McpServer(
    { name: "mcp-s3", title: "mcp-s3", version: buildInfo(runtimeName()).version },
    { instructions: buildInstructions(config), capabilities: { tools: {}, resources: {} } },
    ctx.afterSend,
  );
  for (const tool of TOOLS) tool.register(server, ctx);
  registerResources(server, ctx);

  // tools/list and tools/call are answered here rather than by the SDK's handlers (which registerTool
  // installed), for three reasons:
  // - arguments that do not match the input schema come back as an audited InvalidArgument result
  //   with {error, message, hint} (the SDK answers them with a plain text error, unaudited);
  // - every output schema also admits the error object: SDK clients up to 1.32.2 validate the
  //   structuredContent of isError results against the output schema too (typescript-sdk#1943), so
  //   with a success-only schema they would throw away every error we return;
  // - running calls are tracked, so shutdown can wait for them.
  let listed: Tool[] | undefined;
  server.server.setRequestHandler(ListToolsRequestSchema, () => {
    listed ??= listTools(ctx);
    return { tools: listed.filter((t) => ctx.tools.get(t.name)?.registered.enabled === true) };
  });
  // Installed through Protocol's setRequestHandler (which still parses the request), not Server's:
  // Server's wrapper re-parses every result against CallToolResultSchema, and that decodes the base64
  // of each image and resource block with atob only to check it (10 MiB of garbage per 10 MiB read);
  // our results are already checked against their output schemas (tool.ts).
  Protocol.prototype.setRequestHandler.call(server.server, CallToolRequestSchema, (request, extra) =>
    ctx.inFlight.track(
      withDeadline(extra.signal, ctx.callTimeoutMs, (signal) =>
        callTool(ctx, request.params.name, request.params.arguments, { ...extra, signal }),
      ),
    ),
  );
  return server;
}

/** The error object of a failed call, as it appears in structuredContent. */
const ErrorBodySchema = z.object({
  error: z.enum(ERROR_CODES).describe("Error code"),
  message: z.string().describe("What went wrong; for a refusal, which rule refused"),
  hint: z.string().describe("How to proceed"),
});

function listTools(ctx: ToolContext): Tool[] {
  const errorJson = jsonSchema(ErrorBodySchema, "output");
  return [...ctx.tools.values()].map((t) => {
    const { $schema, ...success } = jsonSchema(t.output, "output");
    return {
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: { ...jsonSchema(t.input, "input"), type: "object" },
      outputSchema: {
        $schema,
        type: "object",
        description: "The result; or, when isError is true, {error, message, hint}",
        anyOf: [success, omitSchemaKey(errorJson)],
      },
      annotations: t.annotations,
    };
  });
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  return z.toJSONSchema(schema, { io, target: "draft-7" }) as Record<string, unknown>;
}

function omitSchemaKey(json: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _, ...rest } = json;
  return rest;
}

async function callTool(
  ctx: ToolContext,
  name: string,
  args: Record<string, unknown> | undefined,
  extra: RequestExtra,
): Promise<CallToolResult> {
  const tool = ctx.tools.get(name);
  if (tool === undefined || !tool.registered.enabled) throw unknownTool(name, [...ctx.tools.keys()]);
  const parsed = await tool.input.safeParseAsync(args ?? {});
  if (parsed.success) return tool.run(parsed.data, extra.signal, extra);

  const error = invalidArguments(name, parsed.error.issues, BUCKET_FIELDS);
  const connection = stringArg(args, "connection");
  try {
    return await failOperation(
      ctx.ops,
      {
        tool: name,
        // An unknown connection would turn the answer into ConnectionNotFound; the argument error comes first.
        connection:
          connection !== undefined && Object.hasOwn(ctx.config.connections, connection)
            ? connection
            : undefined,
        bucket: stringArg(args, "bucket") ?? stringArg(args, "source_bucket"),
        key: stringArg(args, "key") ?? stringArg(args, "source_key"),
        touches: [],
      },
      error,
    );
  } catch (e) {
    return toolError(e);
  }
}
