// Text that came from outside (key and bucket names, metadata, S3's messages, file names) is
// printed for a human with the characters that could drive the terminal made visible: a key can
// never move the cursor, clear the screen, forge an `ls` line or reorder what is shown.
//
// Escaped: C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F), the line and
// paragraph separators (U+2028, U+2029) and the bidirectional formatting characters (U+061C,
// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), as `\t`, `\n`, `\r`, `\xHH` (other C0, DEL, C1)
// or `\uHHHH`. Everything else is printed as is, zero-width and look-alike characters included.
//
// A backslash is doubled only where it could be misread: right before an escape or before one of
// the letters n, r, t, x, u. `dir\file` prints as is; a key spelled `a\x1b` prints as `a\\x1b`,
// never as `a\x1b` (which is how a key holding ESC prints). Reading it back: in a run of
// backslashes before n, r, t, x or u, each pair is one backslash and an odd one starts an escape;
// every other backslash is itself. JSON output (--json) is not touched: JSON escapes on its own.

/** The code point ranges that are escaped (see above). */
const ESCAPED_RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x1f], // C0
  [0x7f, 0x9f], // DEL, C1
  [0x061c, 0x061c], // Arabic letter mark
  [0x200e, 0x200f], // left-to-right, right-to-left marks
  [0x2028, 0x2029], // line, paragraph separators
  [0x202a, 0x202e], // embeddings, pop, overrides
  [0x2066, 0x2069], // isolates
];
const u = (n: number) => `\\u${n.toString(16).padStart(4, "0")}`;
/** Built from the table, so no linter sees a raw control character. */
const ESCAPED = new RegExp(
  `[${ESCAPED_RANGES.map(([a, b]) => (a === b ? u(a) : `${u(a)}-${u(b)}`)).join("")}]`,
);
const SHORT: Readonly<Record<string, string>> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** Letters that follow a backslash in an escape. */
const ESCAPE_LETTERS = new Set(["n", "r", "t", "x", "u"]);

function escapeChar(c: string): string {
  const short = SHORT[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code <= 0x9f
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every character that could drive a terminal escaped (see above). */
export function escapeControls(text: string): string {
  if (!ESCAPED.test(text) && !text.includes("\\")) return text;
  let out = "";
  let backslashes = 0;
  for (const c of text) {
    if (c === "\\") {
      backslashes++;
      continue;
    }
    const escaped = ESCAPED.test(c);
    const doubled = escaped || ESCAPE_LETTERS.has(c);
    out += "\\".repeat(doubled ? 2 * backslashes : backslashes);
    out += escaped ? escapeChar(c) : c;
    backslashes = 0;
  }
  return out + "\\".repeat(backslashes);
}

/** The colour sequences the CLI itself writes (io.ts ANSI): ESC [ digits m. */
const OWN_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/**
 * A last line of defence for a whole human line whose parts should each have been escaped: a line
 * still holding a character that `escapeControls` escapes, beyond the CLI's own colour codes, is
 * escaped as a whole. A line built correctly comes back unchanged (nothing is escaped twice).
 */
export function safeLine(line: string): string {
  if (!ESCAPED.test(line)) return line;
  return ESCAPED.test(line.replace(OWN_COLOUR, "")) ? escapeControls(line) : line;
}
