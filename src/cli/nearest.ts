// "Did you mean …?" for a mistyped command or flag: the known words within a small edit distance.

/** Known words at most two edits (or one, for words of three letters or fewer) from `word`, nearest first. */
export function nearest(word: string, known: readonly string[]): string[] {
  const limit = word.length <= 3 ? 1 : 2;
  return known
    .map((k) => [k, distance(k, word)] as const)
    .filter(([, d]) => d <= limit)
    .sort((a, b) => a[1] - b[1])
    .map(([k]) => k);
}

/** Levenshtein distance. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}
