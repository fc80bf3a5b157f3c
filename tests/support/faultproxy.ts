// A small HTTP-aware TCP proxy for fault injection, in front of the real test S3 server.
//
// It listens on 127.0.0.1 (random port), forwards HTTP/1.1 requests to a loopback upstream and, per
// request, either passes it through or injects one fault: refused connections, 503 SlowDown / 500
// InternalError storms (or a 403 AccessDenied for chosen requests), a reset in the middle of a response body or of an upload, a stall, a
// slow-loris drip, or a truncated body (fewer bytes than Content-Length, then a clean close).
//
// It is bounded: loopback only (both sides), a cap on open connections, every stall and drip ends
// after `holdMaxMs`, and the whole proxy stops itself after `lifetimeMs` even if a test forgets to.
import { createServer, type Server, Socket } from "node:net";

export type Fault =
  /** Forward everything. */
  | { readonly kind: "pass" }
  /** Nobody listens on the port: connection attempts get ECONNREFUSED. */
  | { readonly kind: "refuse" }
  /** Accept, then reset (RST) before reading anything. */
  | { readonly kind: "reset-on-accept" }
  /**
   * Answer with an S3 XML error (503 SlowDown, 500 InternalError, or 403 AccessDenied to deny one
   * kind of request, e.g. AbortMultipartUpload) instead of forwarding.
   */
  | { readonly kind: "status"; readonly status: 403 | 500 | 503 }
  /** Forward, pass the response head and `afterBytes` body bytes, then reset the connection. */
  | { readonly kind: "reset-response"; readonly afterBytes: number }
  /** Forward the request head and `afterBytes` request-body bytes, then reset the connection. */
  | { readonly kind: "reset-upload"; readonly afterBytes: number }
  /**
   * Forward the request head and `afterBytes` request-body bytes, then stop reading from the client
   * (its writes back up and block, as when a server stops reading an upload) until `holdMaxMs`.
   */
  | { readonly kind: "stall-upload"; readonly afterBytes: number }
  /** Read the request, never answer (the connection stays open until `holdMaxMs`). */
  | { readonly kind: "stall" }
  /** Answer one byte of a never-ending response head every `intervalMs` (until `holdMaxMs`). */
  | { readonly kind: "drip"; readonly intervalMs: number }
  /** Forward, pass the response head and `keepBytes` body bytes, then close cleanly (FIN). */
  | { readonly kind: "truncate"; readonly keepBytes: number }
  /** Forward, pass the response head and `afterBytes` body bytes, then go silent (until `holdMaxMs`). */
  | { readonly kind: "stall-response"; readonly afterBytes: number };

export type FaultKind = Fault["kind"];

export interface RequestInfo {
  readonly method: string;
  /** Request target as sent: path and query. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface FaultRule {
  readonly fault: Fault;
  /** How many matching requests get the fault; afterwards the proxy passes through. Default: all. */
  readonly times?: number;
  /** Only requests for which this returns true are faulted (default: every request). */
  readonly match?: (req: RequestInfo) => boolean;
}

export interface SeenRequest extends RequestInfo {
  /** What the proxy did with it. */
  readonly action: FaultKind;
}

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. http://127.0.0.1:8000. Must be loopback. */
  readonly upstream: string;
  /** Longest a stall or drip holds a connection (default 30 s). */
  readonly holdMaxMs?: number;
  /** The proxy stops itself after this long (default 10 min). */
  readonly lifetimeMs?: number;
  /** Most client connections open at once; more are reset (default 512). */
  readonly maxConnections?: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  /** Installs a rule (replacing the previous one) and resets the request log and counters. */
  set(rule: FaultRule | Fault): Promise<void>;
  /** Back to pass-through. */
  pass(): Promise<void>;
  /** Every request seen since the last reset, in arrival order. */
  readonly requests: readonly SeenRequest[];
  /** Requests seen per action since the last reset. */
  counts(): Record<FaultKind, number>;
  /** Requests that matched the current rule (faulted or, after `times`, passed). */
  matched(): number;
  /** Forgets the request log and counters (the rule stays). */
  reset(): void;
  /** Connections currently open (client side). */
  openConnections(): number;
  stop(): Promise<void>;
}

const ERROR_BODIES: Readonly<Record<403 | 500 | 503, { code: string; reason: string; message: string }>> = {
  403: { code: "AccessDenied", reason: "Forbidden", message: "Access Denied" },
  503: { code: "SlowDown", reason: "Slow Down", message: "Please reduce your request rate." },
  500: {
    code: "InternalError",
    reason: "Internal Server Error",
    message: "We encountered an internal error. Please try again.",
  },
};

