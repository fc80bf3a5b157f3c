// Response bodies as the operations see them: node:http's Readable (Deno, Node) or fetch's
// ReadableStream (Bun, src/s3/fetch-handler.ts). Both are async iterables of bytes; leaving a
// `for await` early lets go of either. This is the one other thing the operations need.

/** Lets go of a response body that will not be read to its end (frees its connection). */
export function discardBody(body: unknown): void {
  const b = body as { destroy?: () => void; cancel?: () => Promise<void>; locked?: boolean } | undefined;
  if (typeof b?.destroy === "function") b.destroy();
  else if (typeof b?.cancel === "function" && b.locked !== true) b.cancel().catch(() => {});
}

/**
 * Where the whole of a body can go without passing through JavaScript: `copy` moves it (natively)
 * and resolves with the bytes it moved; `progress` is a counter that grows while it does, which the
 * S3_TIMEOUT watch reads instead of the chunks it no longer sees.
 */
export interface BodyCopier {
  copy(body: ReadableStream<Uint8Array>): Promise<number>;
  progress(): number;
}

/** Hands an unread body to a copier; resolves with the bytes copied, rejects as a read would. */
export type HandOver = (copier: BodyCopier) => Promise<number>;

const HAND_OVER = Symbol("mcp-s3.handOver");

/** Marks a body the request handler can hand over whole (src/s3/fetch-handler.ts). */
export function offerHandOver<T extends object>(body: T, handOver: HandOver): T {
  Object.defineProperty(body, HAND_OVER, { value: handOver });
  return body;
}

/** The hand-over a body offers, if it is unread and its handler offers one (node:http's never do). */
export function handOverOf(body: unknown): HandOver | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  return (body as { [HAND_OVER]?: HandOver })[HAND_OVER];
}
