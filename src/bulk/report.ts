// Per-item results of a bulk command (SPEC §6.1 "Results" and "--dry-run"): one JSON record per item
// with --json, else one human line per item on stdout (none with --quiet) and a summary on stderr;
// the exit code is 3 if any item was refused, else 1 if any failed, else 0.
import type { Cli } from "../cli/context.ts";
import { EXIT, exitCodeFor, reportError } from "../cli/exit.ts";
import { PolicyRefusal } from "../errors.ts";
import { toS3ToolError } from "../s3/errors.ts";
import { displayText } from "./display.ts";

export type ItemStatus = "done" | "skipped" | "refused" | "failed";

export interface ItemRecord {
  /** What was done to the item: "delete", "copy", "upload", "download", "create-bucket", ... */
  op: string;
  source: string;
  dest: string | null;
  size: number | null;
  status: ItemStatus;
  /** The error code of a refused or failed item. */
  error?: string;
  /** Words for the human line (the error's message, or why an item was skipped). Not in JSON. */
  message?: string;
}

export interface DryRunRecord {
  op: string;
  source: string;
  dest: string | null;
  size: number | null;
  decision: "allow" | "deny";
  /** The refusal's code when denied. */
  error?: string;
  /** The refusal's message, for the human line. Not in JSON. */
  message?: string;
}

/** The word a done item is reported with, by op. */
const DONE_WORDS: Readonly<Record<string, string>> = {
  delete: "deleted",
  copy: "copied",
  upload: "uploaded",
  download: "downloaded",
  move: "moved",
  "create-bucket": "created",
  "delete-bucket": "removed",
};

export class BulkReport {
  private readonly cli: Cli;
  private readonly verb: string | undefined;
  private readonly counts = { done: 0, skipped: 0, refused: 0, failed: 0 };
  private dryRuns = 0;
  /** Failures around the items (a location that names nothing, a refused listing), by kind. */
  private readonly around = { refused: 0, failed: 0, notFound: 0 };

  /** `verb` overrides the word a done item is reported with ("deleted" for op "delete"). */
  constructor(cli: Cli, verb?: string) {
    this.cli = cli;
    this.verb = verb;
  }

  get total(): number {
    return this.counts.done + this.counts.skipped + this.counts.refused + this.counts.failed;
  }

  /** `options.line: false` counts the item and prints its JSON record, but no human line (an unchanged item of a sync). */
  async item(r: ItemRecord, options: { line?: boolean } = {}): Promise<void> {
    this.counts[r.status]++;
    const out = this.cli.out;
    if (out.json) {
      await out.record({
        op: r.op,
        source: r.source,
        dest: r.dest,
        size: r.size,
        status: r.status,
        ...(r.error === undefined ? {} : { error: r.error }),
      });
    } else if (!out.quiet && options.line !== false) {
      await out.lines([itemLine(r, this.verb)]);
    }
  }

  /** An item that could not be done: "refused" for a policy refusal, else "failed", with the error's code. */
  failure(r: Omit<ItemRecord, "status" | "error" | "message">, e: unknown): Promise<void> {
    const error = toS3ToolError(e);
    return this.item({
      ...r,
      status: error instanceof PolicyRefusal ? "refused" : "failed",
      error: error.code,
      message: error.message,
    });
  }

  /**
   * A failure of the command around its items: a listing refused or failed, a location that names
   * nothing. Printed the one way errors are printed (stderr, exit.ts) and counted in the exit code:
   * a policy refusal as refused, "not found" as 4 (when nothing was refused or failed), else failed.
   */
  locationError(e: unknown): void {
    const error = toS3ToolError(e);
    reportError(this.cli.io, error, { json: this.cli.out.json });
    if (error instanceof PolicyRefusal) this.around.refused++;
    else if (exitCodeFor(error.code) === EXIT.notFound) this.around.notFound++;
    else this.around.failed++;
  }

  /** A dry-run item: counted as refused when denied, so the exit code predicts the real run's. */
  async dryRun(r: DryRunRecord): Promise<void> {
    this.dryRuns++;
    this.counts[r.decision === "allow" ? "done" : "refused"]++;
    const out = this.cli.out;
    if (out.json) {
      await out.record({
        op: r.op,
        source: r.source,
        dest: r.dest,
        size: r.size,
        decision: r.decision,
        ...(r.error === undefined ? {} : { error: r.error }),
      });
    } else if (!out.quiet) {
      await out.lines([dryRunLine(r)]);
    }
  }

  /** Prints the summary (stderr, human runs) and returns the exit code. */
  finish(opts: { nothingMatchedIs4?: boolean } = {}): number {
    const nothing = this.total === 0;
    const around = this.around;
    const refused = this.counts.refused + around.refused;
    const failed = this.counts.failed + around.failed;
    const out = this.cli.out;
    // With no item at all, the errors already printed say everything.
    const explained = nothing && around.refused + around.failed + around.notFound > 0;
    if (!out.json && !explained && (!out.quiet || refused + failed > 0)) {
      out.io.error(`${this.cli.spec.name}: ${this.summary(nothing)}`);
    }
    if (refused > 0) return EXIT.refused;
    if (failed > 0) return EXIT.error;
    if (around.notFound > 0 || (nothing && opts.nothingMatchedIs4 === true)) return EXIT.notFound;
    return EXIT.ok;
  }

  private summary(nothing: boolean): string {
    if (nothing) return "nothing matched";
    const c = this.counts;
    if (this.dryRuns > 0) {
      return `dry run: ${count(c.done)} allowed, ${count(c.refused)} denied; nothing was changed`;
    }
    const parts = [`${count(c.done)} done`];
    if (c.skipped > 0) parts.push(`${count(c.skipped)} skipped`);
    parts.push(`${count(c.refused)} refused`, `${count(c.failed)} failed`);
    return parts.join(", ");
  }
}

export function itemLine(r: ItemRecord, verb?: string): string {
  const where = `${displayText(r.source)}${r.dest === null ? "" : ` -> ${displayText(r.dest)}`}`;
  const why = (code: string | undefined) =>
    code === undefined && r.message === undefined
      ? ""
      : `: ${[code, r.message === undefined ? undefined : displayText(r.message)].filter((p) => p !== undefined).join(": ")}`;
  switch (r.status) {
    case "done":
      return `${verb ?? DONE_WORDS[r.op] ?? `${r.op} done:`} ${where}${r.size === null ? "" : ` (${r.size} bytes)`}`;
    case "skipped":
      return `skipped ${where}${why(undefined)}`;
    case "refused":
      return `refused ${where}${why(r.error)}`;
    case "failed":
      return `failed ${where}${why(r.error)}`;
  }
}

export function dryRunLine(r: DryRunRecord): string {
  const where = `${displayText(r.source)}${r.dest === null ? "" : ` -> ${displayText(r.dest)}`}`;
  const size = r.size === null ? "" : ` (${r.size} bytes)`;
  if (r.decision === "allow") return `(dry run) ${r.op} ${where}${size}: allow`;
  const why = [r.error, r.message === undefined ? undefined : displayText(r.message)].filter(
    (p) => p !== undefined,
  );
  return `(dry run) ${r.op} ${where}${size}: deny${why.length === 0 ? "" : `: ${why.join(": ")}`}`;
}

/** 1234567 → "1,234,567" (fixed, whatever the locale). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
