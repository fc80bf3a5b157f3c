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

/** Characters that are escaped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const ESCAPED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
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
  return ESCAPED.test(line.replace(OWN_COLOUR, "")) ? escapeControls(line) : line;
}
