// What a bulk transfer does, item by item, as a stream of actions: each source entry (a file of a
// directory walk, an object of a listing) mapped to its destination. Nothing is collected: the
// plans are generators over streamed sources, and sync pairs two sorted streams.
import { stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { OpsContext } from "../ops/run.ts";
import type { Action } from "./actions.ts";
import { failure, s3Location } from "./actions.ts";
import type { PathFilter } from "./filter.ts";
import { type LocalEntry, type LocalFile, walkLocal } from "./local-tree.ts";
import { mergeByPath } from "./merge.ts";
import { destinationKey } from "./paths.ts";
import { type RemoteObject, type RemoteTree, walkRemote } from "./remote-tree.ts";
import type { ItemRecord } from "./report.ts";
import { type CompareMode, compareForSync, type Direction } from "./sync-compare.ts";

/** A local directory (or one file) as the source of a bulk command. */
export interface LocalSource {
  readonly root: string;
  readonly followSymlinks: boolean;
  readonly filter: PathFilter;
}

/** Where the items go. */
export type Target =
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string }
  /** `key`: the exact destination key of a single item (mv a b). */
  | { readonly kind: "s3-object"; readonly bucket: string; readonly key: string }
  | { readonly kind: "local"; readonly root: string }
  /** `path`: the exact destination file of a single item. */
  | { readonly kind: "local-file"; readonly path: string };

export interface PlanOptions {
  /** mv: each source is removed once its copy is made. */
  readonly move: boolean;
}

/** Files of a local tree to S3. */
export async function* uploadPlan(
  source: LocalSource,
  target: Target,
  options: PlanOptions,
): AsyncGenerator<Action> {
  for await (const entry of walkLocal(source.root, source)) {
    if (entry.kind === "skip") {
      yield noteFor(entry, target);
      continue;
    }
    if (target.kind === "s3") {
      yield {
        kind: "upload",
        file: entry,
        bucket: target.bucket,
        key: destinationKey(target.prefix, entry.relative),
        move: options.move,
      };
    } else if (target.kind === "s3-object") {
      yield { kind: "upload", file: entry, bucket: target.bucket, key: target.key, move: options.move };
    }
  }
}

/** Objects of a listing to a local directory, or to S3 (a server-side copy). */
export async function* remotePlan(
  ops: OpsContext,
  source: RemoteTree,
  target: Target,
  options: PlanOptions,
): AsyncGenerator<Action> {
  for await (const object of walkRemote(ops, source)) {
    switch (target.kind) {
      case "local":
        yield { kind: "download", object, root: target.root, move: options.move };
        break;
      case "local-file":
        yield {
          kind: "download",
          object: { ...object, relative: basename(target.path) },
          root: dirname(target.path),
          move: options.move,
        };
        break;
      case "s3":
        yield {
          kind: "copy",
          object,
          bucket: target.bucket,
          key: destinationKey(target.prefix, object.relative),
          move: options.move,
        };
        break;
      case "s3-object":
        yield { kind: "copy", object, bucket: target.bucket, key: target.key, move: options.move };
        break;
    }
  }
}

export interface SyncOptions {
  readonly mode: CompareMode;
  /** --delete: remove what the source lacks (never an excluded item: those are not listed). */
  readonly delete: boolean;
}

export type SyncSource =
  | { readonly kind: "local"; readonly local: LocalSource }
  | { readonly kind: "s3"; readonly tree: RemoteTree };
export type SyncTarget =
  | { readonly kind: "local"; readonly local: LocalSource }
  | { readonly kind: "s3"; readonly tree: RemoteTree; readonly bucket: string; readonly prefix: string };

type SrcEntry = LocalEntry | (RemoteObject & { readonly kind: "object" });
type DstEntry = LocalEntry | (RemoteObject & { readonly kind: "object" });

/**
 * sync: both sides walked in key order and paired by relative path. A pair that differs is sent,
 * one only at the destination is deleted with --delete, one that is the same is reported as an
 * unchanged (skipped) item without a human line.
 */
