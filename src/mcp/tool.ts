// What every tool module needs: the per-server context and one way to register a tool, so that all
// tools share input validation, result shaping and error mapping.
import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Config } from "../config/schema.ts";
import type { OpsContext } from "../ops/index.ts";
import type { InFlight } from "./inflight.ts";
import { toolError, toolResult } from "./result.ts";

/** Per-server state. Nothing in src/mcp lives at module level. */
export interface ToolContext {
  readonly config: Config;
  readonly ops: OpsContext;
  /** Tools registered on this server, by name; the tools/call handler validates arguments against them. */
  readonly tools: Map<string, ToolEntry>;
  /** Tool calls and resource reads still running. */
  readonly inFlight: InFlight;
}

export interface ToolEntry {
  readonly input: z.ZodType;
  readonly registered: RegisteredTool;
  readonly run: (args: unknown, signal: AbortSignal) => Promise<CallToolResult>;
}

export interface ToolSpec<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: I;
  readonly output: O;
  readonly annotations: Omit<ToolAnnotations, "title">;
  readonly run: (args: z.output<z.ZodObject<I>>, signal: AbortSignal) => Promise<z.input<z.ZodObject<O>>>;
}

/**
 * Registers a tool with the SDK (name, title, description, JSON schemas, annotations) and records how
 * to run it. Unknown argument names are rejected (a typo must not be silently ignored).
 */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  server: McpServer,
  ctx: ToolContext,
  spec: ToolSpec<I, O>,
): RegisteredTool {
  const input = z.strictObject(spec.input);
  const output = z.object(spec.output);
  const run = async (args: unknown, signal: AbortSignal): Promise<CallToolResult> => {
    try {
      return toolResult(await spec.run(args as z.output<z.ZodObject<I>>, signal));
    } catch (e) {
      return toolError(e);
    }
  };
  const registered = server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: input,
      outputSchema: output,
      annotations: { title: spec.title, ...spec.annotations },
    },
    (args: unknown, extra: { signal: AbortSignal }) => run(args, extra.signal),
  );
  ctx.tools.set(spec.name, { input, registered, run });
  return registered;
}
