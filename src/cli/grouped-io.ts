// The streams of one command line inside `mcp-s3 run`: several lines run at once, yet each line's
// output comes out in one piece. A line writes into its own buffer until it ends, then takes the
// (shared, first-come) output lock and writes the buffer out. A line whose output outgrows the
// buffer takes the lock at that point and writes straight through while it holds it, so memory stays
// bounded (`cap` per line) even for `cat` of a large object; the others keep buffering meanwhile.
import type { Io } from "./io.ts";

/** A first-come, first-served lock. */
export class OutputLock {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with the release function once the lock is held. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

export interface GroupedIo extends Io {
  /** Writes out whatever is buffered (taking the lock if needed) and releases the lock. */
  finish(): Promise<void>;
}

export function groupedIo(base: Io, lock: OutputLock, cap: number): GroupedIo {
  const chunks: (string | Uint8Array)[] = [];
  const errors: string[] = [];
  let buffered = 0;
  let release: (() => void) | undefined;

  const take = async () => {
    if (release !== undefined) return;
    release = await lock.acquire();
    for (const chunk of chunks.splice(0)) await base.write(chunk);
    for (const line of errors.splice(0)) base.error(line);
    buffered = 0;
  };

  return {
    env: base.env,
    stdoutIsTTY: base.stdoutIsTTY,
    stderrIsTTY: base.stderrIsTTY,
    stdoutColor: base.stdoutColor,
    stderrColor: base.stderrColor,
    async write(data) {
      if (release === undefined && buffered + data.length <= cap) {
        // A caller may reuse its buffer once the write resolves: keep a copy.
        chunks.push(typeof data === "string" ? data : data.slice());
        buffered += data.length;
        return;
      }
      await take();
      await base.write(data);
    },
    error(text) {
      if (release === undefined) errors.push(text);
      else base.error(text);
    },
    // Progress bars would interleave with other lines' output: none inside `run`.
    status() {},
    async flush() {
      if (release !== undefined) await base.flush();
    },
    stdoutClosed: () => base.stdoutClosed(),
    async finish() {
      try {
        await take();
        await base.flush();
      } finally {
        release?.();
        release = undefined;
      }
    },
  };
}
