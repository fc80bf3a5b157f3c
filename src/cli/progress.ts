// A one-line progress bar on stderr for large transfers. Shown only when stderr is a terminal and
// neither --quiet nor --json is set; colour only without NO_COLOR.
import { escapeControls } from "./escape.ts";
import { type Io, paint } from "./io.ts";
import { humanSize } from "./output.ts";

export interface Progress {
  /** Total bytes done so far. */
  update(done: number): void;
  /** Clears the line. */
  finish(): void;
}

/** Transfers smaller than this finish too fast for a bar to help. */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
const REDRAW_MS = 100;

export const NO_PROGRESS: Progress = Object.freeze({ update() {}, finish() {} });

export interface ProgressOptions {
  readonly label: string;
  /** Total bytes, when known (a file, a HEAD); unknown for stdin. */
  readonly total: number | undefined;
  readonly enabled: boolean;
  readonly now?: () => number;
}

export function createProgress(io: Io, options: ProgressOptions): Progress {
  if (!options.enabled) return NO_PROGRESS;
  if (options.total !== undefined && options.total < PROGRESS_MIN_BYTES) return NO_PROGRESS;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let last = 0;
  let shown = false;
  let finished = false;
  const width = () => Math.max(40, Math.min(process.stderr.columns ?? 80, 120));

  return {
    update(done) {
      const t = now();
      if (finished || (t - last < REDRAW_MS && done !== options.total)) return;
      // A body of unknown size (stdin) gets a bar only once it has turned out to be large.
      if (options.total === undefined && done < PROGRESS_MIN_BYTES) return;
      last = t;
      shown = true;
      io.status(renderProgress(options.label, done, options.total, t - started, width(), io.stderrColor));
    },
    finish() {
      if (finished) return;
      finished = true;
      if (shown) io.status("");
    },
  };
}

export function renderProgress(
  label: string,
  done: number,
  total: number | undefined,
  elapsedMs: number,
  width: number,
  color: boolean,
): string {
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const amounts =
    total === undefined
      ? `${humanSize(done)}  ${humanSize(rate)}/s`
      : `${humanSize(done)} / ${humanSize(total)}  ${humanSize(rate)}/s`;
  const shown = escapeControls(label);
  const name = shown.length > 30 ? `…${shown.slice(-29)}` : shown;
  if (total === undefined || total === 0) return `${name}  ${amounts}`;
  const fraction = Math.min(1, done / total);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const barWidth = Math.max(10, width - name.length - amounts.length - pct.length - 8);
  const filled = Math.round(barWidth * fraction);
  const bar = paint(color, "blue", "#".repeat(filled)) + "-".repeat(barWidth - filled);
  return `${name} ${pct} [${bar}] ${amounts}`;
}
