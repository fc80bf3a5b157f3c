// The piecewise JSON writer (src/mcp/json-writer.ts) must produce exactly JSON.stringify's bytes for
// every message, whatever the buffer size, and never more than one buffer at a time.
import { describe, expect, test } from "bun:test";
import { hasLongString, JsonWriter, jsonPieces, SLICE_CHARS, Unescaped } from "../../src/mcp/json-writer.ts";

const long = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
const OVER = SLICE_CHARS + 7;

const VALUES: [string, unknown][] = [
  ["small object (one JSON.stringify)", { jsonrpc: "2.0", id: 1, result: { a: [1, "x", null, true] } }],
  ["long ASCII text", { text: long("plain text ", OVER * 2) }],
  ["every character JSON escapes", { text: long('"\\\b\f\n\r\t\u0000\u0001\u001f', OVER) }],
  ["U+2028/2029 and DEL (not escaped)", { text: long("\u2028\u2029\u007f", OVER) }],
  ["multi-byte UTF-8 and emoji across slice ends", { text: long("é✓日本😀", OVER * 3) }],
  ["a surrogate pair exactly at a slice end", { text: `${"a".repeat(SLICE_CHARS - 1)}😀${"b".repeat(10)}` }],
  ["lone surrogates (escaped as \\uXXXX)", { text: `${long("x\ud800y", OVER)}\udc00` }],
  ["a long string at the top level", long("top-level ", OVER)],
  ["long strings in arrays, next to undefined and functions", [long("a", OVER), undefined, () => 1, 2]],
  [
    "undefined, function and symbol members dropped; NaN and Infinity as null",
    {
      a: undefined,
      f: () => 1,
      s: Symbol("x"),
      n: Number.NaN,
      i: Number.POSITIVE_INFINITY,
      t: long("z", OVER),
    },
  ],
  ["toJSON honoured", { when: new Date(0), big: { toJSON: () => long("j", OVER) } }],
  ["keys that need escaping", { 'we"ird\nkey': long("v", OVER) }],
  [
    "an MCP result carrying the same text twice",
    {
      jsonrpc: "2.0",
      id: "req-1",
      result: {
        content: [{ type: "text", text: long("line ✓\n", OVER * 4) }],
        structuredContent: { content: long("line ✓\n", OVER * 4), is_base64: false, size: 1 },
      },
    },
  ],
  ["base64 content (nothing to escape)", { blob: Buffer.alloc(OVER, 0xa5).toString("base64") }],
  ["empty string and empty containers", { a: "", b: [], c: {}, d: long("q", OVER) }],
];

/** Everything the writer hands to the sink, and the largest piece. */
async function written(value: unknown, bufferBytes: number): Promise<{ text: string; largest: number }> {
  const chunks: Buffer[] = [];
  const writer = new JsonWriter(async (bytes) => {
    chunks.push(Buffer.from(bytes));
    return true;
  }, bufferBytes);
  expect(await writer.writeLine(value)).toBe(true);
  return {
    text: Buffer.concat(chunks).toString("utf8"),
    largest: Math.max(...chunks.map((c) => c.byteLength)),
  };
}

describe("JsonWriter.writeLine", () => {
  for (const [name, value] of VALUES) {
    test.each([64, 1000, 1024 * 1024])(
      `${name}: JSON.stringify + newline, with %p-byte buffers`,
      async (size) => {
        const out = await written(value, size);
        expect(out.text === `${JSON.stringify(value)}\n`).toBe(true);
        expect(out.largest).toBeLessThanOrEqual(size);
      },
    );
  }

  test("two messages in a row through one writer", async () => {
    const chunks: Buffer[] = [];
    const writer = new JsonWriter(async (bytes) => {
      chunks.push(Buffer.from(bytes));
      return true;
    }, 4096);
    const a = { text: long("first\n", OVER) };
    const b = { text: long("second ✓", OVER) };
    await writer.writeLine(a);
    await writer.writeLine(b);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
  });

  test("a sink that stops (stdout gone) ends the message early", async () => {
    let calls = 0;
    const writer = new JsonWriter(async () => {
      calls++;
      return false;
    }, 1024);
    expect(await writer.writeLine({ text: long("x", OVER * 4) })).toBe(false);
    expect(calls).toBeLessThanOrEqual(2);
  });

  test("a buffer is not reused before the sink has taken it", async () => {
    const pending: { bytes: Uint8Array; copy: Buffer; done: (ok: boolean) => void }[] = [];
    const writer = new JsonWriter(
      (bytes) =>
        new Promise<boolean>((resolve) => {
          pending.push({ bytes, copy: Buffer.from(bytes), done: resolve });
        }),
      1024,
    );
    const value = { text: long("abcdefgh", 20_000) };
    const finished = writer.writeLine(value);
    const taken: Buffer[] = [];
    while (true) {
      await new Promise((r) => setTimeout(r, 0));
      const next = pending.shift();
      if (next === undefined) break;
      // Still the bytes it was handed when the sink finishes with them.
      expect(Buffer.compare(Buffer.from(next.bytes), next.copy)).toBe(0);
      taken.push(next.copy);
      next.done(true);
    }
    expect(await finished).toBe(true);
    expect(Buffer.concat(taken).toString("utf8")).toBe(`${JSON.stringify(value)}\n`);
  });
});

describe("jsonPieces", () => {
  test("slices of long strings are handed over unescaped, never longer than a slice", () => {
    const pieces = [...jsonPieces({ t: long("ab", SLICE_CHARS * 3) })];
    const slices = pieces.filter((p) => p instanceof Unescaped) as Unescaped[];
    expect(slices.length).toBe(3);
    expect(slices.every((s) => s.text.length <= SLICE_CHARS)).toBe(true);
  });

  test.each([
    ["short strings only", { a: "x".repeat(SLICE_CHARS) }, false],
    ["one long string deep inside", { a: [{ b: { c: "x".repeat(SLICE_CHARS + 1) } }] }, true],
    ["long string at the top", "x".repeat(SLICE_CHARS + 1), true],
    ["numbers and null", [1, null, { a: 2 }], false],
  ])("hasLongString: %s", (_, value, expected) => {
    expect(hasLongString(value)).toBe(expected);
  });
});
