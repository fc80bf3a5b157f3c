// The SDK's requests sent with the runtime's native fetch (Bun: its HTTP client parses responses in
// native code; node:http's parser was most of the CPU of a large download, bench/NOTES.md). The same
// S3_TIMEOUT story as the node:http handler (node-handler.ts), the same errors (the runtime's fetch
// reports Node's error codes: ECONNREFUSED, ECONNRESET, ENOTFOUND, ...), the SDK's own signing and
// retries on top. The runtime-specific fetch options come from src/runtime/.
import type {
  HeaderBag,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  QueryParameterBag,
} from "@smithy/types";
import type { PlainFetch } from "../runtime/index.ts";
import { offerHandOver } from "./body.ts";
import { isSmallBody, sliceable, timeoutError, watchInterval, watchUpload } from "./upload-watch.ts";

type Answer = { response: HttpResponse };

/** The handler used for a request fetch cannot send as it is (see `literalPathNeeded`). */
export interface FallbackHandler {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<Answer>;
  destroy?(): void;
}

/**
 * S3_TIMEOUT bounds the wait for the response head of a request without a large body (connecting
 * included, and a head trickled a byte at a time), any silence in a response body, and a large
 * upload by its own progress (upload-watch.ts). A timeout fails the request with a TimeoutError,
 * which the SDK retries like any other.
 */
export class FetchHandler {
  readonly metadata = { handlerProtocol: "http/1.1" };

  constructor(
    private readonly timeoutMs: number,
    private readonly fetchFn: PlainFetch,
    private readonly fallback: FallbackHandler,
  ) {}

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<Answer> {
    if (literalPathNeeded(request.path)) return this.fallback.handle(request, options);
    const outer = options.abortSignal as AbortSignal | undefined;
    const body: unknown = request.body;
    const source = isSmallBody(body) ? undefined : sliceable(body);
    if (source === undefined) return this.#send(request, body ?? undefined, outer, true);
    return watchUpload(source, this.timeoutMs, outer, (slices, signal) => {
      const it = slices[Symbol.asyncIterator]();
      const stream = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const next = await it.next();
            if (next.done === true) controller.close();
            else controller.enqueue(next.value);
          },
          async cancel() {
            await it.return?.();
          },
        },
        { highWaterMark: 0 },
      );
      return {
        answered: this.#send(request, stream, signal, false),
        // A request that ended early leaves its source unread: close it (a file's descriptor).
        close: () => void it.return?.()?.catch(() => {}),
      };
    });
  }

  destroy(): void {
    this.fallback.destroy?.();
  }

  async #send(request: HttpRequest, body: unknown, outer: AbortSignal | undefined, timeHead: boolean) {
    if (outer?.aborted) throw abortError(outer);
    const stop = new AbortController();
    const onOuter = () => stop.abort(abortError(outer));
    outer?.addEventListener("abort", onOuter, { once: true });
    const release = () => outer?.removeEventListener("abort", onOuter);
    const headTimer = timeHead
      ? setTimeout(() => stop.abort(timeoutError(`no response within ${this.timeoutMs} ms`)), this.timeoutMs)
      : undefined;
    let res: Response;
    try {
      res = await this.fetchFn(urlOf(request), {
        method: request.method,
        headers: headersFor(request.headers),
        body: (body ?? null) as NonNullable<RequestInit["body"]> | null,
        signal: stop.signal,
        // Redirects go back to the SDK as they are (its region redirects), as with node:http.
        redirect: "manual",
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      });
    } catch (e) {
      release();
      throw stop.signal.aborted ? stop.signal.reason : withAddress(e, request);
    } finally {
      clearTimeout(headTimer);
    }
    const response: HttpResponse = {
      statusCode: res.status,
      reason: res.statusText,
      headers: headersOf(res.headers),
      body: watchedBody(res.body, this.timeoutMs, stop, release),
    };
    return { response };
  }
}

/**
 * The body as the SDK and the operations read it, failed with a TimeoutError after `timeoutMs`
 * without progress, as node:http's socket timer would: no new bytes while a read waits for the
 * server, or no read at all (a body left unread lets go of its connection). An unread body can also
 * be handed over whole to a native copy (s3/body.ts); the watch then follows the copier's progress.
 */
