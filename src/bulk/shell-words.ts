// Splits one line of an `mcp-s3 run` file into arguments the way a POSIX shell would quote them,
// without any expansion: no variables, no globbing (so `s3://b/logs/*.gz` reaches us as written),
// no command substitution.
//
//   - blanks (space, tab) separate words;
//   - '…' keeps everything literally, up to the next ';
//   - "…" keeps everything literally except \" \\ \$ \` (the backslash is dropped before these);
//   - outside quotes a backslash makes the next character literal (a trailing backslash is kept);
//   - # at the start of a word begins a comment that runs to the end of the line;
//   - quotes may join parts of one word: a'b c'"d" is the word "ab cd"; '' is an empty word.
// An unterminated quote is an error, reported for that line.

export class ShellWordsError extends Error {
  override readonly name = "ShellWordsError";
}

export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "#" && !inWord) {
      break;
    } else if (c === "'") {
      const end = chars.indexOf("'", i + 1);
      if (end === -1) throw new ShellWordsError("unterminated single quote");
      word += chars.slice(i + 1, end).join("");
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; ; j++) {
        const d = chars[j];
        if (d === undefined) throw new ShellWordsError("unterminated double quote");
        if (d === '"') break;
        const next = chars[j + 1];
        if (d === "\\" && (next === '"' || next === "\\" || next === "$" || next === "`")) {
          word += next;
          j++;
        } else {
          word += d;
        }
      }
      inWord = true;
      i = j;
    } else if (c === "\\") {
      const next = chars[i + 1];
      word += next ?? "\\";
      inWord = true;
      i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
