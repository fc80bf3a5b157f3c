// `serve --http`: one process serving MCP over HTTP until SIGTERM/SIGINT (§8). On the signal it
// stops accepting connections, reports not-ready, lets the requests in flight finish for up to
// 10 s, aborts whatever is still running, closes the audit log (every line was written before its
// response) and resolves, so the process exits 0.

import { createAuditWriter } from "../audit/writer.ts";
import { createTokenVerifier, type VerifierOptions } from "../auth/verify.ts";
import type { Config } from "../config/schema.ts";
import { createOpsContext } from "../ops/index.ts";
import { createHttpApp } from "./app.ts";
import { listen } from "./listen.ts";
import { localUrl, type ServeSettings } from "./settings.ts";

/** How long in-flight requests may take to finish after SIGTERM. */
export const DRAIN_MS = 10_000;

export interface HttpServeOptions {
  readonly settings: ServeSettings;
  /** Announced on every start (stderr). */
  readonly insecureNoAuth: boolean;
  /** Lines for the operator (stderr). */
  readonly announce: (line: string) => void;
  /** Aborting it stops the server the way SIGTERM does. */
  readonly signal?: AbortSignal;
  readonly verifier?: VerifierOptions;
}

export async function serveHttp(config: Config, options: HttpServeOptions): Promise<void> {
  const { settings } = options;
  // Opened now: an unwritable audit file is a startup error. Stdout is free for audit lines here.
  const audit = createAuditWriter({ ...config.audit, stdoutAllowed: true });
  const ops = createOpsContext(config, { source: "http", audit });
  const verifier =
    settings.auth.mode === "oauth" ? createTokenVerifier(settings.auth, options.verifier) : undefined;
  const app = createHttpApp({ config, settings, ops, verifier });

  let stop!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const onSignal = (sig: NodeJS.Signals) => stop(sig);
  const signals = ["SIGTERM", "SIGINT"] as const;
  for (const sig of signals) listenSignal(sig, onSignal);
  const onAbort = () => stop("abort");
  if (options.signal?.aborted === true) onAbort();
  options.signal?.addEventListener("abort", onAbort);

  try {
    const server = await listen(app.handle, settings.listen.host, settings.listen.port);
    const url = localUrl(settings.listen, server.port);
    const auth =
      settings.auth.mode === "oauth"
        ? `OAuth: issuer ${settings.auth.issuer}, audience ${settings.auth.audience}`
        : "no authorization";
    if (settings.auth.mode === "none" && options.insecureNoAuth) {
      options.announce(
        `mcp-s3: WARNING: --insecure-no-auth: anyone who can reach ${settings.listen.host}:${server.port} can use every configured connection without a token`,
      );
    }
    // Last: whoever waits for this line (a supervisor, a test) has seen the warning before it.
    options.announce(`mcp-s3: serving MCP over HTTP at ${url} (${auth})`);
    ops.log.log("info", "HTTP server started", { url, connections: Object.keys(config.connections) });

    const reason = await stopped;
    app.drain();
    ops.log.log("info", "HTTP server stopping", { reason, in_flight: app.inFlight });
    const closed = server.stopAccepting();
    server.closeIdle();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), DRAIN_MS);
    });
    const drained = await Promise.race([app.idle().then(() => true as const), deadline]);
    clearTimeout(timer);
    if (!drained) {
      ops.log.log("warn", "drain deadline passed: aborting in-flight calls", { in_flight: app.inFlight });
      await app.abortAll();
    }
    server.closeAll();
    await closed;
    ops.log.log("info", "HTTP server stopped");
  } finally {
    for (const sig of signals) unlistenSignal(sig, onSignal);
    options.signal?.removeEventListener("abort", onAbort);
    ops.close();
  }
}

// Some runtimes cannot listen for some signals (SIGTERM on Windows under Deno): that one is then
// simply not handled.
function listenSignal(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): void {
  try {
    process.on(sig, fn);
  } catch {
    // Not supported here.
  }
}
function unlistenSignal(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): void {
  try {
    process.off(sig, fn);
  } catch {
    // Not supported here.
  }
}
