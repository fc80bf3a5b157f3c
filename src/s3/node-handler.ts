// The SDK's node:http request handler with S3_TIMEOUT applied as a whole (Deno and Node; under Bun
// the fetch handler is used, fetch-handler.ts). Same story as there: see upload-watch.ts.
import { Readable } from "node:stream";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { HttpHandlerOptions } from "@smithy/types";
import { isSmallBody, sliceable, UPLOAD_SLICE_BYTES, watchUpload } from "./upload-watch.ts";

/** Connections per client (the SDK's default is 50). */
const SOCKETS = 256;

type HttpRequest = Parameters<NodeHttpHandler["handle"]>[0];

/**
 * S3_TIMEOUT bounds connecting, any silence on the socket (a transfer that keeps moving is never cut
 * off, a stalled one is), and, for requests without a large body, the wait for the response head, so
 * a server that trickles its answer a byte at a time is cut off too. (smithy's `requestTimeout` alone
 * only logs a warning: a server that never answered used to hang the call for ever.)
 *
 * A large upload is watched by its own progress (upload-watch.ts): the socket's idle timer does not
 * fire while writes are blocked (a server that stops reading a part held the upload for ever under
 * Bun's node:http).
 */
export class NodeTimeoutHandler extends NodeHttpHandler {
  constructor(private readonly timeoutMs: number) {
    super({
      connectionTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
      // Connections are kept alive and reused (the SDK's default agent); up to SOCKETS at once, so that
      // a bulk command's --concurrency (at most 256) never queues requests inside the agent, where
      // the wait for a free socket would count against the request's timeouts.
      httpAgent: { keepAlive: true, maxSockets: SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: SOCKETS },
    });
  }

  override handle(request: HttpRequest, options: HttpHandlerOptions = {}) {
    const body: unknown = request.body;
    if (isSmallBody(body)) return super.handle(request, { ...options, requestTimeout: this.timeoutMs });
    const source = sliceable(body);
    if (source === undefined) return super.handle(request, { ...options, requestTimeout: 0 });
    return watchUpload(
      source,
      this.timeoutMs,
      options.abortSignal as AbortSignal | undefined,
      (slices, signal) => {
        const sliced = Readable.from(slices, { objectMode: false, highWaterMark: UPLOAD_SLICE_BYTES });
        // The request is copied, not changed: a retry of a byte body starts again from its first byte.
        const sent: HttpRequest = Object.assign(Object.create(Object.getPrototypeOf(request)), request, {
          body: sliced,
        });
        return {
          answered: super.handle(sent, { ...options, abortSignal: signal, requestTimeout: 0 }),
          // A request that ended early leaves its source unread: close it (a file's descriptor).
          close: () => sliced.destroy(),
        };
      },
    );
  }
}
