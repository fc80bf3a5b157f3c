// JSON text written in pieces, so that a message carrying an object body never exists as one more
// whole copy of it. JSON.stringify of a response with a 10 MiB text makes a string of 20+ MiB (the text
// sits in its text block and in structuredContent), and writing that string converts it to bytes once
// more. Here long strings are encoded to UTF-8 and escaped a slice at a time, straight into one reused
// output buffer that is handed to the sink whenever it fills: nothing the size of the body is made,
// and next to nothing is left for the garbage collector.
import { Buffer } from "node:buffer";

/** Strings longer than this (in UTF-16 code units) are written a slice at a time. */
export const SLICE_CHARS = 64 * 1024;

/** Whether `value` holds a string longer than `limit`, anywhere (what makes piecewise output worth it). */
export function hasLongString(value: unknown, limit = SLICE_CHARS): boolean {
  if (typeof value === "string") return value.length > limit;
  if (typeof value !== "object" || value === null) return false;
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.some((v) => hasLongString(v, limit));
}

/** A slice of a long string, to be written JSON-escaped (without quotes). */
export class Unescaped {
  constructor(readonly text: string) {}
}

/**
 * The JSON text of `value` as pieces: strings that are JSON text, and slices of long strings still to
 * be escaped. Written in order (escaping the slices), they are exactly JSON.stringify(value), for the
 * values messages are made of (objects, arrays, strings, numbers, booleans, null; `toJSON` honoured;
 * undefined, functions and symbols dropped from objects and written as null in arrays).
 */
export function* jsonPieces(value: unknown, slice = SLICE_CHARS): Generator<string | Unescaped> {
  if (typeof value === "string") {
    yield* stringPieces(value, slice);
    return;
  }
  if (typeof value !== "object" || value === null || !hasLongString(value, slice)) {
    yield JSON.stringify(value) ?? "null";
    return;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    yield* jsonPieces((value as { toJSON: () => unknown }).toJSON(), slice);
    return;
  }
  if (Array.isArray(value)) {
    yield "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ",";
      if (omitted(value[i])) yield "null";
      else yield* jsonPieces(value[i], slice);
    }
    yield "]";
    return;
  }
  yield "{";
  let first = true;
  for (const [key, v] of Object.entries(value)) {
    if (omitted(v)) continue;
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    yield* jsonPieces(v, slice);
  }
  yield "}";
}

function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/** A lone surrogate: JSON.stringify escapes it as \uXXXX, where UTF-8 encoding would replace it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function* stringPieces(s: string, slice: number): Generator<string | Unescaped> {
  if (s.length <= slice) {
    yield JSON.stringify(s);
    return;
  }
  yield '"';
  for (let at = 0; at < s.length; ) {
    let end = Math.min(s.length, at + slice);
    // Never split a surrogate pair.
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end = end - 1 > at ? end - 1 : end + 1;
    const part = s.slice(at, end);
    yield LONE_SURROGATE.test(part) ? JSON.stringify(part).slice(1, -1) : new Unescaped(part);
    at = end;
  }
  yield '"';
}

/** Per byte: 0 = copied as is; else the character after the backslash (`u` for \u00XX). */
const ESCAPE = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) ESCAPE[b] = 0x75; // u
for (const [b, c] of [
  [0x08, "b"],
  [0x09, "t"],
  [0x0a, "n"],
  [0x0c, "f"],
  [0x0d, "r"],
  [0x22, '"'],
  [0x5c, "\\"],
] as const) {
  ESCAPE[b] = c.charCodeAt(0);
}
const HEX = Buffer.from("0123456789abcdef");

/** Hands a full buffer on; resolves once it has been taken (the buffer is reused). False: stop writing. */
export type ByteSink = (bytes: Uint8Array) => Promise<boolean>;

/**
 * Writes JSON values piecewise into `sink` through two reused output buffers (512 KiB each by
 * default): one is filled while the sink takes the other, so encoding and writing overlap.
 */