export async function* syncPlan(
  ops: OpsContext,
  source: SyncSource,
  target: SyncTarget,
  options: SyncOptions,
): AsyncGenerator<Action> {
  const direction: Direction =
    source.kind === "local" ? "upload" : target.kind === "local" ? "download" : "copy";
  const src =
    source.kind === "local"
      ? walkLocal(source.local.root, source.local)
      : objects(walkRemote(ops, source.tree));
  const dst = target.kind === "local" ? localOrEmpty(target.local) : objects(walkRemote(ops, target.tree));
  /** The relative path (with "/") of a source directory that could not be read: keep what lies below. */
  let unknownBelow: string | undefined;

  for await (const pair of mergeByPath<SrcEntry, DstEntry>(src, dst)) {
    const s = pair.src;
    const d = pair.dst === undefined || pair.dst.kind === "skip" ? undefined : pair.dst;
    if (s === undefined) {
      if (!options.delete || d === undefined) continue;
      if (unknownBelow !== undefined && pair.relative.startsWith(unknownBelow)) {
        yield note("delete", d.kind === "file" ? d.path : s3Location(d.bucket, d.key), null, d.size, {
          status: "skipped",
          message: "not deleted: the source directory it would be missing from could not be read",
        });
        continue;
      }
      yield d.kind === "file"
        ? { kind: "delete-local", path: d.path, size: d.size }
        : { kind: "delete", bucket: d.bucket, key: d.key, size: d.size };
      continue;
    }
    if (s.kind === "skip") {
      if (s.directory === true) unknownBelow = `${s.relative}/`;
      yield noteFor(s, syncTargetAsTarget(target));
      continue;
    }
    if (s.kind === "object" && s.key.endsWith("/") && s.size === 0 && direction === "download") {
      continue; // a folder marker: nothing to save as a file
    }
    const verdict = compareForSync(s, d, options.mode, direction);
    if (verdict === "same") {
      yield unchanged(s, d as DstEntry);
      continue;
    }
    const checkContent = verdict === "content";
    if (s.kind === "file") {
      if (target.kind !== "s3") continue;
      const remote = d !== undefined && d.kind === "object" ? d : undefined;
      yield {
        kind: "upload",
        file: s,
        bucket: target.bucket,
        key: destinationKey(target.prefix, s.relative),
        unlessSameAs: checkContent ? remote : undefined,
      };
    } else if (target.kind === "local") {
      yield { kind: "download", object: s, root: target.local.root, unlessSame: checkContent };
    } else {
      yield {
        kind: "copy",
        object: s,
        bucket: target.bucket,
        key: destinationKey(target.prefix, s.relative),
      };
    }
  }
}

async function* objects(
  source: AsyncIterable<RemoteObject>,
): AsyncGenerator<RemoteObject & { readonly kind: "object" }> {
  for await (const o of source) yield { ...o, kind: "object" };
}

/** A destination directory that does not exist yet holds nothing. */
async function* localOrEmpty(local: LocalSource): AsyncGenerator<LocalEntry> {
  try {
    await stat(local.root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
  }
  yield* walkLocal(local.root, local);
}

function syncTargetAsTarget(target: SyncTarget): Target {
  return target.kind === "local" ? { kind: "local", root: target.local.root } : target;
}

function unchanged(s: LocalFile | (RemoteObject & { kind: "object" }), d: DstEntry): Action {
  const where = (e: LocalFile | (RemoteObject & { kind: "object" }) | DstEntry) =>
    e.kind === "object" ? s3Location(e.bucket, e.key) : e.path;
  return {
    kind: "note",
    quiet: true,
    record: {
      op: s.kind === "file" ? "upload" : d.kind === "object" ? "copy" : "download",
      source: where(s),
      dest: where(d),
      size: s.size,
      status: "skipped",
      message: "unchanged",
    },
  };
}

/** A walk entry that is not uploaded: skipped (a link, a special file) or failed (unreadable). */
function noteFor(entry: Extract<LocalEntry, { kind: "skip" }>, target: Target): Action {
  const dest =
    target.kind === "s3" ? s3Location(target.bucket, destinationKey(target.prefix, entry.relative)) : null;
  if (entry.error !== undefined) {
    return note("upload", entry.path, dest, null, failure(entry.error));
  }
  return note("upload", entry.path, dest, null, { status: "skipped", message: entry.reason });
}

function note(
  op: string,
  source: string,
  dest: string | null,
  size: number | null,
  outcome: Pick<ItemRecord, "status" | "error" | "message">,
): Action {
  return { kind: "note", record: { op, source, dest, size, ...outcome } };
}
