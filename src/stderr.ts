// Synchronous lines on stderr (error lines, the diagnostic log), whole and in order.
//
// Under Bun, anything that touches `process.stderr` (or `process.stdout`) makes the descriptor
// non-blocking, and then a write to a pipe that is full fails with EAGAIN: a reader that is a
// moment behind (an MCP client reading the server's log, `2>&1 | slow-consumer`) used to lose the
// line, or the rest of it after a partial write. Here a full pipe is waited for, a millisecond at a
// time, as a blocking write would; a reader that takes nothing for STALL_MS loses the rest of that
// line rather than holding the process for ever.
import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";

const STALL_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes `text` to fd 2; never throws (a closed stderr has nowhere left to report to). */
export function writeToStderr(text: string): void {
  writeAllSync(2, Buffer.from(text, "utf8"));
}

/** Writes all of `bytes` to `fd`, waiting out EAGAIN; false when the rest had to be given up. */
export function writeAllSync(fd: number, bytes: Uint8Array, stallMs = STALL_MS): boolean {
  let off = 0;
  let stalledSince: number | undefined;
  while (off < bytes.byteLength) {
    try {
      off += writeSync(fd, bytes, off, bytes.byteLength - off);
      stalledSince = undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") return false;
      stalledSince ??= Date.now();
      if (Date.now() - stalledSince > stallMs) return false;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  return true;
}