export class JsonWriter {
  #out: Buffer;
  #spare: Buffer;
  /** The sink taking the spare buffer, if it has not finished. */
  #taking: Promise<boolean> | undefined;
  /** UTF-8 of one slice before escaping (at most 3 bytes a UTF-16 code unit). */
  readonly #scratch = Buffer.allocUnsafe(SLICE_CHARS * 3);
  /** JSON text is copied in slices of at most this many UTF-16 code units (3 bytes each, at most). */
  readonly #textChars: number;
  #used = 0;

  constructor(
    private readonly sink: ByteSink,
    outBytes = 512 * 1024,
  ) {
    this.#out = Buffer.allocUnsafe(Math.max(outBytes, 64));
    this.#spare = Buffer.allocUnsafe(this.#out.byteLength);
    this.#textChars = Math.min(SLICE_CHARS, Math.floor(this.#out.byteLength / 3));
  }

  /** Writes `value` as JSON followed by a newline. Resolves false when the sink stopped early. */
  async writeLine(value: unknown): Promise<boolean> {
    this.#used = 0;
    for (const piece of jsonPieces(value)) {
      const ok = piece instanceof Unescaped ? await this.#escaped(piece.text) : await this.#text(piece);
      if (!ok) return false;
    }
    if (!(await this.#room(1))) return false;
    this.#out[this.#used++] = 0x0a;
    if (!(await this.#flush())) return false;
    return this.#settle();
  }

  /** JSON text, copied as UTF-8 in slices that fit the buffer. */
  async #text(text: string): Promise<boolean> {
    for (let at = 0; at < text.length; ) {
      let end = Math.min(text.length, at + this.#textChars);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      const part = at === 0 && end === text.length ? text : text.slice(at, end);
      if (!(await this.#room(part.length * 3))) return false;
      this.#used += this.#out.write(part, this.#used, "utf8");
      at = end;
    }
    return true;
  }

  /** A slice of a string (at most SLICE_CHARS, no lone surrogate): encoded, then escaped byte by byte. */
  async #escaped(text: string): Promise<boolean> {
    const n = this.#scratch.write(text, 0, "utf8");
    for (let i = this.#escapeSome(0, n); i < n; i = this.#escapeSome(i, n)) {
      if (!(await this.#flush())) return false;
    }
    return true;
  }

  /**
   * Escapes scratch bytes from `from` (up to `n`) into the output buffer until it is nearly full;
   * returns where it stopped. Synchronous, so the loop is compiled as a plain loop (a loop inside an
   * async function runs several times slower under JavaScriptCore).
   */
  #escapeSome(from: number, n: number): number {
    const scratch = this.#scratch;
    const out = this.#out;
    // An escape takes at most 6 bytes.
    const stop = out.byteLength - 6;
    let used = this.#used;
    let i = from;
    for (; i < n && used <= stop; i++) {
      const b = scratch[i] as number;
      const e = ESCAPE[b] as number;
      if (e === 0) {
        out[used++] = b;
      } else if (e !== 0x75) {
        out[used++] = 0x5c;
        out[used++] = e;
      } else {
        out[used++] = 0x5c;
        out[used++] = 0x75;
        out[used++] = 0x30;
        out[used++] = 0x30;
        out[used++] = HEX[b >> 4] as number;
        out[used++] = HEX[b & 15] as number;
      }
    }
    this.#used = used;
    return i;
  }

  /** Makes room for `bytes` more, flushing what the buffer holds when it would not fit. */
  async #room(bytes: number): Promise<boolean> {
    if (this.#used + bytes <= this.#out.byteLength) return true;
    return this.#flush();
  }

  /**
   * Hands the filled part of the buffer to the sink and goes on in the spare one: the one handed over
   * before, so first waits until the sink has taken that.
   */
  async #flush(): Promise<boolean> {
    if (this.#used === 0) return true;
    const full = this.#out.subarray(0, this.#used);
    if (!(await this.#settle())) return false;
    this.#taking = this.sink(full);
    [this.#out, this.#spare] = [this.#spare, this.#out];
    this.#used = 0;
    return true;
  }

  /** Waits for the sink to finish with what it was handed. */
  async #settle(): Promise<boolean> {
    const taking = this.#taking;
    this.#taking = undefined;
    return taking === undefined ? true : taking;
  }
}
