// Keeps large transfers within a constant memory bound. Every network chunk and every upload part
// is a fresh buffer; the JavaScript engine counts that memory lazily, so without help the process
// grows by hundreds of megabytes of garbage on a big transfer even though little of it is live.
// Transfers call the governor as bytes move; when the resident set is above a ceiling it asks for
// a full collection (Bun; under Deno only with --v8-flags=--expose-gc, else it does nothing).
//
// A transfer's live memory can itself sit near the ceiling (part buffers, the runtime's socket
// buffers): collecting every step then frees almost nothing, and each collection hands pages back
// to the OS that the next chunks fault in again. So a transfer collects again only once the resident
// set has grown by `headroom` over what the last collection left (bench/NOTES.md §8: a 1 GiB put from
// a pipe went from 55 collections to 15, 3.2 -> 2.7 s CPU, peak RSS ~130 MB).

import { collector } from "../runtime/index.ts";

export interface GovernorOptions {
  /** Check after this much progress (bytes for a transfer, pages for a listing). */
  readonly step?: number;
  /** Collect when the resident set is above this. */
  readonly ceiling?: number;
  /** After a collection, collect again only above what it left plus this much (at most ceiling + this). */
  readonly headroom?: number;
}

const MiB = 1024 * 1024;

/** The governor of byte transfers (get, cat, put). */
export const TRANSFERS: GovernorOptions = { step: 8 * MiB, ceiling: 96 * MiB, headroom: 32 * MiB };
/**
 * An object streamed to stdout: back-pressure keeps what is in flight small, and the runtime's own
 * collector held a 1 GiB download to a pipe at 108-118 MB without any help. Collecting from 96 MiB
 * on only cost time (get 100 MiB to a pipe 224 -> 194 ms without, same loop, the same 93 MB peak):
 * this bound is the safety net, not the working point.
 */
export const TO_STDOUT: GovernorOptions = { step: 8 * MiB, ceiling: 128 * MiB, headroom: 32 * MiB };

/** What the governor measures and does; the runtime's by default (tests give their own). */
export interface GovernorProbe {
  rss(): number;
  collect: (() => void) | undefined;
}

const RUNTIME: GovernorProbe = { rss: () => process.memoryUsage.rss(), collect: collector() };

/** Returns a function to call with the running progress count (bytes moved, pages listed). */
export function memoryGovernor(
  options: GovernorOptions = {},
  probe: GovernorProbe = RUNTIME,
): (done: number) => void {
  const collect = probe.collect;
  if (collect === undefined) return () => {};
  const step = options.step ?? 8 * MiB;
  const ceiling = options.ceiling ?? 96 * MiB;
  const headroom = options.headroom ?? 0;
  let next = step;
  let limit = ceiling;
  return (done) => {
    if (done < next) return;
    next = done + step;
    if (probe.rss() <= limit) return;
    collect();
    // Never above ceiling + headroom: memory that stays high after a collection is collected at
    // every step again, the bound wins over the CPU.
    limit = Math.min(ceiling + headroom, Math.max(ceiling, probe.rss() + headroom));
  };
}
