// --include / --exclude / --exclude-from: order kept from the command line, last matching rule
// wins, no match = taken; globs without '/' match the base name.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  compileFilters,
  excludeFileLines,
  type FilterRule,
  filterRulesFromCli,
} from "../../src/bulk/filter.ts";
import { parseCommandLine } from "../../src/cli/args.ts";
import { createCli } from "../../src/cli/context.ts";
import type { Io } from "../../src/cli/io.ts";
import { BULK_OPTIONS, findSpec } from "../../src/cli/registry.ts";

const inc = (glob: string): FilterRule => ({ include: true, glob });
const exc = (glob: string): FilterRule => ({ include: false, glob });

describe("compileFilters", () => {
  const rows: [name: string, rules: FilterRule[], path: string, taken: boolean][] = [
    ["no rules: taken", [], "a/b.txt", true],
    ["excluded by base name at any depth", [exc("*.tmp")], "a/b/c.tmp", false],
    ["base-name glob does not see the directory", [exc("a*")], "a/b.txt", true],
    ["not matched: taken", [exc("*.tmp")], "a/b.txt", true],
    ["glob with '/' matches the whole path", [exc("a/*.txt")], "a/b.txt", false],
    ["glob with '/' is anchored", [exc("a/*.txt")], "x/a/b.txt", true],
    ["* in a path glob does not cross '/'", [exc("a/*")], "a/b/c.txt", true],
    ["** crosses '/'", [exc("a/**")], "a/b/c.txt", false],
    ["leading '/' only anchors", [exc("/a/*.txt")], "a/b.txt", false],
    ["last matching rule wins: include after exclude", [exc("*.log"), inc("keep.log")], "x/keep.log", true],
    ["last matching rule wins: exclude after include", [inc("keep.log"), exc("*.log")], "x/keep.log", false],
    ["include alone does not exclude others", [inc("*.txt")], "a.bin", true],
    ["exclude everything, include some", [exc("**"), inc("*.txt")], "d/a.txt", true],
    ["exclude everything, include some (other)", [exc("**"), inc("*.txt")], "d/a.bin", false],
    ["escaped star is literal", [exc("\\*.txt")], "a.txt", true],
    ["escaped star matches itself", [exc("\\*.txt")], "*.txt", false],
    ["unicode names", [exc("日本*")], "dir/日本語.txt", false],
    ["control characters are plain characters", [exc("*\n*")], "a\nb", false],
    ["empty relative path", [exc("*")], "", false],
  ];
  test.each(rows)("%s", (_name, rules, path, taken) => {
    expect(compileFilters(rules)(path)).toBe(taken);
  });
});

describe("excludeFileLines", () => {
  const rows: [name: string, text: string, globs: string[]][] = [
    [
      "comments and blanks skipped",
      "# c\n\n*.tmp\n  \n  # indented comment\nlogs/**\n",
      ["*.tmp", "logs/**"],
    ],
    ["CRLF", "*.tmp\r\n*.bak\r\n", ["*.tmp", "*.bak"]],
    ["kept as written (inner and trailing spaces)", "a b \n", ["a b "]],
    ["empty file", "", []],
    ["no final newline", "x", ["x"]],
  ];
  test.each(rows)("%s", (_name, text, globs) => {
    expect(excludeFileLines(text)).toEqual(globs);
  });
});

describe("filterRulesFromCli: command-line order", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcp-s3-filter-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, "rules");
  writeFileSync(rulesFile, "# skip these\n*.bak\n\ncache/**\n");

  const io = { env: {} } as unknown as Io;
  const spec = { ...(findSpec("rm") as NonNullable<ReturnType<typeof findSpec>>), options: BULK_OPTIONS };
  const rules = (argv: string[]) => {
    const line = parseCommandLine(argv, BULK_OPTIONS);
    return filterRulesFromCli(createCli(spec, line, io));
  };

  test("--include/--exclude interleaved keep their order", async () => {
    expect(
      await rules(["rm", "--exclude", "*.log", "s3://b/p/", "--include", "keep.log", "--exclude=x*"]),
    ).toEqual([exc("*.log"), inc("keep.log"), exc("x*")]);
  });

  test("--exclude-from lines stand where the flag stands", async () => {
    expect(
      await rules(["rm", "--include", "a.bak", "--exclude-from", rulesFile, "--include", "b.bak"]),
    ).toEqual([inc("a.bak"), exc("*.bak"), exc("cache/**"), inc("b.bak")]);
  });

  test("no filters: no rules", async () => {
    expect(await rules(["rm", "-r", "s3://b/p/"])).toEqual([]);
  });

  test("an unreadable --exclude-from is a usage error naming the file", async () => {
    const missing = join(dir, "missing");
    await expect(rules(["rm", "--exclude-from", missing])).rejects.toMatchObject({
      code: "UsageError",
      message: expect.stringContaining("no such file"),
    });
    await expect(rules(["rm", "--exclude-from", dir])).rejects.toMatchObject({ code: "UsageError" });
  });

  test("an empty glob is a usage error", async () => {
    await expect(rules(["rm", "--exclude="])).rejects.toMatchObject({ code: "UsageError" });
  });
});
