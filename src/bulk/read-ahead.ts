// Reads a stream of items up to `max` ahead of its consumer, in the background: the listing (or the
// directory walk) runs while transfers do, and the items found ahead are counted, which gives a
// progress line its totals (exact for a tree of up to `max` items, a lower bound beyond). Memory is
// bounded by `max` items whatever the size of the tree.
export interface ReadAheadHooks<T> {
  /** Called for each item as it is read from the source. */
  readonly onItem?: ((item: T) => void) | undefined;
  /** Called once the source has ended (not when it failed or was abandoned). */
  readonly onEnd?: (() => void) | undefined;
}

export async function* readAhead<T>(
  source: AsyncIterable<T>,
  max: number,
  hooks: ReadAheadHooks<T> = {},
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let queue: T[] = [];
  let head = 0;
  let ended = false;
  let failed: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };

  const producer = (async () => {
    try {
      while (!stopped) {
        if (queue.length - head >= max) {
          await new Promise<void>((resolve) => {
            wakeProducer = resolve;
          });
          continue;
        }
        const next = await iterator.next();
        if (next.done) {
          hooks.onEnd?.();
          break;
        }
        queue.push(next.value);
        hooks.onItem?.(next.value);
        wake();
      }
    } catch (error) {
      failed = { error };
    } finally {
      ended = true;
      wake();
    }
  })();

  try {
    for (;;) {
      if (head < queue.length) {
        const item = queue[head] as T;
        queue[head] = undefined as T;
        head++;
        // Drop the consumed front now and then, so the array does not grow with the tree.
        if (head >= 1024 && head * 2 >= queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        wakeProducer?.();
        wakeProducer = undefined;
        yield item;
        continue;
      }
      if (failed !== undefined) throw failed.error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    await producer;
    await iterator.return?.();
  }
}
