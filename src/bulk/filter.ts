// --include / --exclude / --exclude-from (SPEC §6.1): which items of a bulk command are taken,
// judged on the item's path relative to the source. Filters only narrow what the command attempts;
// the policy gate still decides every item that remains (a refusal always wins over a filter).
//
// Globs use the pattern syntax of src/bulk/pattern.ts (`*` not across '/', `**` any characters, `?`,
// backslash escapes). A glob without '/' is matched against the item's base name, so
// `--exclude '*.tmp'` drops temporary files at any depth; a glob with '/' is matched against the whole
// relative path (a leading '/' only anchors it: `/a/*.txt` is `a/*.txt`). The last matching rule
// wins; an item no rule matches is taken.
import { readFile } from "node:fs/promises";
import { usageError } from "../cli/args.ts";
import type { Cli } from "../cli/context.ts";
import { compileGlob } from "./pattern.ts";

export interface FilterRule {
  readonly include: boolean;
  readonly glob: string;
}

/** True = take the item. */
export type PathFilter = (relativePath: string) => boolean;

export const TAKE_ALL: PathFilter = () => true;

export function compileFilters(rules: readonly FilterRule[]): PathFilter {
  if (rules.length === 0) return TAKE_ALL;
  const compiled = rules.map((rule) => {
    const anchored = rule.glob.includes("/");
    const glob = compileGlob(anchored && rule.glob.startsWith("/") ? rule.glob.slice(1) : rule.glob);
    return { include: rule.include, anchored, matches: glob.matches };
  });
  return (relativePath) => {
    const base = relativePath.slice(relativePath.lastIndexOf("/") + 1);
    for (let i = compiled.length - 1; i >= 0; i--) {
      const rule = compiled[i] as (typeof compiled)[number];
      if (rule.matches(rule.anchored ? relativePath : base)) return rule.include;
    }
    return true;
  };
}

/**
 * The rules of a command line, in the order given: each --include and --exclude where it stands,
 * and the lines of an --exclude-from file where that flag stands (`#` comments and blank lines
 * skipped; a line is taken as written, only a trailing CR removed).
 */
export async function filterRulesFromCli(cli: Cli): Promise<FilterRule[]> {
  const rules: FilterRule[] = [];
  for (const option of cli.optionOrder) {
    if (option.value === undefined) continue;
    if (option.name === "include" || option.name === "exclude") {
      if (option.value === "") throw usageError(`--${option.name} needs a glob, got an empty string`);
      rules.push({ include: option.name === "include", glob: option.value });
    } else if (option.name === "exclude-from") {
      for (const glob of excludeFileLines(await readRulesFile(option.value))) {
        rules.push({ include: false, glob });
      }
    }
  }
  return rules;
}

/** The globs of an --exclude-from file's text. */
export function excludeFileLines(text: string): string[] {
  const globs: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const start = line.trimStart();
    if (start === "" || start.startsWith("#")) continue;
    globs.push(line);
  }
  return globs;
}

async function readRulesFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (code ?? (e as Error).message);
    throw usageError(
      `--exclude-from ${JSON.stringify(path)}: cannot read the file (${reason})`,
      "name a text file with one glob per line",
    );
  }
}
