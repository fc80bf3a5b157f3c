// The progress line of a bulk transfer on a terminal's stderr: objects and bytes done out of those
// found so far, rate and time left. The totals are marked "~" until the source has been read to
// its end (listings are streamed, so the total is not known up front). Never shown with --quiet,
// --json or when stderr is not a terminal; the per-item lines on stdout clear it first.
import type { Io } from "../cli/io.ts";
import { memoryGovernor, TRANSFERS } from "../cli/memory.ts";
import { humanSize } from "../cli/output.ts";
import { count } from "./report.ts";

export interface BulkProgress {
  /** An item that will move `bytes` bytes was found. */
  found(bytes: number): void;
  /** Every item has been found: the totals are final. */
  complete(): void;
  /** `bytes` more bytes moved. */
  moved(bytes: number): void;
  /** An item finished (whatever its status). */
  itemDone(): void;
  /** Clears the line (before an item line is printed). */
  clear(): void;
  finish(): void;
}

const REDRAW_MS = 200;
/** Nothing is drawn before this: a short run finishes without a flicker of progress. */
const QUIET_START_MS = 500;

export function createBulkProgress(
  io: Io,
  enabled: boolean,
  now: () => number = () => performance.now(),
): BulkProgress {
  // The transfers' governor: collecting every 8 MiB once RSS passed 96 MiB (the default) took 57 %
  // of the CPU of 100 × 10 MiB downloads, 16 at a time (bench/NOTES.md §8).
  const govern = memoryGovernor(TRANSFERS);
  let bytesMoved = 0;
  if (!enabled) {
    return {
      found() {},
      complete() {},
      moved(bytes) {
        bytesMoved += bytes;
        govern(bytesMoved);
      },
      itemDone() {},
      clear() {},
      finish() {},
    };
  }
  const started = now();
  const state: ProgressState = {
    objects: 0,
    objectsTotal: 0,
    bytes: 0,
    bytesTotal: 0,
    final: false,
    elapsedMs: 0,
  };
  let last = 0;
  let shown = false;
  let finished = false;
  const draw = (force = false) => {
    const t = now();
    if (finished || t - started < QUIET_START_MS || (!force && t - last < REDRAW_MS)) return;
    last = t;
    shown = true;
    state.elapsedMs = t - started;
    io.status(renderBulkProgress(state));
  };
  return {
    found(bytes) {
      state.objectsTotal++;
      state.bytesTotal += bytes;
    },
    complete() {
      state.final = true;
    },
    moved(bytes) {
      state.bytes += bytes;
      bytesMoved += bytes;
      govern(bytesMoved);
      draw();
    },
    itemDone() {
      state.objects++;
      draw();
    },
    clear() {
      if (shown && !finished) {
        io.status("");
        shown = false;
        last = 0;
      }
    },
    finish() {
      if (finished) return;
      if (shown) io.status("");
      finished = true;
    },
  };
}

export interface ProgressState {
  objects: number;
  objectsTotal: number;
  bytes: number;
  bytesTotal: number;
  /** Totals are final (the source has been read to its end). */
  final: boolean;
  elapsedMs: number;
}

/** `12/~340 objects  1.2 MiB/~45 MiB  3.1 MiB/s  ETA ~0:14` */
export function renderBulkProgress(s: ProgressState): string {
  const about = s.final ? "" : "~";
  const rate = s.elapsedMs > 0 ? Math.round((s.bytes / s.elapsedMs) * 1000) : 0;
  const parts = [
    `${count(s.objects)}/${about}${count(s.objectsTotal)} objects`,
    `${humanSize(s.bytes)}/${about}${humanSize(s.bytesTotal)}`,
    `${humanSize(rate)}/s`,
  ];
  const eta = etaSeconds(s);
  if (eta !== undefined) parts.push(`ETA ${about}${clock(eta)}`);
  return parts.join("  ");
}

/** Seconds left at the rate so far: by bytes when bytes move, else by objects. */
export function etaSeconds(s: ProgressState): number | undefined {
  if (s.elapsedMs <= 0) return undefined;
  if (s.bytesTotal > 0 && s.bytes > 0) {
    return Math.max(0, ((s.bytesTotal - s.bytes) / s.bytes) * (s.elapsedMs / 1000));
  }
  if (s.objects > 0) return Math.max(0, ((s.objectsTotal - s.objects) / s.objects) * (s.elapsedMs / 1000));
  return undefined;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function clock(seconds: number): string {
  const total = Math.ceil(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