const HEAD_LIMIT = 64 * 1024;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const up = new URL(options.upstream);
  if (up.protocol !== "http:") throw new Error("fault proxy: upstream must be http://");
  if (!["127.0.0.1", "localhost", "[::1]"].includes(up.hostname)) {
    throw new Error(`fault proxy: upstream must be loopback, got ${up.hostname}`);
  }
  const upHost = up.hostname === "localhost" ? "127.0.0.1" : up.hostname.replace(/^\[|\]$/g, "");
  const upPort = Number(up.port || 80);
  const holdMaxMs = options.holdMaxMs ?? 30_000;
  const maxConnections = options.maxConnections ?? 512;

  let rule: FaultRule = { fault: { kind: "pass" } };
  let applied = 0;
  let matchedCount = 0;
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  /** Decides what to do with one request, counting it. */
  const decide = (info: RequestInfo): Fault => {
    const r = rule;
    let fault: Fault = { kind: "pass" };
    if (r.fault.kind !== "pass" && (r.match === undefined || r.match(info))) {
      matchedCount++;
      if (r.times === undefined || applied < r.times) {
        applied++;
        fault = r.fault;
      }
    }
    requests.push({ ...info, action: fault.kind });
    return fault;
  };

  const onConnection = (client: Socket) => {
    if (stopped || sockets.size >= maxConnections) {
      hardReset(client);
      return;
    }
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    if (rule.fault.kind === "reset-on-accept") {
      // Counted as a "request" so tests can see how many attempts were made.
      decide({ method: "", target: "", headers: {} });
      hardReset(client);
      return;
    }
    handleConnection(client);
  };
  // A closed server is not reliably re-listenable on every runtime: each listen gets a new one.
  let server: Server | undefined;

  function handleConnection(client: Socket): void {
    let buf: Buffer = Buffer.alloc(0);
    let upstream: Socket | undefined;
    // Request side state
    let reqBody: BodyFramer | undefined; // body of the request being forwarded
    let reqFault: Fault = { kind: "pass" };
    let reqBodySent = 0;
    let held = false; // stall/drip: ignore input
    // Response side state (one response per request, in order; no pipelining in practice)
    const pending: { method: string; fault: Fault }[] = [];
    let resBuf: Buffer = Buffer.alloc(0);
    let resHeadDone = false;
    let resBody: BodyFramer | undefined;
    let resBodySent = 0;
    let resFault: Extract<Fault, { kind: "reset-response" | "truncate" | "stall-response" }> | undefined;
    let pendingError: 403 | 500 | 503 | undefined; // answered once the request body has been swallowed
    let dead = false;

    const kill = (how: "reset" | "end" | "destroy") => {
      if (dead) return;
      dead = true;
      upstream?.destroy();
      if (how === "reset") hardReset(client);
      else if (how === "end") {
        client.end();
        later(2000, () => client.destroy());
      } else client.destroy();
    };
    client.on("close", () => {
      dead = true;
      upstream?.destroy();
    });

    const ensureUpstream = (): Socket => {
      if (upstream !== undefined && !upstream.destroyed) return upstream;
      const s = new Socket();
      upstream = s;
      resBuf = Buffer.alloc(0);
      resHeadDone = false;
      s.on("error", () => kill("destroy"));
      s.on("close", () => {
        if (upstream !== s) return;
        // Upstream closed: a close-delimited response ends here; anything else is cut short as-is.
        if (!dead) kill("end");
      });
      s.on("data", (d: Buffer) => onUpstreamData(d));
      s.connect(upPort, upHost);
      return s;
    };

    function onUpstreamData(d: Buffer): void {
      if (dead) return;
      resBuf = resBuf.length === 0 ? d : Buffer.concat([resBuf, d]);
      while (resBuf.length > 0 && !dead) {
        if (!resHeadDone) {
          const end = resBuf.indexOf("\r\n\r\n");
          if (end < 0) {
            if (resBuf.length > HEAD_LIMIT) kill("destroy");
            return;
          }
          const headBytes = resBuf.subarray(0, end + 4);
          resBuf = resBuf.subarray(end + 4);
          const head = parseHead(headBytes.toString("latin1"));
          const status = Number(head.first.split(" ")[1] ?? "0");
          client.write(headBytes);
          if (status >= 100 && status < 200) continue; // interim (100 Continue): the final head follows
          const req = pending.shift();
          const noBody = req?.method === "HEAD" || status === 204 || status === 304;
          resBody = noBody ? new BodyFramer("none") : framerFor(head.headers, true);
          resBodySent = 0;
          resHeadDone = true;
          const f = req?.fault ?? { kind: "pass" };
          if (f.kind === "reset-response" || f.kind === "truncate" || f.kind === "stall-response") {
            resFault = f;
          } else resFault = undefined;
          if (resBody.done) finishResponse();
          continue;
        }
        const body = resBody as BodyFramer;
        const take = body.consume(resBuf);
        let chunk = resBuf.subarray(0, take);
        resBuf = resBuf.subarray(take);
        if (resFault !== undefined) {
          const limit = resFault.kind === "truncate" ? resFault.keepBytes : resFault.afterBytes;
          const room = Math.max(0, limit - resBodySent);
          if (chunk.length >= room) {
            chunk = chunk.subarray(0, room);
            if (chunk.length > 0) client.write(chunk);
            resBodySent += chunk.length;
            if (resFault.kind === "stall-response") {
              // Go silent: drop everything else upstream sends, hold the client until holdMaxMs.
              resBuf = Buffer.alloc(0);
              const u = upstream;
              upstream = undefined; // its close must not end the client
              u?.destroy();
              held = true;
              later(holdMaxMs, () => kill("destroy"));
              return;
            }
            const how = resFault.kind === "reset-response" ? "reset" : "end";
            // Let the written bytes reach the client before cutting it off.
            if (how === "reset") client.write(Buffer.alloc(0), () => later(20, () => kill("reset")));
            else kill("end");
            return;
          }
        }
        if (chunk.length > 0) client.write(chunk);
        resBodySent += chunk.length;
        if (body.done) finishResponse();
        else if (take === 0) return;
      }
    }
    function finishResponse(): void {
      resHeadDone = false;
      resBody = undefined;
      resFault = undefined;
    }

    const answerError = (status: 403 | 500 | 503, keepAlive: boolean) => {
      const e = ERROR_BODIES[status];
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${e.message}</Message><RequestId>faultproxy</RequestId><HostId>faultproxy</HostId></Error>`;
      client.write(
        `HTTP/1.1 ${status} ${e.reason}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: faultproxy\r\n${keepAlive ? "" : "Connection: close\r\n"}\r\n${body}`,
      );
    };

    const onClientData = (d: Buffer) => {
      if (dead || held) return;
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length > 0 && !dead && !held) {
        if (reqBody !== undefined) {
          const take = reqBody.consume(buf);
          const chunk = buf.subarray(0, take);
          buf = buf.subarray(take);
          if (pendingError !== undefined) {
            // swallowing the body of a request that gets an error answer
          } else if (reqFault.kind === "reset-upload" || reqFault.kind === "stall-upload") {
            const room = Math.max(0, reqFault.afterBytes - reqBodySent);
            const part = chunk.subarray(0, room);
            if (part.length > 0) upstream?.write(part);
            reqBodySent += part.length;
            if (chunk.length >= room && reqBodySent >= reqFault.afterBytes) {
              if (reqFault.kind === "reset-upload") kill("reset");
              else {
                held = true;
                client.pause();
                later(holdMaxMs, () => kill("destroy"));
              }
              return;
            }
          } else {
            upstream?.write(chunk);
            reqBodySent += chunk.length;
          }
          if (reqBody.done) {
            reqBody = undefined;
            if (pendingError !== undefined) {
              answerError(pendingError, true);
              pendingError = undefined;
            }
          } else if (take === 0) return;
          continue;
        }
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
          if (buf.length > HEAD_LIMIT) kill("destroy");
          return;
        }
        const headBytes = buf.subarray(0, end + 4);
        buf = buf.subarray(end + 4);
        const head = parseHead(headBytes.toString("latin1"));
        const [method = "", target = ""] = head.first.split(" ");
        const info: RequestInfo = { method, target, headers: head.headers };
        const fault = decide(info);
        reqFault = fault;
        reqBodySent = 0;
        const framer = framerFor(head.headers, false);
        switch (fault.kind) {
          case "status": {
            const expectContinue = (head.headers.expect ?? "").toLowerCase() === "100-continue";
            if (expectContinue || framer.done) {
              // The client waits for us before sending a body (or has none): answer now, keep the
              // connection only when no body can follow.
              answerError(fault.status, framer.done);
              if (!framer.done) {
                kill("end");
                return;
              }
            } else {
              // Swallow the body first so the answer never races a half-sent request.
              reqBody = framer;
              pendingError = fault.status;
            }
            break;
          }
          case "refuse":
          case "reset-on-accept":
            // A kept-alive connection accepted before the rule changed: reset it now.
            kill("reset");
            return;
          case "stall":
            held = true;
            later(holdMaxMs, () => kill("destroy"));
            return;
          case "drip": {
            held = true;
            const text = `HTTP/1.1 200 OK\r\nx-amz-request-id: faultproxy\r\nx-drip: ${"a".repeat(1 << 16)}`;
            let i = 0;
            const started = Date.now();
            const tick = () => {
              if (dead) return;
              if (Date.now() - started > holdMaxMs || i >= text.length) {
                kill("destroy");
                return;
              }
              client.write(text.charAt(i++));
              later(fault.intervalMs, tick);
            };
            tick();
            return;
          }
          default: {
            // pass, reset-response, truncate, reset-upload, stall-upload: forward
            const s = ensureUpstream();
            pending.push({ method, fault });
            s.write(headBytes);
            if (!framer.done) reqBody = framer;
            if (fault.kind === "reset-upload" && framer.done) {
              kill("reset");
              return;
            }
          }
        }
      }
    };
    client.on("data", onClientData);
    client.on("end", () => {
      // Client half-closed: pass the FIN on so a close-delimited exchange completes.
      if (upstream !== undefined && !upstream.destroyed) upstream.end();
      else if (!held) kill("end");
    });
  }

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = createServer({ allowHalfOpen: true }, onConnection);
      srv.once("error", reject);
      srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
        srv.off("error", reject);
        srv.on("error", () => {});
        server = srv;
        const a = srv.address();
        resolve(typeof a === "object" && a !== null ? a.port : port);
      });
    });
  /** Stops accepting at once; close() would wait for every open connection to end. */
  const unlisten = () => {
    const srv = server;
    server = undefined;
    srv?.close();
  };

  const port = await listen(0);
  const lifetime = setTimeout(() => void proxy.stop(), options.lifetimeMs ?? 10 * 60_000);
  lifetime.unref?.();

  const proxy: FaultProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async set(next) {
      const r: FaultRule = "kind" in next ? { fault: next } : next;
      rule = r;
      applied = 0;
      matchedCount = 0;
      requests.length = 0;
      if (r.fault.kind === "refuse") {
        unlisten();
        // Kept-alive connections would bypass the refusal: cut them.
        for (const s of sockets) s.destroy();
      } else if (server === undefined && !stopped) {
        await listen(port);
      }
    },
    pass() {
      return proxy.set({ fault: { kind: "pass" } });
    },
    get requests() {
      return requests;
    },
    counts() {
      const c: Record<FaultKind, number> = {
        pass: 0,
        refuse: 0,
        "reset-on-accept": 0,
        status: 0,
        "reset-response": 0,
        "reset-upload": 0,
        "stall-upload": 0,
        stall: 0,
        drip: 0,
        truncate: 0,
        "stall-response": 0,
      };
      for (const r of requests) c[r.action]++;
      return c;
    },
    matched: () => matchedCount,
    reset() {
      requests.length = 0;
      applied = 0;
      matchedCount = 0;
    },
    openConnections: () => sockets.size,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(lifetime);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      unlisten();
    },
  };
  return proxy;
}

/** RST instead of FIN: what a crashed or overloaded middlebox does. */
function hardReset(s: Socket): void {
  const r = (s as Socket & { resetAndDestroy?: () => void }).resetAndDestroy;
  if (typeof r === "function") {
    try {
      r.call(s);
      return;
    } catch {
      // fall through
    }
  }
  s.destroy();
}

interface Head {
  first: string;
  headers: Record<string, string>;
}

function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { first: lines[0] ?? "", headers };
}

function framerFor(headers: Record<string, string>, response: boolean): BodyFramer {
  if ((headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked"))
    return new BodyFramer("chunked");
  const len = headers["content-length"];
  if (len !== undefined) return new BodyFramer("length", Number(len));
  // A request without length has no body; a response without length runs until the close.
  return new BodyFramer(response ? "close" : "none");
}

/** Tracks where an HTTP/1.1 body ends, for Content-Length, chunked and close-delimited bodies. */
class BodyFramer {
  done: boolean;
  private remaining: number;
  private chunkState: "size" | "data" | "data-crlf" | "trailer" = "size";
  private line = "";

  constructor(
    private readonly mode: "none" | "length" | "chunked" | "close",
    length = 0,
  ) {
    this.remaining = length;
    this.done = mode === "none" || (mode === "length" && length === 0);
  }

  /** How many bytes of `buf` belong to this body (from its start). */
  consume(buf: Buffer): number {
    if (this.done) return 0;
    if (this.mode === "close") return buf.length;
    if (this.mode === "length") {
      const n = Math.min(buf.length, this.remaining);
      this.remaining -= n;
      if (this.remaining === 0) this.done = true;
      return n;
    }
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.chunkState === "data") {
        const n = Math.min(buf.length - i, this.remaining);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.chunkState = "data-crlf";
        continue;
      }
      const c = String.fromCharCode(buf[i] as number);
      i++;
      this.line += c;
      if (!this.line.endsWith("\r\n")) continue;
      const line = this.line.slice(0, -2);
      this.line = "";
      if (this.chunkState === "data-crlf") {
        this.chunkState = "size";
      } else if (this.chunkState === "size") {
        const size = Number.parseInt(line.split(";")[0] ?? "", 16);
        if (!Number.isFinite(size) || size === 0) this.chunkState = "trailer";
        else {
          this.remaining = size;
          this.chunkState = "data";
        }
      } else if (line === "") {
        this.done = true;
      }
    }
    return i;
  }
}
