// The objects below an S3 location, one at a time, each with its path relative to the location:
// streamed from the listing (never collected), in key order, narrowed by a pattern and the filters.
// Only what the policy lets a listing show is ever seen.
import type { OpsContext } from "../ops/run.ts";
import type { PathFilter } from "./filter.ts";
import { type MatchSource, matchObjects } from "./listing.ts";

export interface RemoteObject {
  readonly relative: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string | null;
  readonly last_modified: string | null;
  /** LastModified in milliseconds since the epoch; null when S3 did not say. */
  readonly mtimeMs: number | null;
}

export interface RemoteTree extends MatchSource {
  readonly filter: PathFilter;
  readonly signal?: AbortSignal | undefined;
}

export async function* walkRemote(ctx: OpsContext, tree: RemoteTree): AsyncGenerator<RemoteObject> {
  for await (const page of matchObjects(ctx, tree, { signal: tree.signal })) {
    for (const o of page) {
      const mtime = o.last_modified === null ? Number.NaN : Date.parse(o.last_modified);
      yield {
        relative: tree.relative(o.key),
        bucket: tree.bucket,
        key: o.key,
        size: o.size,
        etag: o.etag,
        last_modified: o.last_modified,
        mtimeMs: Number.isNaN(mtime) ? null : mtime,
      };
    }
  }
}
