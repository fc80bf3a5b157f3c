// node:http (which Bun and Deno both provide) in front of a web-standard handler: each request
// becomes a Request whose body streams from the socket (nothing is buffered here), and each
// Response is written back chunk by chunk with backpressure, so server-sent events reach the
// client as they are produced. A client that goes away cancels its response body.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (request: Request) => Promise<Response>;

export interface Listening {
  /** The port actually bound (differs from the requested one for port 0). */
  readonly port: number;
  /** Stops accepting connections; resolves when the listening socket is closed. */
  stopAccepting(): Promise<void>;
  /** Closes keep-alive connections that carry no request right now. */
  closeIdle(): void;
  /** Closes every connection, busy or not. */
  closeAll(): void;
}

export function listen(handler: Handler, host: string, port: number): Promise<Listening> {
  const server = createServer((req, res) => {
    void serve(handler, req, res);
  });
  // Slow or stalled clients cannot hold a connection for ever before sending a request.
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  let closing: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const bound = (server.address() as AddressInfo).port;
      resolve({
        port: bound,
        stopAccepting() {
          closing ??= new Promise((done) => server.close(() => done()));
          return closing;
        },
        closeIdle: () => server.closeIdleConnections?.(),
        closeAll: () => server.closeAllConnections?.(),
      });
    });
  });
}

async function serve(handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let response: Response;
  try {
    response = await handler(toRequest(req));
  } catch {
    response = new Response(null, { status: 500 });
  }
  await writeResponse(response, req, res);
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string);
    } catch {
      // A header the Fetch API cannot hold is dropped, not fatal.
    }
  }
  // The URL's authority is fixed: routing uses the path only, and Host is checked as a header.
  const url = new URL(req.url ?? "/", "http://mcp-s3.invalid");
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://mcp-s3.invalid${url.pathname}${url.search}`, {
    method,
    headers,
    ...(hasBody ? { body: bodyStream(req), duplex: "half" } : {}),
  } as RequestInit);
}

/** The request body as a stream that reads from the socket only as fast as it is consumed. */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        try {
          controller.close();
        } catch {
          // Already cancelled.
        }
      });
      req.once("error", (e) => {
        try {
          controller.error(e);
        } catch {
          // Already cancelled.
        }
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      // The rest of the body is not wanted (over the limit): stop reading; the response says
      // Connection: close, so the socket is not reused with unread bytes in it.
      req.pause();
      req.removeAllListeners("data");
    },
  });
}

async function writeResponse(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = response.body;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (body === null || req.method === "HEAD") {
    res.end();
    await body?.cancel().catch(() => {});
    return;
  }
  res.flushHeaders();
  const reader = body.getReader();
  let gone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    gone = true;
    reader.cancel().catch(() => {});
  };
  res.once("close", onClose);
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done || gone) break;
      if (!res.write(next.value)) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            res.off("drain", wake);
            res.off("close", wake);
            resolve();
          };
          res.once("drain", wake);
          res.once("close", wake);
        });
      }
    }
  } catch {
    // The body failed midway: end the response where it stands.
  } finally {
    res.off("close", onClose);
    if (!gone) res.end();
  }
}
