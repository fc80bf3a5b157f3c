// All output formatting: JSON lines, aligned columns, sizes and dates. Commands decide what to show;
// this module decides how it looks.
import type { Io } from "./io.ts";

export interface OutputOptions {
  readonly json: boolean;
  readonly quiet: boolean;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly io: Io;

  constructor(io: Io, options: OutputOptions) {
    this.io = io;
    this.json = options.json;
    this.quiet = options.quiet;
  }

  /** One JSON object on one line. */
  record(value: unknown): Promise<void> {
    return this.io.write(`${JSON.stringify(value)}\n`);
  }

  /** Lines of text, each followed by a newline. */
  lines(lines: readonly string[]): Promise<void> {
    return lines.length === 0 ? Promise.resolve() : this.io.write(`${lines.join("\n")}\n`);
  }

  /** A human status line ("uploaded ..."): stdout, never with --quiet or --json. */
  async status(text: string): Promise<void> {
    if (!this.quiet && !this.json) await this.io.write(`${text}\n`);
  }

  /** A result: one JSON object with --json, else the human lines. */
  async result(value: unknown, human: () => readonly string[]): Promise<void> {
    if (this.json) await this.record(value);
    else await this.lines(human());
  }
}

export type Align = "left" | "right";

/** Pads columns to their widest cell; the last left-aligned column is not padded. */
export function columns(rows: readonly (readonly string[])[], align: readonly Align[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - displayWidth(cell));
        if (align[i] === "right") return pad + cell;
        return i === row.length - 1 ? cell : cell + pad;
      })
      .join("  "),
  );
}

/** Width without ANSI colour codes. */
function displayWidth(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/** `2024-01-15 10:30:00` in UTC, as aws s3 ls shows times (ours are always UTC); "-" when unknown. */
export function shortDate(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ");
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 → "1.5 KiB"; exact bytes below 1 KiB. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < UNITS.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[i]}`;
}

export function s3Url(bucket: string, key = ""): string {
  return `s3://${bucket}/${key}`;
}
