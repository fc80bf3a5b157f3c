// Walks two trees side by side, both given in key order (UTF-8 bytes of the relative path), and
// pairs what has the same relative path: the heart of `sync`, which holds neither side in memory.
import { Buffer } from "node:buffer";

export interface HasRelative {
  readonly relative: string;
}

export interface Paired<S, D> {
  readonly relative: string;
  readonly src?: S | undefined;
  readonly dst?: D | undefined;
}

export async function* mergeByPath<S extends HasRelative, D extends HasRelative>(
  source: AsyncIterable<S>,
  destination: AsyncIterable<D>,
): AsyncGenerator<Paired<S, D>> {
  const srcIt = source[Symbol.asyncIterator]();
  const dstIt = destination[Symbol.asyncIterator]();
  try {
    let s = await srcIt.next();
    let d = await dstIt.next();
    while (!s.done || !d.done) {
      if (d.done) {
        yield { relative: s.value.relative, src: s.value };
        s = await srcIt.next();
        continue;
      }
      if (s.done) {
        yield { relative: d.value.relative, dst: d.value };
        d = await dstIt.next();
        continue;
      }
      const order = comparePaths(s.value.relative, d.value.relative);
      if (order === 0) {
        yield { relative: s.value.relative, src: s.value, dst: d.value };
        [s, d] = await Promise.all([srcIt.next(), dstIt.next()]);
      } else if (order < 0) {
        yield { relative: s.value.relative, src: s.value };
        s = await srcIt.next();
      } else {
        yield { relative: d.value.relative, dst: d.value };
        d = await dstIt.next();
      }
    }
  } finally {
    await Promise.all([srcIt.return?.(), dstIt.return?.()]);
  }
}

/** S3's order: the UTF-8 bytes, which is not JavaScript's UTF-16 order for every string. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
