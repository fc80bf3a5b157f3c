// What every tool module needs: the per-server context and one way to register a tool, so that all
// tools share input validation, result shaping and error mapping.

import { z } from "zod";
import type { Config } from "../config/schema.ts";
import { S3ToolError } from "../errors.ts";
import type { OpsContext } from "../ops/index.ts";
import type { AfterSend } from "./after-send.ts";
import { elicitingAsker } from "./elicit.ts";
import type { InFlight } from "./inflight.ts";
import { type ProgressReporter, progressReporter, type RequestExtra } from "./progress.ts";
import type { ReadBudget } from "./read-budget.ts";
import { toolError, toolResult } from "./result.ts";
import type { McpServer, RegisteredTool } from "./sdk/server-mcp.ts";
import type { CallToolResult, ContentBlock, ToolAnnotations } from "./sdk/types.ts";

/** Per-server state. Nothing in src/mcp lives at module level. */
export interface ToolContext {
  readonly config: Config;
  readonly ops: OpsContext;
  /** Tools registered on this server, by name; the tools/call handler validates arguments against them. */
  readonly tools: Map<string, ToolEntry>;
  /** Tool calls and resource reads still running. */
  readonly inFlight: InFlight;
  /** Deadline of one tool call or resource read, in ms (HTTP); none when undefined. */
  readonly callTimeoutMs?: number | undefined;
  /** Bytes of object bodies held in memory at once (shared by every server of the process). */
  readonly readBudget: ReadBudget;
  /** Releases what a result holds once its response has been sent. */
  readonly afterSend: AfterSend;
}

/** What one call gets beyond its arguments. */
export interface ToolCall {
  /** The operation context for this call: the server's, asking this request's client for consent. */
  readonly ops: OpsContext;
  /** Sends notifications/progress when the request carries a progressToken; undefined otherwise. */
  readonly progress: ProgressReporter | undefined;
}

/**
 * A tool's output with its own content blocks, instead of the default text rendering of the structured
 * result (an object body is returned once, not once more inside a JSON rendering). `release`, when
 * given, runs once the result has been sent or abandoned.
 */
export class ToolOutput<S> {
  constructor(
    readonly structured: S,
    readonly content: ContentBlock[],
    readonly release?: () => void,
  ) {}
}

export interface ToolEntry {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly annotations: ToolAnnotations;
  readonly input: z.ZodObject;
  readonly output: z.ZodObject;
  readonly registered: RegisteredTool;
  /** Runs the tool on validated arguments; never throws (failures are isError results). */
  readonly run: (args: unknown, signal: AbortSignal, extra?: RequestExtra) => Promise<CallToolResult>;
}

export interface ToolSpec<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: I;
  readonly output: O;
  readonly annotations: Omit<ToolAnnotations, "title">;
  readonly run: (
    args: z.output<z.ZodObject<I>>,
    signal: AbortSignal,
    call: ToolCall,
  ) => Promise<z.input<z.ZodObject<O>> | ToolOutput<z.input<z.ZodObject<O>>>>;
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
  const run = async (args: unknown, signal: AbortSignal, extra?: RequestExtra): Promise<CallToolResult> => {
    let out: Record<string, unknown> | ToolOutput<Record<string, unknown>>;
    try {
      out = await spec.run(args as z.output<z.ZodObject<I>>, signal, toolCall(server, ctx, extra));
    } catch (e) {
      return toolError(e);
    }
    const own = out instanceof ToolOutput ? out : undefined;
    const structured = own?.structured ?? (out as Record<string, unknown>);
    // The SDK's server-side output check is bypassed with its tools/call handler (see server.ts).
    const checked = output.safeParse(structured);
    if (!checked.success) {
      own?.release?.();
      const detail = checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      return toolError(
        new S3ToolError("InternalError", `${spec.name} produced a malformed result (${detail})`),
      );
    }
    const result = toolResult(structured, own?.content);
    if (own?.release !== undefined) ctx.afterSend.hold(result, own.release, signal);
    return result;
  };
  const annotations: ToolAnnotations = { title: spec.title, ...spec.annotations };
  const registered = server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: input,
      outputSchema: output,
      annotations,
    },
    (args: unknown, extra: RequestExtra) => run(args, extra.signal, extra),
  );
  const { name, title, description } = spec;
  ctx.tools.set(name, { name, title, description, annotations, input, output, registered, run });
  return registered;
}

/** The per-call context: consent is asked of the client that made this request, progress sent to it. */
function toolCall(server: McpServer, ctx: ToolContext, extra: RequestExtra | undefined): ToolCall {
  if (extra === undefined) return { ops: ctx.ops, progress: undefined };
  return {
    ops: { ...ctx.ops, consent: elicitingAsker(server.server, extra) },
    progress: progressReporter(extra),
  };
}
