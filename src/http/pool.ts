// MCP servers for HTTP requests, reused. Stateless serving needs a server and transport per
// request, but building a server (nine tools with their schemas) costs ~2.5 ms of CPU and ~0.4 MB
// of garbage, more than the rest of a call. So each caller view (a principal's configuration)
// keeps idle servers: a request takes one, connects it to its own fresh transport, and gives it
// back once its response is finished. A server is reused only when nothing of the previous
// request is still running on it, and only after it has forgotten that request's client.

import type { Config } from "../config/schema.ts";
import { InFlight } from "../mcp/inflight.ts";
import type { McpServer } from "../mcp/sdk/server-mcp.ts";
import { createServer } from "../mcp/server.ts";
import { type CallerIdentity, callerContext, type OpsContext } from "../ops/index.ts";

/** Idle servers kept per caller view; more concurrent requests than this build extra ones. */
const MAX_IDLE = 64;

export interface Lease {
  readonly server: McpServer;
  /** Gives the server back (or drops it); closes its connection to the request's transport. */
  release(): Promise<void>;
}

interface Pooled {
  readonly server: McpServer;
  readonly who: { principal?: string | undefined; request_id?: string | undefined };
  readonly calls: InFlight;
}

export class ServerPool {
  readonly #idle = new Map<Config, Pooled[]>();
  /** Every server's running calls, so shutdown can wait for aborted ones to write their audit lines. */
  readonly #all = new Set<Pooled>();

  constructor(
    private readonly ops: OpsContext,
    private readonly callTimeoutMs: number,
  ) {}

  acquire(config: Config, who: CallerIdentity): Lease {
    const pooled = this.#idle.get(config)?.pop() ?? this.#create(config);
    pooled.who.principal = who.principal;
    pooled.who.request_id = who.request_id;
    let released = false;
    return {
      server: pooled.server,
      release: async () => {
        if (released) return;
        released = true;
        await pooled.server.close();
        // A call still running (its client went away) would audit under the next request's id.
        if (pooled.calls.size > 0) {
          void pooled.calls.settled().then(() => this.#all.delete(pooled));
          return;
        }
        forgetClient(pooled.server);
        const idle = this.#idle.get(config) ?? [];
        if (idle.length < MAX_IDLE) {
          idle.push(pooled);
          this.#idle.set(config, idle);
        } else {
          this.#all.delete(pooled);
        }
      },
    };
  }

  /** Resolves once no call runs on any server (or after `ms`). */
  async settled(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const all = Promise.all([...this.#all].map((p) => p.calls.settled()));
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  #create(config: Config): Pooled {
    const who: Pooled["who"] = {};
    const calls = new InFlight();
    const server = createServer(config, callerContext(this.ops, config, who), {
      callTimeoutMs: this.callTimeoutMs,
      inFlight: calls,
    });
    const pooled = { server, who, calls };
    this.#all.add(pooled);
    return pooled;
  }
}

/**
 * The SDK keeps the capabilities and name of the client that sent `initialize` on the server. A
 * reused server must forget them: the next request comes from another client, which may not
 * handle elicitation (consent) at all.
 */
function forgetClient(server: McpServer): void {
  const inner = server.server as unknown as { _clientCapabilities?: unknown; _clientVersion?: unknown };
  inner._clientCapabilities = undefined;
  inner._clientVersion = undefined;
}
