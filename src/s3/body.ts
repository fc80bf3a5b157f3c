// Response bodies as the operations see them: node:http's Readable (Deno, Node) or fetch's
// ReadableStream (Bun, src/s3/fetch-handler.ts). Both are async iterables of bytes; leaving a
// `for await` early lets go of either. This is the one other thing the operations need.

/** Lets go of a response body that will not be read to its end (frees its connection). */
export function discardBody(body: unknown): void {
  const b = body as { destroy?: () => void; cancel?: () => Promise<void>; locked?: boolean } | undefined;
  if (typeof b?.destroy === "function") b.destroy();
  else if (typeof b?.cancel === "function" && b.locked !== true) b.cancel().catch(() => {});
}
