// One client page of a filtered listing, gathered from as many S3 pages as it takes (within a bound).
// Pure over `fetch`, so it is tested against an in-memory S3 with every layout and policy.
//
// Filtering alone would hand out short or empty pages while visible keys remain, and S3's truncation
// flag would betray that hidden keys follow the last visible one. Instead this keeps reading until it
// has max_keys visible entries, and then until it has seen whether one more visible entry exists.
//
// The position it resumes from is a plain StartAfter string: the last entry it looked at (returned or
// hidden), in S3's order, objects and common prefixes merged. Resuming after a common prefix P makes
// S3 report P again (its keys sort after P): entries up to the position are skipped, so nothing is
// given twice. Nothing that sorts after the position is ever skipped, so nothing visible is lost.
import { S3ToolError } from "../errors.ts";
import { compareKeys } from "./key-order.ts";

/** What one ListObjectsV2 request gave. */
export interface S3Page<O> {
  readonly objects: readonly O[];
  readonly prefixes: readonly string[];
  readonly truncated: boolean;
}

export interface CollectOptions<O extends { readonly key: string }> {
  /** Visible entries (objects and common prefixes) wanted, at least 1. */
  readonly maxKeys: number;
  /** Resume strictly after this position (undefined: from the start of the listing). */
  readonly after: string | undefined;
  readonly objectVisible: (key: string) => boolean;
  readonly prefixVisible: (prefix: string) => boolean;
  /** A prefix of a hidden entry under which everything is hidden too (a denied prefix), to skip over. */
  readonly hiddenArea?: ((entry: string) => string | undefined) | undefined;
  /** False when nothing can be hidden: S3's own truncation flag is then exact and is trusted. */
  readonly mayHide: boolean;
  /** One ListObjectsV2 request: StartAfter, MaxKeys. */
  readonly fetch: (startAfter: string | undefined, maxKeys: number) => Promise<S3Page<O>>;
}

export interface Collected<O> {
  readonly objects: O[];
  readonly prefixes: string[];
  readonly truncated: boolean;
  /** Where the next page starts (StartAfter); defined exactly when truncated. */
  readonly position: string | undefined;
}

/** S3's largest page. */
export const S3_PAGE_MAX = 1000;
/** S3 requests one client page may take; past it the page is handed out short (or empty), truncated. */
export const REQUESTS_PER_PAGE = 10;
/** S3 keys are at most 1024 bytes of UTF-8: a StartAfter longer than that gains nothing. */
const KEY_MAX_BYTES = 1024;
/** The greatest code point: in UTF-8 (F4 8F BF BF), no valid character sorts after it. */
const LAST_CHAR = "\u{10FFFF}";

export async function collectPage<O extends { readonly key: string }>(
  options: CollectOptions<O>,
): Promise<Collected<O>> {
  const objects: O[] = [];
  const prefixes: string[] = [];
  let position = options.after;
  const done = (truncated: boolean): Collected<O> => {
    if (truncated && position === undefined) throw stalled();
    return { objects, prefixes, truncated, position: truncated ? position : undefined };
  };
  for (let request = 0; request < REQUESTS_PER_PAGE; request++) {
    // The first request asks for one entry more than wanted, to learn whether the listing goes on;
    // hidden entries having been met, later ones take full pages.
    const size = request === 0 ? Math.min(S3_PAGE_MAX, options.maxKeys + 1) : S3_PAGE_MAX;
    const from = position;
    const page = await options.fetch(from, size);
    let advanced = false;
    for (const entry of merge(page.objects, page.prefixes)) {
      const name = entry.name;
      // A common prefix resumed after is reported again; a server may also ignore StartAfter. Only
      // what sorts at or before this request's StartAfter is skipped: a server that lists a page out
      // of byte order (the s3rver emulator does) loses nothing within the page.
      if (from !== undefined && compareKeys(name, from) <= 0) continue;
      advanced = true;
      const visible = entry.object !== undefined ? options.objectVisible(name) : options.prefixVisible(name);
      if (!visible) {
        position = skipPast(name, options.hiddenArea?.(name));
        continue;
      }
      if (objects.length + prefixes.length === options.maxKeys) return done(true);
      if (entry.object !== undefined) objects.push(entry.object);
      else prefixes.push(name);
      position = name;
    }
    if (!page.truncated) return done(false);
    if (objects.length + prefixes.length === options.maxKeys && !options.mayHide) return done(true);
    if (!advanced && size === S3_PAGE_MAX) throw stalled();
  }
  return done(true);
}

/**
 * Where to resume after a hidden `entry`: past everything under `area` (a denied prefix it lies in)
 * when that can be said in a valid key, else right after the entry. Every key that starts with `area`
 * and sorts before `area` + U+10FFFF… is hidden, and no other key lies between the entry and it, so the
 * jump never passes a visible key.
 */
export function skipPast(entry: string, area: string | undefined): string {
  if (area === undefined || area === "" || !entry.startsWith(area)) return entry;
  const room = Math.floor((KEY_MAX_BYTES - Buffer.byteLength(area, "utf8")) / 4);
  if (room <= 0) return entry;
  const past = area + LAST_CHAR.repeat(room);
  return compareKeys(past, entry) > 0 ? past : entry;
}

/** A listing entry: an object, or a common prefix (no object), named by its key or prefix. */
interface Entry<O> {
  readonly name: string;
  readonly object?: O | undefined;
}

/** Objects and common prefixes, each sorted by S3, interleaved in S3's (UTF-8 byte) order. */
function* merge<O extends { readonly key: string }>(
  objects: readonly O[],
  prefixes: readonly string[],
): Generator<Entry<O>> {
  let i = 0;
  let j = 0;
  while (i < objects.length || j < prefixes.length) {
    const o = objects[i];
    const p = prefixes[j];
    if (o !== undefined && (p === undefined || compareKeys(o.key, p) < 0)) {
      yield { name: o.key, object: o };
      i++;
    } else if (p !== undefined) {
      yield { name: p };
      j++;
    }
  }
}

function stalled(): S3ToolError {
  return new S3ToolError(
    "InternalError",
    "the S3 server answered a listing page as truncated but gave nothing past the previous one",
    "the server's listing does not honour StartAfter; retry, or report it with the server's name and version",
  );
}
