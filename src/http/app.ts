// MCP over HTTP (§8) as one web-standard handler, Request in and Response out, so that it runs on
// any runtime's HTTP server (src/http/listen.ts adapts node:http). Every request to /mcp passes,
// in this order: Host/Origin (403), the bearer token (401/403), the caller's policy, the body limit
// (413, before buffering), then an MCP server (reused from a pool, src/http/pool.ts) on a fresh
// stateless transport for this request alone — no session state is kept between requests, so any
// replica can answer any request.
import { randomUUID } from "node:crypto";
import {
  metadataPaths,
  protectedResourceMetadata,
  resourceMetadataUrl,
  wwwAuthenticate,
} from "../auth/metadata.ts";
import { effectiveConfig, matchPrincipal } from "../auth/principals.ts";
import type { Caller, TokenVerifier } from "../auth/verify.ts";
import type { Config } from "../config/schema.ts";
import { WebStandardStreamableHTTPServerTransport } from "../mcp/sdk/server-webStandardStreamableHttp.ts";
import type { OpsContext } from "../ops/index.ts";
import { BodyBudget, readBody } from "./body.ts";
import { hostAllowed, originAllowed } from "./guard.ts";
import { bodyLimit } from "./limits.ts";
import { type Lease, ServerPool } from "./pool.ts";
import type { ServeSettings } from "./settings.ts";

export interface HttpAppOptions {
  readonly config: Config;
  readonly settings: ServeSettings;
  /** The process's operation context (S3 clients, audit log, logger), shared by every caller. */
  readonly ops: OpsContext;
  /** Present exactly when auth mode is oauth. */
  readonly verifier?: TokenVerifier | undefined;
}

export interface HttpApp {
  handle(request: Request): Promise<Response>;
  /** From now on readyz says no, and every response closes its connection. */
  drain(): void;
  /** Number of requests whose response has not finished. */
  readonly inFlight: number;
  /** Resolves once no request is in flight. */
  idle(): Promise<void>;
  /** Aborts every call still running (their S3 requests with them) and waits for them to end. */
  abortAll(): Promise<void>;
}

/** Time a request may still take after its call deadline before its server is closed regardless. */
const DEADLINE_GRACE_MS = 5_000;
/** How long aborted calls are given to end (and write their audit lines) at shutdown. */
const ABORT_WAIT_MS = 5_000;
const REQUEST_ID = /^[A-Za-z0-9._:@+=-]{1,128}$/;
const CORS_ALLOW_HEADERS =
  "authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id";
