// Key patterns (SPEC §6.1): `*` not across '/', `**` any characters, `?` one character, backslash
// escapes; the literal prefix a listing starts from; the path a matched key keeps below it.
import { describe, expect, test } from "bun:test";
import { compileGlob, parseKeyPattern } from "../../src/bulk/pattern.ts";

describe("parseKeyPattern: literal prefix and wildcard", () => {
  const rows: [pattern: string, literalPrefix: string, wildcard: boolean][] = [
    ["logs/*.log", "logs/", true],
    ["logs/**.gz", "logs/", true],
    ["logs/app-?.log", "logs/app-", true],
    ["logs/2024/", "logs/2024/", false],
    ["plain-key.txt", "plain-key.txt", false],
    ["", "", false],
    ["*", "", true],
    ["**", "", true],
    ["a\\*b", "a*b", false],
    ["a\\?b*", "a?b", true],
    ["a\\\\*", "a\\", true],
    ["dir\\x/y", "dir\\x/y", false], // a backslash before another character is literal
    ["trailing\\", "trailing\\", false],
    ["ünïcode/日本*", "ünïcode/日本", true],
  ];
  test.each(rows)("%p", (pattern, literalPrefix, wildcard) => {
    const p = parseKeyPattern(pattern);
    expect({ literalPrefix: p.literalPrefix, wildcard: p.wildcard }).toEqual({ literalPrefix, wildcard });
  });
});

describe("matches: whole key", () => {
  const rows: [pattern: string, key: string, expected: boolean][] = [
    ["logs/*.log", "logs/a.log", true],
    ["logs/*.log", "logs/.log", true],
    ["logs/*.log", "logs/sub/a.log", false], // * does not cross '/'
    ["logs/*.log", "logs/a.log.gz", false], // whole key, not a prefix
    ["logs/*.log", "xlogs/a.log", false],
    ["logs/**.gz", "logs/2024/01/a.gz", true],
    ["logs/**.gz", "logs/a.gz", true],
    ["logs/**.gz", "logs/a.gzip", false],
    ["logs/**", "logs/", true],
    ["logs/**/a", "logs/x/y/a", true],
    ["logs/**/a", "logs/a", false], // "/" after ** is literal
    ["a?c", "abc", true],
    ["a?c", "a/c", false], // ? does not match '/'
    ["a?c", "ac", false],
    ["a?c", "a日c", true], // one code point, not one UTF-16 unit
    ["a?c", "a😀c", true],
    ["*", "", true],
    ["*", "a/b", false],
    ["**", "a/b/c", true],
    ["***", "a/b", true], // a run of stars is **
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["a\\?", "a?", true],
    ["a\\?", "ab", false],
    ["a\\\\b", "a\\b", true],
    ["*.txt", "line\nbreak.txt", true], // control characters are ordinary characters
    ["*", "tab\there", true],
    ["plain", "plain", true],
    ["plain", "plainer", false],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "acb", false],
    ["*/*", "a/b", true],
    ["*/*", "a/b/c", false],
    ["data/../x*", "data/../xy", true], // keys are bytes: no path normalisation
    ["data/*", "data/../secret", false],
  ];
  test.each(rows)("%p vs %p", (pattern, key, expected) => {
    expect(parseKeyPattern(pattern).matches(key)).toBe(expected);
  });

  test("a hostile pattern does not backtrack (linear in key x pattern)", () => {
    const pattern = `${"*a".repeat(40)}b`;
    const key = "a".repeat(5000);
    const started = performance.now();
    expect(compileGlob(pattern).matches(key)).toBe(false);
    expect(compileGlob(`${"**a".repeat(40)}b`).matches(key)).toBe(false);
    // Generous bound: a backtracking matcher would not finish at all.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe("relative: key minus the literal prefix up to its last '/'", () => {
  const rows: [pattern: string, key: string, relative: string][] = [
    ["logs/**.gz", "logs/2024/a.gz", "2024/a.gz"], // the SPEC's example
    ["logs/app-*.log", "logs/app-1.log", "app-1.log"],
    ["logs/", "logs/a/b.txt", "a/b.txt"],
    ["logs/a.gz", "logs/a.gz", "a.gz"],
    ["*.gz", "a.gz", "a.gz"],
    ["logs", "logs/x", "logs/x"], // no '/' in the prefix: the whole key
    ["a/b*/c*", "a/bx/cy", "bx/cy"],
    ["a\\*/x*", "a*/xy", "xy"],
  ];
  test.each(rows)("%p: %p -> %p", (pattern, key, relative) => {
    expect(parseKeyPattern(pattern).relative(key)).toBe(relative);
  });
});
