// The escaping of human output (src/cli/escape.ts): one row per class of character, adversarial rows
// for the backslash rule, and properties: nothing that drives a terminal survives, the escaped text
// reads back to exactly the original, and a correctly built line passes the safety net unchanged.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { escapeControls, safeLine } from "../../src/cli/escape.ts";
import { ANSI, paint } from "../../src/cli/io.ts";
import { SEED } from "../properties/arbitraries.ts";

const ESC = "\x1b";

describe("escapeControls", () => {
  test.each([
    // Plain text, including what must stay as typed.
    ["plain key", "data/report 2024.csv", "data/report 2024.csv"],
    ["empty", "", ""],
    ["non-ASCII letters and emoji", "données/日本/😀.txt", "données/日本/😀.txt"],
    ["emoji with zero-width joiner (kept: it cannot move the cursor)", "👩‍💻", "👩‍💻"],
    ["right-to-left letters without formatting characters", "ملف.txt", "ملف.txt"],
    // C0 controls.
    ["clear-screen sequence", `a${ESC}[2Jb`, "a\\x1b[2Jb"],
    ["cursor movement", `${ESC}[1A${ESC}[2K`, "\\x1b[1A\\x1b[2K"],
    ["newline forging an ls line", "a\n2024-01-01 00:00:00 1 forged", "a\\n2024-01-01 00:00:00 1 forged"],
    ["carriage return overwriting the line", "safe\rEVIL", "safe\\rEVIL"],
    ["tab", "a\tb", "a\\tb"],
    ["NUL", "a\0b", "a\\x00b"],
    ["bell and backspace", "\x07\x08", "\\x07\\x08"],
    ["unit separator (last C0)", "\x1f", "\\x1f"],
    ["OSC title change", `${ESC}]0;pwned\x07`, "\\x1b]0;pwned\\x07"],
    // DEL and C1.
    ["DEL", "a\x7fb", "a\\x7fb"],
    ["C1 CSI (a one-byte ESC [)", "\x9b2J", "\\x9b2J"],
    ["C1 NEL (a line break to some terminals)", "a\x85b", "a\\x85b"],
    ["first and last C1", "\x80\x9f", "\\x80\\x9f"],
    ["U+00A0 (no-break space) is not a control", "a\u00a0b", "a\u00a0b"],
    // Line and paragraph separators, bidirectional formatting.
    ["line separator", "a\u2028b", "a\\u2028b"],
    ["paragraph separator", "a\u2029b", "a\\u2029b"],
    ["right-to-left override (reversed file extension)", "invoice\u202efdp.exe", "invoice\\u202efdp.exe"],
    ["embeddings and pop", "\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"],
    ["isolates", "\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
    ["marks", "\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"],
    // The backslash rule: doubled only where it could be misread.
    ["a lone backslash", "dir\\file", "dir\\file"],
    ["backslash at the end", "dir\\", "dir\\"],
    ["two backslashes before a plain letter", "a\\\\b", "a\\\\b"],
    ["a key spelled like an escape", "a\\x1b", "a\\\\x1b"],
    ["a key spelled like \\n", "a\\nb", "a\\\\nb"],
    ["a key spelled like \\u202e", "\\u202e", "\\\\u202e"],
    ["backslashes before t, r", "\\t\\r", "\\\\t\\\\r"],
    ["backslash right before a real control", "a\\\x1b", "a\\\\\\x1b"],
    ["two backslashes before a real newline", "\\\\\n", "\\\\\\\\\\n"],
    ["JSON-quoted key with a backslash (error messages)", '"a\\\\b"', '"a\\\\b"'],
    ["backslash before an upper-case X is not an escape", "\\X1B", "\\X1B"],
  ])("%s", (_name, input, expected) => {
    expect(escapeControls(input)).toBe(expected);
  });
});

/** The reading documented in escape.ts and docs/cli.md: the inverse of escapeControls. */
function readBack(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "\\") {
      out += text[i];
      i++;
      continue;
    }
    let run = 0;
    while (text[i + run] === "\\") run++;
    const next = text[i + run] ?? "";
    i += run;
    if (!"nrtxu".includes(next) || next === "") {
      out += "\\".repeat(run);
      continue;
    }
    out += "\\".repeat(Math.floor(run / 2));
    if (run % 2 === 0) continue;
    if (next === "n" || next === "r" || next === "t") {
      out += { n: "\n", r: "\r", t: "\t" }[next];
      i += 1;
    } else {
      const digits = next === "x" ? 2 : 4;
      const hex = text.slice(i + 1, i + 1 + digits);
      if (!new RegExp(`^[0-9a-f]{${digits}}$`).test(hex)) throw new Error(`not an escape at ${i}: ${text}`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 1 + digits;
    }
  }
  return out;
}

// Strings rich in the characters that matter: controls, separators, bidi, backslashes and escape letters.
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom("\\", "x", "u", "n", "r", "t", "1", "b", "e", "2", "0", "[", "J", "/", " "),
      fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)),
      fc.constantFrom(
        "\u061c",
        "\u200e",
        "\u200f",
        "\u2028",
        "\u2029",
        "\u202a",
        "\u202e",
        "\u2066",
        "\u2069",
      ),
      fc.string({ unit: "grapheme" }),
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(""));
const DRIVES_TERMINAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("escapeControls properties", () => {
  test("nothing that drives a terminal survives", () => {
    fc.assert(
      fc.property(tricky, (s) => !DRIVES_TERMINAL.test(escapeControls(s))),
      { seed: SEED, numRuns: 3000 },
    );
  });

  test("unambiguous: the escaped text reads back to exactly the original", () => {
    fc.assert(
      fc.property(tricky, (s) => readBack(escapeControls(s)) === s),
      { seed: SEED, numRuns: 3000 },
    );
  });

  test("text with nothing to escape and no backslash is returned as is", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) =>
        DRIVES_TERMINAL.test(s) || s.includes("\\") ? true : escapeControls(s) === s,
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe("safeLine (the net under every human line)", () => {
  test.each([
    ["a correctly escaped line is unchanged", `deleted s3://b/${escapeControls(`a${ESC}[2J\\x1b`)}`],
    ["the CLI's own colours are kept", `PRE ${paint(true, "blue", "dir/")}`],
    ["a plain line", "2024-01-15 10:30:00        123 data/report.csv"],
  ])("%s", (_name, line) => {
    expect(safeLine(line)).toBe(line);
  });

  test.each([
    ["a raw newline", "deleted s3://b/a\nforged", "deleted s3://b/a\\nforged"],
    ["a raw ESC that is not one of our colours", `x ${ESC}[2J`, "x \\x1b[2J"],
    ["a bidi override", "x \u202e", "x \\u202e"],
    // Once anything slipped through, the whole line is escaped, colours included: visible, inert.
    ["our colour next to a stray control", `${ANSI.blue}a${ANSI.reset}\r`, "\\x1b[34ma\\x1b[0m\\r"],
  ])("%s is escaped", (_name, line, expected) => {
    expect(safeLine(line)).toBe(expected);
  });
});
