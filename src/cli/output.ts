// All output formatting: JSON lines, aligned columns, sizes and dates, and what each command's
// human lines and JSON records look like. Commands fetch results; this module decides how they read.
import type { ConnectionSummary } from "../config/redact.ts";
import type { DownloadResult } from "../ops/download.ts";
import type { ObjectMetadata } from "../ops/head-object.ts";
import type { ListBucketsResult } from "../ops/list-buckets.ts";
import type { ObjectSummary } from "../ops/list-objects.ts";
import { escapeControls as esc, safeLine } from "./escape.ts";
import { type Io, paint } from "./io.ts";

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

  /**
   * Human lines, each followed by a newline. The formatters below escape what came from outside
   * (escape.ts); `safeLine` catches a line that slipped through, so no line can break another.
   */
  lines(lines: readonly string[]): Promise<void> {
    return lines.length === 0 ? Promise.resolve() : this.io.write(`${lines.map(safeLine).join("\n")}\n`);
  }

  /** A human status line ("uploaded ..."): stdout, never with --quiet or --json. */
  async status(text: string): Promise<void> {
    if (!this.quiet && !this.json) await this.io.write(`${safeLine(text)}\n`);
  }

  /** A list: one JSON object per line with --json, else the human lines. */
  async list(records: readonly unknown[], human: () => readonly string[]): Promise<void> {
    if (!this.json) await this.lines(human());
    else if (records.length > 0) await this.io.write(`${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
  }

  /** A write or transfer result: its JSON object with --json, else a status line (none with --quiet). */
  async done(value: unknown, line: string): Promise<void> {
    if (this.json) await this.record(value);
    else await this.status(line);
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

/** ANSI colour escapes (ESC [ ... m), built from the code point so no linter sees a raw control character. */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Width without ANSI colour codes. */
function displayWidth(text: string): number {
  return text.replace(ANSI_SGR, "").length;
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

// ---------------------------------------------------------------------------------------------
// What each command prints. JSON field names here are the documented, stable ones (docs/cli.md).
// Human lines escape every value that came from S3, the configuration or the command line (`esc`);
// JSON records carry values as they are.

export type Bucket = ListBucketsResult["buckets"][number];

export const bucketRecord = (b: Bucket) => ({ name: b.name, creation_date: b.creation_date });

export const bucketLine = (b: Bucket) => `${shortDate(b.creation_date)} ${esc(b.name)}`;

/** One entry of a listing: an object, or a folder (common prefix). */
export type ListEntry = { type: "object"; object: ObjectSummary } | { type: "prefix"; key: string };

export function listRecord(bucket: string, e: ListEntry): Record<string, unknown> {
  if (e.type === "prefix") return { type: "prefix", bucket, key: e.key };
  const o = e.object;
  return {
    type: "object",
    bucket,
    key: o.key,
    size: o.size,
    last_modified: o.last_modified,
    etag: o.etag,
    storage_class: o.storage_class,
  };
}

/** The columns of `aws s3 ls`: date and time (UTC), size in bytes, key; folders as PRE lines. */
export function listLine(e: ListEntry, color: boolean): string {
  if (e.type === "prefix") return `${" ".repeat(26)} PRE ${paint(color, "blue", esc(e.key))}`;
  const o = e.object;
  return `${shortDate(o.last_modified).padEnd(19)} ${String(o.size).padStart(10)} ${esc(o.key)}`;
}

export function statLines(meta: ObjectMetadata): string[] {
  return [
    esc(s3Url(meta.bucket, meta.key)),
    ...columns(
      [
        ["  size:", `${meta.size} (${humanSize(meta.size)})`],
        ["  content_type:", esc(meta.content_type ?? "-")],
        ["  last_modified:", esc(meta.last_modified ?? "-")],
        ["  etag:", esc(meta.etag ?? "-")],
        ...Object.entries(meta.metadata).map(([k, v]) => [`  metadata.${esc(k)}:`, esc(v)]),
      ],
      ["left", "left"],
    ),
  ];
}

export type ConnectionRow = ConnectionSummary & { default: boolean };

export function connectionsTable(rows: readonly ConnectionRow[]): string[] {
  const limit = (c: ConnectionRow, n: number) => (c.policy.size_limits ? humanSize(n) : "unlimited");
  return columns(
    [
      ["", "NAME", "REGION", "ENDPOINT", "CREDENTIALS", "ACCESS", "MAX GET", "MAX PUT", "PREFIX ACL"],
      ...rows.map((c) => [
        c.default ? "*" : " ",
        esc(c.name),
        esc(c.region),
        esc(c.endpoint ?? "(AWS)"),
        esc(c.credentials),
        c.policy.read_only ? "read-only" : "read-write",
        limit(c, c.policy.max_get_size),
        limit(c, c.policy.max_put_size),
        c.policy.prefix_acl ? "on" : "off",
      ]),
    ],
    ["left", "left", "left", "left", "left", "left", "right", "right", "left"],
  );
}

export const downloadRecord = (r: DownloadResult) => ({
  bucket: r.bucket,
  key: r.key,
  file: r.file,
  size: r.size,
  content_type: r.content_type,
  last_modified: r.last_modified,
  etag: r.etag,
});

/** `uploaded a -> b (N bytes)`, `copied a -> b`, `deleted a`: status lines, dropped by --quiet. */
export function doneLine(verb: string, from: string, to?: string, bytes?: number): string {
  return `${verb} ${esc(from)}${to === undefined ? "" : ` -> ${esc(to)}`}${bytes === undefined ? "" : ` (${bytes} bytes)`}`;
}

export interface VersionInfo {
  version: string;
  commit: string;
  target: string;
  runtime: string;
  runtime_version: string;
}

export const versionLine = (v: VersionInfo) =>
  `mcp-s3 ${v.version} (commit ${v.commit}, ${v.target}, ${v.runtime} ${v.runtime_version})`;

export interface ConfigCheck {
  valid: true;
  config_file: string | null;
  default_connection: string;
  connections: string[];
}

export const configCheckLines = (c: ConfigCheck) => [
  "configuration is valid",
  `  file:        ${c.config_file === null ? "(none: environment and defaults)" : esc(c.config_file)}`,
  `  default:     ${esc(c.default_connection)}`,
  `  connections: ${c.connections.map(esc).join(", ")}`,
];
