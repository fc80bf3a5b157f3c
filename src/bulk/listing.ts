// The objects an S3 location names for a bulk command: a pattern (listed from its literal prefix,
// each key matched against the whole pattern) or a prefix (`-r`), narrowed by --include/--exclude
// on the path relative to the location. Streamed page by page from walkObjects: never collected,
// so memory stays bounded whatever the number of keys. Only what the policy lets a listing show is
// ever seen (each page is an audited, policy-filtered s3_list_objects call).
import type { ObjectSummary } from "../ops/list-objects.ts";
import type { OpsContext } from "../ops/run.ts";
import { walkObjects } from "../ops/walk-objects.ts";
import { type PathFilter, TAKE_ALL } from "./filter.ts";
import type { KeyPattern } from "./pattern.ts";

export interface MatchSource {
  readonly bucket: string;
  readonly connection?: string | undefined;
  /** List from this prefix. */
  readonly prefix: string;
  /** Keep only keys the pattern matches (none: every key under the prefix). */
  readonly pattern?: KeyPattern | undefined;
  /** The path the filters see: the key relative to the location. */
  readonly relative: (key: string) => string;
  readonly filter?: PathFilter | undefined;
}

/** Matched objects, a page at a time (pages with no match are skipped). */
export async function* matchObjects(
  ctx: OpsContext,
  source: MatchSource,
  options: { readonly signal?: AbortSignal | undefined } = {},
): AsyncGenerator<ObjectSummary[]> {
  const filter = source.filter ?? TAKE_ALL;
  const pattern = source.pattern;
  for await (const page of walkObjects(ctx, {
    bucket: source.bucket,
    prefix: source.prefix,
    connection: source.connection,
    signal: options.signal,
  })) {
    if (options.signal?.aborted) return;
    const taken = page.filter(
      (o) => (pattern === undefined || pattern.matches(o.key)) && filter(source.relative(o.key)),
    );
    if (taken.length > 0) yield taken;
  }
}

/**
 * A location given with `-r` names a folder: `s3://b/logs` and `s3://b/logs/` both mean every key
 * under "logs/" (never "logs-old/x", which a bare prefix match would take). "" is the bucket root.
 */
export function folderPrefix(key: string): string {
  return key === "" || key.endsWith("/") ? key : `${key}/`;
}
