// A process-wide budget for the object bodies that MCP reads hold in memory. An MCP result carries a
// whole body (as text or base64), so every concurrent read costs a few times its size until its
// response has been written to stdout; without a bound, forty 10 MiB reads took 3.6 GB. A read first
// reserves its size here: while the budget is spent it waits in a bounded FIFO queue, and a read that
// finds the queue full, or waits past the deadline, is refused with ServiceUnavailable (SPEC §3
// "Bounded resources"). The reservation is held until the response has been handed to the transport.
import { S3ToolError } from "../errors.ts";
import { collector } from "../runtime/index.ts";

export interface ReadBudgetOptions {
  /** Body bytes that may be held at once. A read larger than this runs alone. */
  readonly capacityBytes: number;
  /** Reads that may wait for room at once; the next one is refused. */
  readonly maxWaiting: number;
  /** Longest wait for room before a read is refused. */
  readonly maxWaitMs: number;
  /**
   * Called once `reclaimEveryBytes` of bodies have become garbage (released, or discarded by
   * `discarded`) since the last call: a garbage collection, so that dead bodies are freed before the
   * next ones are admitted rather than whenever the collector gets round to it (the peak is what a
   * container's memory limit sees).
   */
  readonly reclaim?: (() => void) | undefined;
  readonly reclaimEveryBytes?: number | undefined;
}

/**
 * Defaults, measured with 10 MiB reads against RGW (docs/reliability.md, "Bounded memory"): the server
 * idles at about 60 MiB; a read in flight costs about 4.5× its size at its peak (the body, the network
 * chunks it was copied from until they are collected, and its text, which the runtime holds as UTF-16
 * unless it is Latin-1). 30 MiB of bodies at once (three maximum-size reads running, the rest waiting)
 * keeps 16 concurrent maximum-size reads near 200 MiB, inside a 256 MiB container. A full collection
 * after every 8 MiB of dead bodies frees them before more are admitted (without it, 16 reads peaked
 * 100–250 MiB higher); it costs 10–50 ms per maximum-size read.
 */
export const DEFAULT_READ_BUDGET: ReadBudgetOptions = {
  capacityBytes: 30 * 1024 * 1024,
  maxWaiting: 64,
  maxWaitMs: 120_000,
  reclaim: collector(),
  reclaimEveryBytes: 8 * 1024 * 1024,
};

/** A reservation; release it once the bytes it stands for are no longer held. Releasing twice is harmless. */
export interface Lease {
  readonly bytes: number;
  release(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: (lease: Lease) => void;
  readonly refuse: (error: unknown) => void;
}

export class ReadBudget {
  readonly #options: ReadBudgetOptions;
  #inUse = 0;
  #garbage = 0;
  readonly #queue: Waiter[] = [];

  constructor(options: ReadBudgetOptions = DEFAULT_READ_BUDGET) {
    this.#options = options;
  }

  /** Bytes reserved now. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Reads waiting for room now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Reserves `bytes`: at once when there is room and nobody is waiting (first come, first served, so a
   * large read is never overtaken for ever by small ones), else after waiting. Rejects with
   * ServiceUnavailable when the queue is full or the wait exceeds the deadline, and with the signal's
   * abort error when the call is cancelled while waiting.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<Lease> {
    const size = Math.max(0, Math.ceil(bytes));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#queue.length === 0 && this.#fits(size)) return Promise.resolve(this.#lease(size));
    if (this.#queue.length >= this.#options.maxWaiting) return Promise.reject(this.#busy("queue"));
    return new Promise<Lease>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        bytes: size,
        grant: (lease) => {
          done();
          resolve(lease);
        },
        refuse: (error) => {
          done();
          this.#remove(waiter);
          reject(error);
        },
      };
      const onAbort = () => waiter.refuse(abortError(signal as AbortSignal));
      const timer = setTimeout(() => waiter.refuse(this.#busy("deadline")), this.#options.maxWaitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #fits(size: number): boolean {
    // An oversized read (larger than the whole budget) runs alone rather than never.
    return this.#inUse === 0 || this.#inUse + size <= this.#options.capacityBytes;
  }

  #lease(size: number): Lease {
    this.#inUse += size;
    let held = true;
    return {
      bytes: size,
      release: () => {
        if (!held) return;
        held = false;
        this.#inUse -= size;
        this.discarded(size);
        this.#admit();
      },
    };
  }

  #admit(): void {
    for (let next = this.#queue[0]; next !== undefined && this.#fits(next.bytes); next = this.#queue[0]) {
      this.#queue.shift();
      next.grant(this.#lease(next.bytes));
    }
  }

  #remove(waiter: Waiter): void {
    const at = this.#queue.indexOf(waiter);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    // The head may have been the one blocking those behind it.
    if (at === 0) this.#admit();
  }

  /** Reports `bytes` of a body's copies as garbage now (say, the network chunks once copied out). */
  discarded(bytes: number): void {
    const { reclaim, reclaimEveryBytes } = this.#options;
    if (reclaim === undefined) return;
    this.#garbage += bytes;
    if (this.#garbage < (reclaimEveryBytes ?? 0)) return;
    this.#garbage = 0;
    reclaim();
  }

  #busy(why: "queue" | "deadline"): S3ToolError {
    const detail =
      why === "queue"
        ? `${this.#options.maxWaiting} reads are already waiting`
        : `no room came free within ${Math.round(this.#options.maxWaitMs / 1000)} s`;
    return new S3ToolError(
      "ServiceUnavailable",
      `too many large reads in flight: this server holds at most ${formatMiB(this.#options.capacityBytes)} of object content at once and ${detail}`,
      "retry once the reads in flight have finished, make fewer large reads at a time, or read smaller ranges with offset/length",
    );
  }
}

function abortError(signal: AbortSignal): unknown {
  if (signal.reason instanceof Error) return signal.reason;
  return new DOMException("The operation was aborted", "AbortError");
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

let shared: ReadBudget | undefined;

/** The budget every MCP server of this process shares (HTTP serves several sessions in one process). */
export function sharedReadBudget(): ReadBudget {
  shared ??= new ReadBudget(DEFAULT_READ_BUDGET);
  return shared;
}
