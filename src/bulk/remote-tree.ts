// The objects below an S3 location, one at a time, each with its path relative to the location:
// streamed from the listing (never collected), in key order, narrowed by a pattern and the filters.
// Only what the policy lets a listing show is ever seen.
import type { OpsContext } from "../ops/run.ts";
import { walkObjects } from "../ops/walk-objects.ts";
import type { PathFilter } from "./filter.ts";
import type { KeyPattern } from "./pattern.ts";

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

export interface RemoteTree {
  readonly bucket: string;
  readonly connection?: string | undefined;
  /** Listed from this prefix. */
  readonly prefix: string;
  /** Keys the pattern does not match are left out (none: every key under the prefix). */
  readonly pattern?: KeyPattern | undefined;
  /** The path of a key relative to the location (what filters see and destinations use). */
  readonly relative: (key: string) => string;
  readonly filter: PathFilter;
  readonly signal?: AbortSignal | undefined;
}

export async function* walkRemote(ctx: OpsContext, tree: RemoteTree): AsyncGenerator<RemoteObject> {
  const pages = walkObjects(
    ctx,
    { bucket: tree.bucket, prefix: tree.prefix, connection: tree.connection, signal: tree.signal },
    { tool: "s3_list_objects" },
  );
  for await (const page of pages) {
    for (const o of page) {
      if (tree.pattern !== undefined && !tree.pattern.matches(o.key)) continue;
      const relative = tree.relative(o.key);
      if (!tree.filter(relative)) continue;
      const mtime = o.last_modified === null ? Number.NaN : Date.parse(o.last_modified);
      yield {
        relative,
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
