// How a key or path is shown in human output (SPEC §6: control characters escaped, so a key can
// never move the cursor or forge a line). JSON output is not passed through here: JSON escapes
// control characters itself.
//
// A minimal local version until the shared escaping function in src/cli/ lands; every bulk
// module calls only this, so swapping it is a one-line change.

/** C0 and C1 controls, DEL, line/paragraph separators and the bidirectional overrides/isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

export function displayText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) as number;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
