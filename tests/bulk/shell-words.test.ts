// The tokenizer of `mcp-s3 run` lines: POSIX-shell quoting, no expansion.
import { describe, expect, test } from "bun:test";
import { ShellWordsError, shellWords } from "../../src/bulk/shell-words.ts";

describe("shellWords", () => {
  const rows: [line: string, words: string[]][] = [
    ["", []],
    ["   \t ", []],
    ["# a comment", []],
    ["   # indented comment", []],
    ["ls s3://b/", ["ls", "s3://b/"]],
    ["  rm   -r\ts3://b/p/  ", ["rm", "-r", "s3://b/p/"]],
    ["rm s3://b/a#b", ["rm", "s3://b/a#b"]], // # inside a word is literal
    ["rm s3://b/a #trailing comment", ["rm", "s3://b/a"]],
    ["rm 's3://b/with space'", ["rm", "s3://b/with space"]],
    ['rm "s3://b/with space"', ["rm", "s3://b/with space"]],
    ["rm s3://b/with\\ space", ["rm", "s3://b/with space"]],
    ["ls 's3://b/logs/*.gz'", ["ls", "s3://b/logs/*.gz"]],
    ["ls s3://b/logs/*.gz", ["ls", "s3://b/logs/*.gz"]], // no globbing
    ["echo $HOME `id` $(id)", ["echo", "$HOME", "`id`", "$(id)"]], // no expansion
    ["a'b c'\"d\"e", ["ab cde"]],
    ["''", [""]],
    ['""', [""]],
    ["x '' y", ["x", "", "y"]],
    ["'it''s'", ["its"]],
    ["'a\\b'", ["a\\b"]], // no escapes in single quotes
    ['"a\\"b"', ['a"b']],
    ['"a\\\\b"', ["a\\b"]],
    ['"a\\nb"', ["a\\nb"]], // only \" \\ \$ \` are escapes in double quotes
    ['"\\$x"', ["$x"]],
    ["'\"'", ['"']],
    ['"\'"', ["'"]],
    ["a\\'b", ["a'b"]],
    ["trailing\\", ["trailing\\"]],
    ["\\#not-comment", ["#not-comment"]],
    ["'#not comment'", ["#not comment"]],
    ["ünï 日本 😀", ["ünï", "日本", "😀"]],
    ["put f 's3://b/tab\there'", ["put", "f", "s3://b/tab\there"]],
    ["line\r", ["line"]], // a CRLF file
  ];
  test.each(rows)("%p", (line, words) => {
    expect(shellWords(line)).toEqual(words);
  });

  test.each(["'open", '"open', "a 'b", 'x "y\\"'])("%p: unterminated quote", (line) => {
    expect(() => shellWords(line)).toThrow(ShellWordsError);
  });
});