function watchedBody(
  native: ReadableStream<Uint8Array> | null,
  timeoutMs: number,
  stop: AbortController,
  done: () => void,
): ReadableStream<Uint8Array> {
  if (native === null) {
    done();
    return new ReadableStream({ start: (c) => c.close() });
  }
  // Taken at the first read: until then the body can still be handed over whole.
  const takeReader = () => native.getReader();
  let reader: ReturnType<typeof takeReader> | undefined;
  let lastProgress = Date.now();
  let copied: { progress: () => number; seen: number } | undefined;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    done();
  };
  const timer = setInterval(() => {
    if (copied !== undefined) {
      const now = copied.progress();
      if (now !== copied.seen) {
        copied.seen = now;
        lastProgress = Date.now();
      }
    }
    if (Date.now() - lastProgress <= timeoutMs) return;
    finish();
    stop.abort(timeoutError(`the response made no progress for ${timeoutMs} ms`));
  }, watchInterval(timeoutMs));
  // The watch alone must not keep the process alive.
  (timer as { unref?: () => void }).unref?.();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        lastProgress = Date.now();
        reader ??= takeReader();
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (e) {
          finish();
          throw stop.signal.aborted ? stop.signal.reason : e;
        }
        lastProgress = Date.now();
        if (next.done) {
          finish();
          controller.close();
        } else controller.enqueue(next.value);
      },
      cancel(reason) {
        finish();
        return reader === undefined ? native.cancel(reason) : reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return offerHandOver(body, async (copier) => {
    if (reader !== undefined || finished || body.locked) throw new Error("the body has been read already");
    copied = { progress: copier.progress, seen: copier.progress() };
    lastProgress = Date.now();
    try {
      return await copier.copy(native);
    } catch (e) {
      throw stop.signal.aborted ? stop.signal.reason : e;
    } finally {
      finish();
    }
  });
}

/**
 * node:http's connection errors carry the address and port they tried (the error message names
 * them: "nothing listens at 127.0.0.1:1"); fetch's do not, so the request's own are added.
 */
function withAddress(e: unknown, request: HttpRequest): unknown {
  if (typeof e !== "object" || e === null) return e;
  const err = e as { address?: unknown; port?: unknown; code?: unknown };
  if (err.code !== "ECONNREFUSED" || err.address !== undefined) return e;
  const port = request.port ?? (request.protocol === "https:" ? 443 : 80);
  // A bracketed IPv6 host name is given as the address it names.
  const address = request.hostname.replace(/^\[(.*)\]$/, "$1");
  try {
    Object.assign(err, { address, port });
  } catch {
    // A frozen error keeps what it has.
  }
  return e;
}

/**
 * fetch resolves "." and ".." path segments (also written %2E) as a browser would, so a key such as
 * `a/../b` would reach S3 as `b` (and fail its signature). Such requests go out verbatim through the
 * fallback handler instead.
 */
export function literalPathNeeded(path: string): boolean {
  return /(^|\/)(\.|%2e){1,2}(\/|$)/i.test(path);
}

function urlOf(request: HttpRequest): string {
  const query = queryString(request.query ?? {});
  const port = request.port === undefined ? "" : `:${request.port}`;
  return `${request.protocol}//${request.hostname}${port}${request.path}${query === "" ? "" : `?${query}`}`;
}

/** smithy's buildQueryString: the same bytes node:http would send. */
export function queryString(query: QueryParameterBag): string {
  const parts: string[] = [];
  for (const name of Object.keys(query).sort()) {
    const value = query[name];
    const key = escapeUri(name);
    if (Array.isArray(value)) for (const v of value) parts.push(`${key}=${escapeUri(v)}`);
    else parts.push(value === null || value === undefined ? key : `${key}=${escapeUri(value)}`);
  }
  return parts.join("&");
}

function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `Expect: 100-continue` is node:http's business; fetch sends the body at once. */
function headersFor(headers: HeaderBag): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== "expect") out[name] = value;
  }
  return out;
}

function headersOf(headers: Headers): HeaderBag {
  const out: HeaderBag = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** As smithy's handlers report a cancelled request: an AbortError carrying the caller's reason. */
function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  const err = new Error(reason instanceof Error || reason === undefined ? "Request aborted" : String(reason));
  err.name = "AbortError";
  if (reason instanceof Error) err.cause = reason;
  return err;
}
