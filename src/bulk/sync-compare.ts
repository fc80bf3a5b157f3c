// When `sync` sends an item (SPEC §6.1): an item missing at the destination, or of another size,
// always; otherwise by modification time (the default), never (--size-only) or by content
// (--checksum). Pure: the content check of a local file is done by the caller (checksum.ts).
//
// Times come from listings, so a sync with nothing to do sends no HEAD and no body:
// - upload (directory → S3): S3 cannot be told a LastModified, so the object is stale when the
//   file is newer than it (aws-cli's rule); once uploaded, LastModified is later than the file.
// - download (S3 → directory): every downloaded file gets the object's LastModified as its mtime, so
//   any difference means the object (or the file) changed since.
// - copy (S3 → S3): the destination is stale when the source is newer than it.
// Times are compared in whole seconds: listings give LastModified to the second (RGW, S3 list
// output), file systems to the nanosecond.

export type CompareMode = "default" | "size-only" | "checksum";
export type Direction = "upload" | "download" | "copy";

export interface SyncSide {
  readonly size: number;
  /** Milliseconds since the epoch; null when unknown. */
  readonly mtimeMs: number | null;
  /** The object's ETag (S3 sides). */
  readonly etag?: string | null | undefined;
}

/** Why the item is sent, or "same"; "content" means: send unless the content check says equal. */
export type SyncVerdict = "missing" | "size" | "newer" | "content" | "same";

export function compareForSync(
  src: SyncSide,
  dst: SyncSide | undefined,
  mode: CompareMode,
  direction: Direction,
): SyncVerdict {
  if (dst === undefined) return "missing";
  if (src.size !== dst.size) return "size";
  if (mode === "size-only") return "same";
  if (mode === "checksum") {
    if (direction !== "copy") return "content";
    return sameEtag(src.etag, dst.etag) ? "same" : "newer";
  }
  if (src.mtimeMs === null || dst.mtimeMs === null) return "newer";
  const s = Math.floor(src.mtimeMs / 1000);
  const d = Math.floor(dst.mtimeMs / 1000);
  if (direction === "download") return s === d ? "same" : "newer";
  return s > d ? "newer" : "same";
}

/** Two ETags name the same content when they are equal and known (quotes and case aside). */
export function sameEtag(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = normalEtag(a);
  return x !== undefined && x === normalEtag(b);
}

/** The ETag without quotes, lower case; undefined when absent or empty. */
export function normalEtag(etag: string | null | undefined): string | undefined {
  if (etag === null || etag === undefined) return undefined;
  const bare = etag.replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
  return bare === "" ? undefined : bare;
}

/** The number of parts an ETag says the object was uploaded in; 0 for a single PUT's MD5. */
export function etagParts(etag: string): number {
  const m = /^[0-9a-f]{32}-(\d+)$/.exec(etag);
  if (m !== null) return Number(m[1]);
  return /^[0-9a-f]{32}$/.test(etag) ? 0 : -1;
}
