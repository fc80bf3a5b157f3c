// Runs a bulk command's items with at most `concurrency` in flight, pulling the next item from the
// (streamed) source only when a slot is free: a listing is never read further ahead than the work,
// so memory stays bounded whatever the number of items. Once `signal` fires nothing new starts;
// the items in flight are awaited (they stop on the same signal and clean up after themselves).
export async function forEachConcurrently<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const iterator = items[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (failure === undefined && signal?.aborted !== true) {
      if (running.size >= concurrency) {
        await Promise.race(running);
        continue;
      }
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        break;
      }
      const task: Promise<void> = work(next.value)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => running.delete(task));
      running.add(task);
    }
  } catch (error) {
    // The source failed (a listing refused or unreachable): what is in flight still finishes.
    failure ??= { error };
  } finally {
    await Promise.allSettled(running);
    if (!finished) await iterator.return?.();
  }
  if (failure !== undefined) throw failure.error;
}
