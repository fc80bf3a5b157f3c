// Parsers for the scalar value kinds a user can write (booleans, sizes, durations).
// Each returns a value or a description of what is accepted; none throws, none guesses.

export type Parsed<T> = { ok: true; value: T } | { ok: false; accepted: string };

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

export const BOOLEAN_ACCEPTED = "one of true/false/1/0/yes/no/on/off (any case)";

export function parseBoolean(input: unknown): Parsed<boolean> {
  if (typeof input === "boolean") return { ok: true, value: input };
  if (typeof input === "number" && (input === 0 || input === 1)) return { ok: true, value: input === 1 };
  if (typeof input === "string") {
    const word = input.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return { ok: true, value: true };
    if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  }
  return { ok: false, accepted: BOOLEAN_ACCEPTED };
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

export const SIZE_ACCEPTED =
  "a whole number of bytes, optionally with a unit B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB (powers of 1024), e.g. 10MB";

/** Sizes are whole, non-negative byte counts that fit in a safe integer. */
export function parseSize(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    return Number.isSafeInteger(input) && input >= 0
      ? { ok: true, value: input }
      : { ok: false, accepted: SIZE_ACCEPTED };
  }
  if (typeof input !== "string") return { ok: false, accepted: SIZE_ACCEPTED };
  const match = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(input);
  const digits = match?.[1];
  const unit = SIZE_UNITS[(match?.[2] ?? "").toLowerCase()];
  if (digits === undefined || unit === undefined) return { ok: false, accepted: SIZE_ACCEPTED };
  const bytes = BigInt(digits) * BigInt(unit);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER))
    return { ok: false, accepted: `${SIZE_ACCEPTED}; at most 8 PiB` };
  return { ok: true, value: Number(bytes) };
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export const DURATION_ACCEPTED =
  "a duration like 500ms, 30s, 2m, 1h, 7d (or combined, 1m30s); a plain number means seconds";

/** Durations in milliseconds. Must be positive: a zero timeout or expiry is never what anyone meant. */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    return Number.isFinite(input) && input > 0 && Number.isSafeInteger(input * 1000)
      ? { ok: true, value: Math.round(input * 1000) }
      : { ok: false, accepted: DURATION_ACCEPTED };
  }
  if (typeof input !== "string") return { ok: false, accepted: DURATION_ACCEPTED };
  const text = input.trim().toLowerCase();
  if (/^\d+$/.test(text)) return parseDuration(Number(text));
  const part = /(\d+)(ms|sec|min|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    part.lastIndex = pos;
    const m = part.exec(text);
    if (!m?.[1] || !m[2]) return { ok: false, accepted: DURATION_ACCEPTED };
    total += Number(m[1]) * (DURATION_UNITS[m[2]] ?? Number.NaN);
    pos = part.lastIndex;
  }
  if (text.length === 0 || !Number.isSafeInteger(total) || total <= 0) {
    return { ok: false, accepted: DURATION_ACCEPTED };
  }
  return { ok: true, value: total };
}

export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    i++;
  }
  return `${value}${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A comma-separated list (env) or a YAML list. An empty or blank entry is an error, never "everything":
 * `MCP_S3_ALLOWED_PREFIXES=" "` must not silently turn into "no allowed list". Env entries are trimmed
 * (nobody means a leading space there); YAML entries are kept byte-exact.
 */
export function parseList(input: unknown): Parsed<string[]> {
  const accepted =
    "a comma-separated list (env) or a YAML list of non-empty strings; an empty entry is not allowed";
  if (typeof input === "string") {
    if (input === "") return { ok: true, value: [] };
    const entries = input.split(",").map((e) => e.trim());
    if (entries.length > 1 && entries[entries.length - 1] === "") entries.pop();
    return entries.every((e) => e !== "") ? { ok: true, value: entries } : { ok: false, accepted };
  }
  if (Array.isArray(input) && input.every((e) => typeof e === "string" && e.trim() !== "")) {
    return { ok: true, value: input as string[] };
  }
  return { ok: false, accepted };
}
