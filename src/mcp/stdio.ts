// `mcp-s3` / `mcp-s3 serve`: one MCP session on stdin/stdout. Nothing but JSON-RPC is ever written to
// stdout; diagnostics (MCP_S3_EXT_LOGGING) and the audit log (without a file) go to stderr.
//
// This module is light on purpose: the CLI imports it, and the MCP SDK, zod schemas and the S3 client
// are loaded only when a session actually starts.
import type { Config } from "../config/schema.ts";

export interface ServeOptions {
  /** Aborting it ends the session the way SIGTERM does. */
  readonly signal?: AbortSignal;
}

/** JSON envelope allowance on top of the base64 body of the largest allowed upload. */
const ENVELOPE_BYTES = 1024 * 1024;
/** Ceiling for one message when size limits are off (a JavaScript string cannot hold much more). */
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** The longest message line accepted: room for the largest upload any connection allows, in base64. */
export function maxMessageBytes(config: Config): number {
  let largest = 0;
  for (const c of Object.values(config.connections)) {
    const put = c.policy.size_limits ? c.policy.max_put_size : MAX_MESSAGE_BYTES;
    largest = Math.max(largest, Math.ceil(put / 3) * 4 + ENVELOPE_BYTES);
  }
  return Math.min(Math.max(largest, ENVELOPE_BYTES), MAX_MESSAGE_BYTES);
}

/**
 * Serves MCP on stdio until stdin ends, SIGTERM or SIGINT arrives, or `options.signal` aborts. Then it
 * stops reading, lets in-flight calls finish and their responses reach stdout, closes the operation
 * context (which closes the audit log; every line was written before its result) and resolves.
 * A second signal while draining aborts the calls still running.
 */
export async function serveStdio(config: Config, options: ServeOptions = {}): Promise<void> {
  const [{ createOpsContext }, { createServer }, { InFlight }, { StdioTransport }] = await Promise.all([
    import("../ops/index.ts"),
    import("./server.ts"),
    import("./inflight.ts"),
    import("./transport.ts"),
  ]);
  // Opens the audit log now: an unwritable audit file is a startup error, not a surprise later.
  const ops = createOpsContext(config, { source: "mcp" });
  const stopRequests: (() => void)[] = [];
  let stopped = 0;
  const onStop = () => {
    stopped++;
    for (const fn of stopRequests.splice(0)) fn();
  };
  const signals = ["SIGTERM", "SIGINT"] as const;
  for (const sig of signals) listen(sig, onStop);
  options.signal?.addEventListener("abort", onStop);

  try {
    const inFlight = new InFlight();
    const server = createServer(config, ops, { inFlight });
    const transport = new StdioTransport(process.stdin, process.stdout, {
      maxMessageBytes: maxMessageBytes(config),
    });
    transport.onerror = (error) => ops.log.log("warn", "stdio transport error", { error: error.message });

    const stop = new Promise<string>((resolve) => {
      if (stopped > 0 || options.signal?.aborted === true) resolve("signal");
      else stopRequests.push(() => resolve("signal"));
    });
    await server.connect(transport);
    ops.log.log("info", "MCP session started", { connections: Object.keys(config.connections) });

    const reason = await Promise.race([stop, transport.ended.then(() => "end of input")]);
    transport.stopReading();
    ops.log.log("info", "MCP session ending", {
      reason,
      in_flight: inFlight.size,
      awaiting_response: transport.pending,
    });

    // A further signal while draining aborts what is still running (closing the server aborts the
    // handlers' signals, and the S3 requests with them).
    const forced = new Promise<void>((resolve) => stopRequests.push(resolve));
    const drained = Promise.all([inFlight.settled(), transport.idle()]).then(() => undefined);
    if ((await Promise.race([drained.then(() => true), forced.then(() => false)])) === false) {
      ops.log.log("warn", "second stop request: aborting in-flight calls");
      await server.close();
      await inFlight.settled();
    }
    await transport.flush();
    await server.close();
    ops.log.log("info", "MCP session ended");
  } finally {
    for (const sig of signals) unlisten(sig, onStop);
    options.signal?.removeEventListener("abort", onStop);
    ops.close();
  }
}

// Some runtimes cannot listen for some signals (SIGTERM on Windows under Deno): that one is then
// simply not handled, the others still are.
function listen(sig: NodeJS.Signals, fn: () => void): void {
  try {
    process.on(sig, fn);
  } catch {
    // Not supported here.
  }
}
function unlisten(sig: NodeJS.Signals, fn: () => void): void {
  try {
    process.off(sig, fn);
  } catch {
    // Not supported here.
  }
}
