// The fetch request handler (src/s3/fetch-handler.ts) against a local HTTP server that records what
// arrives and misbehaves on purpose: what goes on the wire is what node:http would send, responses
// come back as the server sent them (no redirects followed, no decompression), S3_TIMEOUT fails a
// silent head, a silent body and a stalled upload with a TimeoutError, and a path that fetch would
// rewrite goes to the fallback handler instead. An unread body can be handed over whole to a native
// copy, and S3_TIMEOUT then follows the copier's progress.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { HttpRequest, HttpResponse } from "@smithy/types";
import { plainFetch } from "../../src/runtime/index.ts";
import { type BodyCopier, handOverOf } from "../../src/s3/body.ts";
import { toS3ToolError } from "../../src/s3/errors.ts";
import { FetchHandler, literalPathNeeded, queryString } from "../../src/s3/fetch-handler.ts";

describe("literalPathNeeded: the paths fetch would rewrite", () => {
  const rows: [string, boolean][] = [
    ["/bucket/key.txt", false],
    ["/bucket/a/../b", true],
    ["/bucket/./b", true],
    ["/bucket/a/..", true],
    ["/bucket/a/.", true],
    ["/bucket/%2e%2e/b", true],
    ["/bucket/%2E%2e/b", true],
    ["/bucket/.%2E/b", true],
    ["/bucket/%2e./b", true],
    ["/bucket/%2E", true],
    ["/bucket/...", false],
    ["/bucket/.../b", false],
    ["/bucket/.hidden", false],
    ["/bucket/a.", false],
    ["/bucket/a..b", false],
    ["/bucket/a%2F..%2Fb", false],
    ["/bucket/%252e%252e/b", false],
    ["/bucket/a//b", false],
    ["/bucket/%2e%2e%2e", false],
    ["/", false],
  ];
  test.each(rows)("%p -> %p", (path, expected) => {
    expect(literalPathNeeded(path)).toBe(expected);
  });
  test.each(rows)("%p: agrees with the runtime's own URL parser", (path) => {
    expect(literalPathNeeded(path)).toBe(new URL(`http://host${path}`).pathname !== path);
  });
});