const CORS_EXPOSE_HEADERS = "www-authenticate, mcp-session-id, x-request-id";

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { config, settings, ops, verifier } = options;
  const auth = settings.auth;
  const oauth = auth.mode === "oauth" && verifier !== undefined && auth.audience !== undefined;
  const metadataUrl = oauth ? resourceMetadataUrl(auth.audience as string) : undefined;
  const prmPaths = oauth ? metadataPaths(auth.audience as string) : new Set<string>();
  const prm = oauth ? JSON.stringify(protectedResourceMetadata(auth, settings)) : "";

  // Each principal's view is computed once: the same frozen Config for every request it makes.
  const views = settings.principals.map((p) => {
    const c = effectiveConfig(config, p);
    return { config: c, limit: bodyLimit(c) };
  });
  const unmatched = { config, limit: bodyLimit(config) };
  const largest = Math.max(unmatched.limit, ...views.map((v) => v.limit));
  // One largest message at a time, plus room for the small ones that make up most traffic.
  const budget = new BodyBudget(largest + 16 * 1024 * 1024);

  const live = new Map<symbol, () => Promise<void>>();
  const servers = new ServerPool(ops, settings.call_timeout_ms);
  const idleWaiters: (() => void)[] = [];
  let draining = false;

  const settle = (id: symbol) => {
    live.delete(id);
    if (live.size === 0) for (const wake of idleWaiters.splice(0)) wake();
  };

  const log = (request: Request, status: number, started: number, fields: Record<string, unknown>) => {
    if (!ops.log.enabled) return;
    ops.log.log(status >= 500 ? "warn" : "info", "http request", {
      method: request.method,
      path: new URL(request.url).pathname,
      status,
      duration_ms: Math.round(performance.now() - started),
      ...fields,
    });
  };

  async function handle(request: Request): Promise<Response> {
    const started = performance.now();
    const incoming = request.headers.get("x-request-id");
    const requestId = incoming !== null && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const path = new URL(request.url).pathname;
    const origin = request.headers.get("origin");
    let bodyRead = false;
    const finish = (response: Response, fields: Record<string, unknown> = {}): Response => {
      const headers = new Headers(response.headers);
      headers.set("x-request-id", requestId);
      // A body left unread (a request refused before it was read) is not drained for the next
      // request on the connection: the connection is closed instead.
      if (draining || (request.body !== null && !bodyRead)) headers.set("connection", "close");
      if (origin !== null && originAllowed(origin, settings.allowed_origins)) {
        headers.set("access-control-allow-origin", new URL(origin).origin);
        headers.set("access-control-expose-headers", CORS_EXPOSE_HEADERS);
        headers.append("vary", "Origin");
      }
      log(request, response.status, started, { request_id: requestId, ...fields });
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    };

    // Probes: answered on any Host (a kubelet sends the pod's address), never about anything secret.
    if (path === "/healthz") return finish(text(200, "ok\n"));
    if (path === "/readyz") return finish(ready() ? text(200, "ready\n") : text(503, "not ready\n"));

    if (!hostAllowed(request.headers.get("host"), settings.listen.host, settings.allowed_hosts)) {
      return finish(
        rpcError(403, -32000, "Forbidden: the Host header is not an allowed host of this server"),
      );
    }
    if (!originAllowed(origin, settings.allowed_origins)) {
      return finish(rpcError(403, -32000, "Forbidden: the Origin header is not an allowed origin"));
    }

    if (prmPaths.has(path)) {
      if (request.method === "OPTIONS") return finish(preflight("GET"));
      if (request.method !== "GET" && request.method !== "HEAD") return finish(notAllowed("GET"));
      const response = new Response(request.method === "HEAD" ? null : prm, {
        status: 200,
        headers: { "content-type": "application/json", "cache-control": "public, max-age=3600" },
      });
      response.headers.set("access-control-allow-origin", "*");
      return finish(response);
    }
    if (path !== "/mcp") return finish(json(404, { error: "not_found" }));
    if (request.method === "OPTIONS") return finish(preflight("POST"));
    // Stateless: no standalone SSE stream to GET and no session to DELETE.
    if (request.method !== "POST") return finish(notAllowed("POST"));

    let caller: Caller | undefined;
    if (oauth) {
      const verdict = await authorize(request);
      if (!verdict.ok) return finish(verdict.response, { auth: verdict.reason });
      caller = verdict.caller;
    }
    const matched = caller === undefined ? undefined : matchPrincipal(settings.principals, caller);
    const view = matched === undefined ? unmatched : (views[matched] as typeof unmatched);
    const principal = caller?.principal;
    if (matched === undefined && settings.require_principal) {
      return finish(
        json(403, {
          error: "access_denied",
          error_description: "no entry of http.principals matches this caller",
        }),
        { principal },
      );
    }
    if (draining) {
      return finish(
        rpcError(503, -32000, "Service Unavailable: the server is shutting down", { "retry-after": "1" }),
      );
    }

    const id = Symbol(requestId);
    let lease: Lease | undefined;
    let reserved = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      clearTimeout(overdue);
      budget.release(reserved);
      try {
        await lease?.release();
      } finally {
        settle(id);
      }
    };
    live.set(id, close);
    const overdue = setTimeout(() => void close(), settings.call_timeout_ms + DEADLINE_GRACE_MS);
    overdue.unref?.();

    try {
      const body = await readBody(request, view.limit, budget, settings.call_timeout_ms);
      if (body.kind !== "ok") {
        await close();
        return finish(bodyRefusal(body.kind, view.limit), { principal });
      }
      reserved = body.reserved;
      bodyRead = true;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.text);
      } catch {
        await close();
        return finish(rpcError(400, -32700, "Parse error: the body is not valid JSON"), { principal });
      }
      lease = servers.acquire(view.config, { principal, request_id: requestId });
      const transport = new WebStandardStreamableHTTPServerTransport({}); // no session ids: stateless
      await lease.server.connect(transport);
      const response = await transport.handleRequest(forwardable(request), { parsedBody: parsed });
      return finish(whenFinished(response, close), { principal });
    } catch (e) {
      await close();
      ops.log.log("error", "http request failed", { request_id: requestId, error: (e as Error).message });
      return finish(rpcError(500, -32603, "Internal error"), { principal });
    }
  }

  type Authorized = { ok: true; caller: Caller } | { ok: false; response: Response; reason: string };

  async function authorize(request: Request): Promise<Authorized> {
    const challenge = (error?: "invalid_token" | "insufficient_scope", description?: string) =>
      wwwAuthenticate({
        metadataUrl: metadataUrl as string,
        error,
        description,
        scopes: auth.required_scopes,
      });
    const header = request.headers.get("authorization");
    const m = header === null ? null : /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
    if (m === null) {
      // No credentials of our kind: tell the client where to get some (RFC 6750 §3.1: no error code).
      return {
        ok: false,
        reason: "no token",
        response: json(
          401,
          { error: "unauthorized", error_description: "a bearer access token is required" },
          { "www-authenticate": challenge() },
        ),
      };
    }
    const verdict = await (verifier as TokenVerifier).verify(m[1] as string);
    if (verdict.ok) return verdict;
    if (verdict.status === 503) {
      return {
        ok: false,
        reason: verdict.description,
        response: json(
          503,
          { error: verdict.error, error_description: verdict.description },
          { "retry-after": "5" },
        ),
      };
    }
    return {
      ok: false,
      reason: verdict.description,
      response: json(
        verdict.status,
        { error: verdict.error, error_description: verdict.description },
        {
          "www-authenticate": challenge(
            verdict.error as "invalid_token" | "insufficient_scope",
            verdict.description,
          ),
        },
      ),
    };
  }

  function ready(): boolean {
    if (draining) return false;
    try {
      ops.audit.check?.();
      return true;
    } catch {
      return false;
    }
  }

  return {
    handle,
    drain() {
      draining = true;
    },
    get inFlight() {
      return live.size;
    },
    idle() {
      if (live.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async abortAll() {
      await Promise.allSettled([...live.values()].map((close) => close()));
      // Aborted calls end quickly (their S3 requests are aborted) and write their audit lines;
      // one that ignores the abort is not waited for beyond a few seconds.
      await servers.settled(ABORT_WAIT_MS);
    },
  };
}

/**
 * The request as the MCP transport sees it: without the caller's credentials, which nothing past
 * this point needs (so no handler can ever log or forward them). The body was already read.
 */
function forwardable(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.delete("authorization");
  headers.delete("cookie");
  return new Request(request.url, { method: request.method, headers });
}

/** `response` with `done` run once its body has been sent or abandoned by the client. */
function whenFinished(response: Response, done: () => Promise<void>): Response {
  const source = response.body;
  if (source === null) {
    void done();
    return response;
  }
  const reader = source.getReader();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    void done();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          finish();
        } else controller.enqueue(next.value);
      } catch (e) {
        controller.error(e);
        finish();
      }
    },
    async cancel(reason) {
      // The client went away: its call is aborted (closing the server aborts its handlers).
      finish();
      await reader.cancel(reason).catch(() => {});
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function bodyRefusal(kind: "too_large" | "busy" | "timeout" | "failed", limit: number): Response {
  switch (kind) {
    case "too_large":
      return rpcError(
        413,
        -32000,
        `Payload Too Large: this caller's requests are at most ${limit} bytes (the largest upload its policy allows, base64-encoded)`,
        { connection: "close" },
      );
    case "busy":
      return rpcError(503, -32000, "Service Unavailable: too many large requests in flight; retry shortly", {
        "retry-after": "1",
        connection: "close",
      });
    case "timeout":
      return rpcError(408, -32000, "Request Timeout: the body did not arrive in time", {
        connection: "close",
      });
    case "failed":
      return rpcError(400, -32000, "Bad Request: the body could not be read", { connection: "close" });
  }
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { jsonrpc: "2.0", error: { code, message }, id: null }, headers);
}

function notAllowed(allow: string): Response {
  return new Response(
    JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null }),
    { status: 405, headers: { allow, "content-type": "application/json" } },
  );
}

function preflight(methods: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": methods,
      "access-control-allow-headers": CORS_ALLOW_HEADERS,
      "access-control-max-age": "600",
    },
  });
}
