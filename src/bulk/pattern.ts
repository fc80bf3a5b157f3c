// Wildcards in S3 keys (SPEC §6.1 "Patterns"): `*` matches any characters but '/', `**` any
// characters, `?` one character but '/'. A listing starts at the pattern's longest literal prefix and
// every listed key is matched against the whole pattern.
//
// Escaping: a backslash makes the next `*`, `?` or `\` literal (`logs/\*.txt` names the key
// "logs/*.txt", `a\\b` the key "a\b"). A backslash before any other character is itself literal, so
// keys that merely contain backslashes (Windows-style paths) need no doubling.
//
// Matching simulates the pattern as an automaton over the key's code points (O(key × pattern), no
// regular expression): a hostile pattern such as `*a*a*a*a*a*b` cannot make it backtrack.

/** One element of a compiled glob. */
type Token =
  | { readonly kind: "char"; readonly char: string }
  | { readonly kind: "one" } // ?
  | { readonly kind: "star" } // * (not across '/')
  | { readonly kind: "any" }; // ** (any characters, '/' included)

export interface Glob {
  /** The characters before the first wildcard, escapes removed. */
  readonly literalPrefix: string;
  /** Whether the text had an (unescaped) wildcard at all. */
  readonly wildcard: boolean;
  /**
   * Whether every match lies in the folder of the literal prefix: no `**` and no '/' after the
   * literal prefix (so one delimited listing level holds all the matches).
   */
  readonly singleLevel: boolean;
  /** Whole-text match. */
  matches(text: string): boolean;
}

export interface KeyPattern {
  readonly literalPrefix: string;
  readonly wildcard: boolean;
  /** No `**` and no '/' after the literal prefix: every match is in the literal prefix's folder. */
  readonly singleLevel: boolean;
  /** Whole-key match; without a wildcard, equality with the literal key. */
  matches(key: string): boolean;
  /**
   * The key minus the literal prefix up to its last '/': for `logs/**.gz`, "logs/2024/a.gz" →
   * "2024/a.gz". For a key that does not start with that base, the key unchanged.
   */
  relative(key: string): string;
}

export function parseKeyPattern(keyText: string): KeyPattern {
  const glob = compileGlob(keyText);
  const base = glob.literalPrefix.slice(0, glob.literalPrefix.lastIndexOf("/") + 1);
  return {
    literalPrefix: glob.literalPrefix,
    wildcard: glob.wildcard,
    singleLevel: glob.singleLevel,
    matches: glob.matches,
    relative: (key) => (key.startsWith(base) ? key.slice(base.length) : key),
  };
}

/** Compiles a glob with the syntax above (shared with --include/--exclude, src/bulk/filter.ts). */
export function compileGlob(text: string): Glob {
  const tokens = tokenize(text);
  let literalPrefix = "";
  let literal = 0;
  for (const t of tokens) {
    if (t.kind !== "char") break;
    literalPrefix += t.char;
    literal++;
  }
  const wildcard = literal < tokens.length;
  const singleLevel = tokens
    .slice(literal)
    .every((t) => t.kind !== "any" && (t.kind !== "char" || t.char !== "/"));
  return {
    literalPrefix,
    wildcard,
    singleLevel,
    matches: wildcard ? (s) => simulate(tokens, s) : (s) => s === literalPrefix,
  };
}

function tokenize(text: string): Token[] {
  const chars = Array.from(text);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "\\") {
      const next = chars[i + 1];
      if (next === "*" || next === "?" || next === "\\") {
        tokens.push({ kind: "char", char: next });
        i++;
      } else {
        tokens.push({ kind: "char", char: c });
      }
    } else if (c === "*") {
      // Any run of two or more stars is `**`.
      let run = 1;
      while (chars[i + run] === "*") run++;
      tokens.push(run >= 2 ? { kind: "any" } : { kind: "star" });
      i += run - 1;
    } else if (c === "?") {
      tokens.push({ kind: "one" });
    } else {
      tokens.push({ kind: "char", char: c });
    }
  }
  return tokens;
}

/** Runs the automaton: states are token positions; a star may stay or be skipped. */
function simulate(tokens: readonly Token[], text: string): boolean {
  const n = tokens.length;
  let current = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  const close = (states: Uint8Array) => {
    for (let i = 0; i < n; i++) {
      const t = tokens[i] as Token;
      if (states[i] === 1 && (t.kind === "star" || t.kind === "any")) states[i + 1] = 1;
    }
  };
  current[0] = 1;
  close(current);
  for (const c of text) {
    next.fill(0);
    let alive = false;
    for (let i = 0; i < n; i++) {
      if (current[i] !== 1) continue;
      const t = tokens[i] as Token;
      if (t.kind === "char") {
        if (t.char === c) next[i + 1] = 1;
      } else if (t.kind === "one") {
        if (c !== "/") next[i + 1] = 1;
      } else if (t.kind === "star") {
        if (c !== "/") next[i] = 1;
      } else {
        next[i] = 1;
      }
    }
    close(next);
    for (let i = 0; i <= n; i++) {
      if (next[i] === 1) {
        alive = true;
        break;
      }
    }
    if (!alive) return false;
    [current, next] = [next, current];
  }
  return current[n] === 1;
}
