// `mcp-s3` / `mcp-s3 serve`: one MCP session on stdin/stdout. Nothing but JSON-RPC is ever written to
// stdout; diagnostics (MCP_S3_EXT_LOGGING) and the audit log (without a file) go to stderr.
//
// This module is light on purpose: the CLI imports it, and the MCP SDK, zod schemas and the S3 client
// are loaded only when a session actually starts.
import type { Config } from "../config/schema.ts";
import { formatSize } from "../config/values.ts";

export interface ServeOptions {
  /** Aborting it ends the session the way SIGTERM does. */
  readonly signal?: AbortSignal;
}

/** Longest message a read-only server needs: no call carries an object body (keys, metadata, lists are small). */
export const READ_ONLY_MESSAGE_BYTES = 1024 * 1024;
/** JSON envelope allowance on top of the base64 body of the largest allowed upload. */
const ENVELOPE_BYTES = 1024 * 1024;
/** Upload room when size limits are off: what the default max_put_size (100 MiB) allows. */
const UNLIMITED_PUT_BYTES = 100 * 1024 * 1024;
/** Ceiling for one message (a JavaScript string cannot hold much more). */
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

export interface MessageLimit {
  /** Longest accepted message line in bytes. */
  readonly bytes: number;
  /** Why, for the error that refuses a longer line. */
  readonly reason: string;
}

/**
 * The longest message line any call could legitimately need under the active policy (SPEC §3 "Bounded
 * resources"): 1 MiB when every connection is read-only (no upload is possible), else room for the
 * largest upload a writable connection allows, in base64, plus the JSON around it.
 */
export function messageLimit(config: Config): MessageLimit {
  const writable = Object.values(config.connections).filter((c) => !c.policy.read_only);
  if (writable.length === 0) {
    return {
      bytes: READ_ONLY_MESSAGE_BYTES,
      reason: "every connection is read-only, so no call carries an object body",
    };
  }
  const largestPut = Math.max(
    ...writable.map((c) => (c.policy.size_limits ? c.policy.max_put_size : UNLIMITED_PUT_BYTES)),
  );
  const needed = Math.ceil(largestPut / 3) * 4 + ENVELOPE_BYTES;
  const unlimited = writable.some((c) => !c.policy.size_limits);
  const why = unlimited
    ? `size limits are off: room for an upload of ${formatSize(largestPut)} in base64; larger objects go through the CLI (mcp-s3 put)`
    : `room for the largest upload allowed (max_put_size ${formatSize(largestPut)}) in base64`;
  return needed <= MAX_MESSAGE_BYTES
    ? { bytes: needed, reason: why }
    : { bytes: MAX_MESSAGE_BYTES, reason: `${why}, capped at ${formatSize(MAX_MESSAGE_BYTES)}` };
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
    const limit = messageLimit(config);
    const transport = new StdioTransport(process.stdin, process.stdout, {
      maxMessageBytes: limit.bytes,
      maxMessageReason: limit.reason,
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