describe("queryString: the bytes smithy's buildQueryString makes", () => {
  const rows: [Record<string, string | string[] | null>, string][] = [
    [{}, ""],
    [{ "list-type": "2" }, "list-type=2"],
    [{ uploads: null }, "uploads"],
    [{ "x-id": "GetObject", empty: "" }, "empty=&x-id=GetObject"],
    [{ prefix: "a b/ü+=&?#" }, "prefix=a%20b%2F%C3%BC%2B%3D%26%3F%23"],
    [{ marker: "!'()*~._-" }, "marker=%21%27%28%29%2A~._-"],
    [{ b: "2", a: "1", c: ["z", "y"] }, "a=1&b=2&c=z&c=y"],
  ];
  test.each(rows)("%p -> %p", (query, expected) => {
    expect(queryString(query)).toBe(expected);
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  bytes: number;
}

const fetchFn = plainFetch();
const run = fetchFn === undefined ? describe.skip : describe;

run("FetchHandler against a local server (runtimes with a native fetch)", () => {
  let server: Server;
  let port = 0;
  const seen: Seen[] = [];
  const held: ServerResponse[] = [];
  const GZIPPED = gzipSync(new TextEncoder().encode("compressed ".repeat(100)));
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    "/ok": (_req, res) => res.end("hello"),
    "/redirect": (_req, res) => {
      res.writeHead(301, { location: "/ok" });
      res.end("<Error><Code>PermanentRedirect</Code></Error>");
    },
    "/gzip": (_req, res) => {
      res.writeHead(200, { "content-encoding": "gzip", "content-length": String(GZIPPED.byteLength) });
      res.end(GZIPPED);
    },
    "/silent": (_req, res) => {
      held.push(res);
    },
    "/half": (_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("x".repeat(10));
      held.push(res);
    },
    "/late": (_req, res) => {
      // Silent for 900 ms half-way, then the rest.
      res.writeHead(200, { "content-length": "20" });
      res.write("x".repeat(10));
      setTimeout(() => res.end("y".repeat(10)), 900);
    },
    "/no-read": (req, res) => {
      // Stop reading the upload after the head: the client's writes back up.
      req.pause();
      req.socket.pause();
      held.push(res);
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const entry: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, bytes: 0 };
      seen.push(entry);
      const path = (req.url ?? "").split("?")[0] ?? "";
      const route = routes[path];
      if (route !== undefined && path === "/no-read") return route(req, res);
      req.on("data", (c: Buffer) => {
        entry.bytes += c.byteLength;
      });
      req.on("end", () => (route ?? ((_q, r) => r.end(`${entry.bytes}`)))(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const r of held) r.socket?.destroy();
    server.closeAllConnections();
    server.close();
  });

  const fallbackCalls: HttpRequest[] = [];
  const handler = (timeoutMs = 30_000) =>
    new FetchHandler(timeoutMs, fetchFn as NonNullable<typeof fetchFn>, {
      handle: async (request) => {
        fallbackCalls.push(request);
        return { response: { statusCode: 299, headers: {} } };
      },
    });
  const request = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    method: "GET",
    path,
    query: {},
    headers: {},
    ...extra,
  });
  const bodyOf = async (response: HttpResponse): Promise<Uint8Array> =>
    new Uint8Array(await new Response(response.body as ReadableStream).arrayBuffer());
  const failure = async (p: Promise<unknown>): Promise<Error & { code?: unknown }> => {
    try {
      await p;
    } catch (e) {
      return e as Error & { code?: unknown };
    }
    throw new Error("expected a failure");
  };

  test("path, query and headers go out as given; Expect is not sent", async () => {
    const { response } = await handler().handle(
      request("/echo/a%20b//c", {
        method: "PUT",
        query: { "x-id": "PutObject", partNumber: "2" },
        headers: { "x-amz-meta-k": "v", expect: "100-continue", "content-length": "3" },
        body: new TextEncoder().encode("abc"),
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(new TextDecoder().decode(await bodyOf(response))).toBe("3");
    const last = seen.at(-1) as Seen;
    expect(last.method).toBe("PUT");
    expect(last.url).toBe("/echo/a%20b//c?partNumber=2&x-id=PutObject");
    expect(last.headers["x-amz-meta-k"]).toBe("v");
    expect(last.headers.expect).toBeUndefined();
  });

  test("a redirect comes back to the SDK as it is, never followed", async () => {
    const before = seen.length;
    const { response } = await handler().handle(request("/redirect"));
    expect(response.statusCode).toBe(301);
    expect(response.headers.location).toBe("/ok");
    expect(new TextDecoder().decode(await bodyOf(response))).toContain("PermanentRedirect");
    expect(seen.length).toBe(before + 1);
  });

  test("a gzip-encoded body comes back as stored, not decompressed", async () => {
    const { response } = await handler().handle(request("/gzip"));
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(await bodyOf(response)).toEqual(new Uint8Array(GZIPPED));
  });

  test("a HEAD answer has an empty body stream", async () => {
    const { response } = await handler().handle(request("/ok", { method: "HEAD" }));
    expect(response.statusCode).toBe(200);
    expect((await bodyOf(response)).byteLength).toBe(0);
  });

  test("a path fetch would rewrite goes to the fallback handler, verbatim", async () => {
    const before = seen.length;
    const { response } = await handler().handle(request("/bucket/a/../b"));
    expect(response.statusCode).toBe(299);
    expect(fallbackCalls.at(-1)?.path).toBe("/bucket/a/../b");
    expect(seen.length).toBe(before);
  });

  test("a large upload arrives whole, from bytes and from a stream", async () => {
    const size = 3 * 1024 * 1024 + 5;
    const bytes = new Uint8Array(size).fill(7);
    for (const body of [bytes, Readable.from([bytes.subarray(0, 100), bytes.subarray(100)])]) {
      const { response } = await handler().handle(
        request("/count", { method: "PUT", headers: { "content-length": String(size) }, body }),
      );
      expect(new TextDecoder().decode(await bodyOf(response))).toBe(String(size));
    }
  });

  test("no response head within S3_TIMEOUT: TimeoutError (the SDK retries it; mapped to Timeout)", async () => {
    const e = await failure(handler(300).handle(request("/silent")));
    expect(e.name).toBe("TimeoutError");
    expect(e.code).toBe("ETIMEDOUT");
    expect(toS3ToolError(e).code).toBe("Timeout");
  });

  test("a body that goes silent half-way: the read fails with TimeoutError, never ends short", async () => {
    const { response } = await handler(300).handle(request("/half"));
    const e = await failure(bodyOf(response));
    expect(e.name).toBe("TimeoutError");
    expect(toS3ToolError(e).code).toBe("Timeout");
  });

  test("a server that stops reading an upload: TimeoutError from the upload watch", async () => {
    const size = 64 * 1024 * 1024;
    const e = await failure(
      handler(300).handle(
        request("/no-read", {
          method: "PUT",
          headers: { "content-length": String(size) },
          body: new Uint8Array(size),
        }),
      ),
    );
    expect(e.name).toBe("TimeoutError");
  });

  test("the caller's signal: AbortError before the request and while the body is read", async () => {
    const early = new AbortController();
    early.abort();
    const e1 = await failure(handler().handle(request("/ok"), { abortSignal: early.signal }));
    expect(e1.name).toBe("AbortError");

    const late = new AbortController();
    const { response } = await handler().handle(request("/half"), { abortSignal: late.signal });
    const reading = bodyOf(response);
    late.abort();
    const e2 = await failure(reading);
    expect(e2.name).toBe("AbortError");
    expect(toS3ToolError(e2).code).toBe("Cancelled");
  });

  /** A copier that reads the stream in JavaScript (what it copies is what a native copy would). */
  const copier = (progress: () => number, into: Uint8Array[] = []): BodyCopier => ({
    progress,
    async copy(body) {
      const bytes = new Uint8Array(await new Response(body).arrayBuffer());
      into.push(bytes);
      return bytes.byteLength;
    },
  });

  test("an unread body handed over whole: the copier gets every byte and says how many", async () => {
    const { response } = await handler().handle(request("/ok"));
    const handOver = handOverOf(response.body);
    expect(handOver).toBeDefined();
    const got: Uint8Array[] = [];
    expect(await handOver?.(copier(() => 0, got))).toBe(5);
    expect(new TextDecoder().decode(got[0])).toBe("hello");
  });

  test("a handed-over body whose copy makes no progress: TimeoutError after S3_TIMEOUT", async () => {
    const { response } = await handler(300).handle(request("/half"));
    const e = await failure(handOverOf(response.body)?.(copier(() => 42)) ?? Promise.resolve());
    expect(e.name).toBe("TimeoutError");
    expect(toS3ToolError(e).code).toBe("Timeout");
  });

  test("the watch follows the copier's progress, not its own reads: a copy that moves is not cut off", async () => {
    // 900 ms of silence from the server under a 300 ms S3_TIMEOUT, while the copier says it is moving.
    let moved = 0;
    const { response } = await handler(300).handle(request("/late"));
    const got: Uint8Array[] = [];
    expect(await handOverOf(response.body)?.(copier(() => moved++, got))).toBe(20);
    expect(new TextDecoder().decode(got[0])).toBe(`${"x".repeat(10)}${"y".repeat(10)}`);
    // The same silence with a copier that stands still is a timeout.
    const again = await handler(300).handle(request("/late"));
    const e = await failure(handOverOf(again.response.body)?.(copier(() => 0)) ?? Promise.resolve());
    expect(e.name).toBe("TimeoutError");
  });

  test("a body read already is not handed over; the caller's signal aborts a copy", async () => {
    const { response } = await handler().handle(request("/ok"));
    expect(new TextDecoder().decode(await bodyOf(response))).toBe("hello");
    expect(
      (await failure(handOverOf(response.body)?.(copier(() => 0)) ?? Promise.resolve())).message,
    ).toMatch(/read already/);

    const late = new AbortController();
    const held = await handler().handle(request("/half"), { abortSignal: late.signal });
    const copying = handOverOf(held.response.body)?.(copier(() => 0)) ?? Promise.resolve();
    late.abort();
    const e = await failure(copying);
    expect(e.name).toBe("AbortError");
    expect(toS3ToolError(e).code).toBe("Cancelled");
  });

  test("nobody listening: the runtime's ECONNREFUSED, mapped to ServiceUnavailable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failure(handler().handle({ ...request("/ok"), port: deadPort }));
    expect(e.code).toBe("ECONNREFUSED");
    expect(toS3ToolError(e).code).toBe("ServiceUnavailable");
  });
});
