// What both request handlers (node-handler.ts, fetch-handler.ts) share about request bodies and
// S3_TIMEOUT: which bodies count as small, and how a large upload is watched by its own progress.
import { Readable } from "node:stream";

/** Request bodies up to this size go out at once; a larger upload is bounded by inactivity only. */
export const SMALL_BODY_BYTES = 64 * 1024;
/** A large body is handed to the socket in slices this big, so that its progress can be watched. */
export const UPLOAD_SLICE_BYTES = 64 * 1024;

/** A body sent at once, with the wait for the response head timed as a whole. */
export function isSmallBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    (typeof body === "string" && body.length <= SMALL_BODY_BYTES) ||
    (body instanceof Uint8Array && body.byteLength <= SMALL_BODY_BYTES)
  );
}

/** A large body that can go out in watched slices (bytes or a stream), else undefined. */
export function sliceable(body: unknown): Uint8Array | AsyncIterable<Uint8Array> | undefined {
  if (body instanceof Uint8Array || body instanceof Readable)
    return body as Uint8Array | AsyncIterable<Uint8Array>;
  return undefined;
}

/** A body that has stopped making progress fails its request with this (the SDK retries it). */
export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: "TimeoutError", code: "ETIMEDOUT" });
}

/** How often a watchdog checks for progress: often enough to fire close to S3_TIMEOUT. */
export function watchInterval(timeoutMs: number): number {
  return Math.max(50, Math.min(1000, timeoutMs / 4));
}

export interface WatchedSend<T> {
  /** The handler's answer (resolves with the response head). */
  readonly answered: Promise<T>;
  /** Lets go of the body (a request that ended early leaves its source unread). */
  close(): void;
}

/**
 * Sends `source` in slices through `send` and fails the request with a TimeoutError when no slice
 * has been taken for `timeoutMs` before the response head arrives: a server that stops reading an
 * upload, or never answers it, cannot hold the upload for ever (the socket's idle timer does not
 * fire while writes are blocked). `send` gets a signal that fires on a stall or on `outer`.
 */
export async function watchUpload<T>(
  source: Uint8Array | AsyncIterable<Uint8Array>,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  send: (slices: AsyncIterable<Uint8Array>, signal: AbortSignal) => WatchedSend<T>,
): Promise<T> {
  const stop = new AbortController();
  const onOuter = () => stop.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener("abort", onOuter, { once: true });
  let lastProgress = Date.now();
  let fail: (e: unknown) => void = () => {};
  const stalled = new Promise<never>((_, reject) => {
    fail = (e) => {
      reject(e);
      stop.abort(e);
    };
  });
  const slices = async function* () {
    try {
      for await (const chunk of source instanceof Uint8Array ? [source] : source) {
        const bytes = chunk as Uint8Array;
        for (let at = 0; at < bytes.byteLength; at += UPLOAD_SLICE_BYTES) {
          lastProgress = Date.now();
          yield bytes.subarray(at, at + UPLOAD_SLICE_BYTES);
        }
      }
    } catch (e) {
      // A body that fails (a refusal while streaming, a read error) fails the request with its
      // own error; sending alone would leave the request waiting for the rest of the body.
      fail(e);
      throw e;
    }
  };
  const timer = setInterval(() => {
    if (Date.now() - lastProgress <= timeoutMs) return;
    fail(timeoutError(`the upload made no progress for ${timeoutMs} ms`));
  }, watchInterval(timeoutMs));
  const sending = send(slices(), stop.signal);
  try {
    return await Promise.race([sending.answered, stalled]);
  } finally {
    clearInterval(timer);
    outer?.removeEventListener("abort", onOuter);
    sending.close();
    // Whichever lost the race must not surface later as an unhandled rejection.
    sending.answered.catch(() => {});
    stalled.catch(() => {});
  }
}
