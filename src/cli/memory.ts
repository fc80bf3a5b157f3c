// Keeps large transfers within a constant memory bound. Every network chunk and every upload part
// is a fresh buffer; the JavaScript engine counts that memory lazily, so without help the process
// grows by hundreds of megabytes of garbage on a big transfer even though little of it is live.
// Transfers call the governor as bytes move; when the resident set is above a ceiling it asks for
// a full collection (Bun; under Deno only with --v8-flags=--expose-gc, else it does nothing).

import { collector } from "../runtime/index.ts";

export interface GovernorOptions {
  /** Check after this much progress (bytes for a transfer, pages for a listing). */
  readonly step?: number;
  /** Collect when the resident set is above this. */
  readonly ceiling?: number;
}

const MiB = 1024 * 1024;

/** Returns a function to call with the running progress count (bytes moved, pages listed). */
export function memoryGovernor(options: GovernorOptions = {}): (done: number) => void {
  const collect = collector();
  if (collect === undefined) return () => {};
  const step = options.step ?? 8 * MiB;
  const ceiling = options.ceiling ?? 96 * MiB;
  let next = step;
  return (done) => {
    if (done < next) return;
    next = done + step;
    if (process.memoryUsage.rss() > ceiling) collect();
  };
}
