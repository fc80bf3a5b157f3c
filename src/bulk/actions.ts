// One item of a bulk transfer, carried out (or, for --dry-run, shown to the gate) through the very
// operations the single-object commands use: putObject, downloadToFile, copyObject, deleteObject.
// Each is declared to the gate and audited on its own line under the same tool name. Nothing here
// decides policy: an item is "refused" exactly when its operation throws a PolicyRefusal.
import { utimesSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { guessContentType } from "../cli/transfer/content-type.ts";
import { lazyFile } from "../cli/transfer/local.ts";
import type { UploadSettings } from "../cli/transfer/settings.ts";
import { PolicyRefusal, S3ToolError } from "../errors.ts";
import { localFileError } from "../local-errors.ts";
import { copyObject, copySpec } from "../ops/copy-object.ts";
import { deleteObject, deleteObjectSpec } from "../ops/delete-object.ts";
import { downloadSpec, downloadToFile } from "../ops/download.ts";
import { MULTIPART_THRESHOLD, putObject, putSpec } from "../ops/put-object.ts";
import { type OperationSpec, type OpsContext, previewOperation } from "../ops/run.ts";
import { fileMatchesEtag } from "./checksum.ts";
import type { DestinationDirectories } from "./destination-dirs.ts";
import type { LocalFile } from "./local-tree.ts";
import { localPathFor } from "./paths.ts";
import type { BulkProgress } from "./progress.ts";
import type { RemoteObject } from "./remote-tree.ts";
import type { DryRunRecord, ItemRecord } from "./report.ts";

/** A local file to upload to `bucket`/`key`. */
export interface UploadAction {
  readonly kind: "upload";
  readonly file: LocalFile;
  readonly bucket: string;
  readonly key: string;
  /** mv: remove the file once the object is stored. */
  readonly move?: boolean | undefined;
  /** sync --checksum: the object there now; sent only when the file's content differs. */
  readonly unlessSameAs?: RemoteObject | undefined;
}

/** An object to save below the directory `root`, at its relative path. */
export interface DownloadAction {
  readonly kind: "download";
  readonly object: RemoteObject;
  readonly root: string;
  /** mv: delete the object once the file is saved. */
  readonly move?: boolean | undefined;
  /** sync --checksum: sent only when the file there holds something else. */
  readonly unlessSame?: boolean | undefined;
}

/** A server-side copy of an object to `bucket`/`key`. */
export interface CopyAction {
  readonly kind: "copy";
  readonly object: RemoteObject;
  readonly bucket: string;
  readonly key: string;
  readonly move?: boolean | undefined;
}

export interface DeleteAction {
  readonly kind: "delete";
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
}

export interface DeleteLocalAction {
  readonly kind: "delete-local";
  readonly path: string;
  readonly size: number;
}

/** An item whose outcome is known without doing anything (unchanged, a link not followed, ...). */
export interface NoteAction {
  readonly kind: "note";
  readonly record: ItemRecord;
  /** Counted and in --json, but no human line and nothing in a dry run (sync's unchanged items). */
  readonly quiet?: boolean | undefined;
}

export type Action =
  | UploadAction
  | DownloadAction
  | CopyAction
  | DeleteAction
  | DeleteLocalAction
  | NoteAction;

export interface Outcome {
  readonly record: ItemRecord;
  readonly quiet?: boolean | undefined;
}

export interface ActionContext {
  readonly ops: OpsContext;
  readonly signal: AbortSignal;
  readonly settings: UploadSettings;
  readonly progress: BulkProgress;
  /** Registers a temporary download file for removal on a forced exit; returns the remover. */
  readonly onTempFile: (path: string) => () => void;
  /** Bounds the multipart uploads in flight (each holds parts in memory). */
  readonly heavy: Semaphore;
  /** Creates a download's directory, checking it really lies below its destination (no link out). */
  readonly directories: DestinationDirectories;
}

/** Bytes an action moves (for progress totals). */
export function actionBytes(a: Action): number {
  switch (a.kind) {
    case "upload":
      return a.file.size;
    case "download":
    case "copy":
      return a.object.size;
    default:
      return 0;
  }
}

/** The op name of an action's record. */
function opOf(a: Exclude<Action, NoteAction>): string {
  if (a.kind === "delete" || a.kind === "delete-local") return "delete";
  return a.move === true ? "move" : a.kind;
}

export function s3Location(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Source and destination as a record names them. */
function ends(a: Exclude<Action, NoteAction>): { source: string; dest: string | null; size: number } {
  switch (a.kind) {
    case "upload":
      return { source: a.file.path, dest: s3Location(a.bucket, a.key), size: a.file.size };
    case "download": {
      let dest: string;
      try {
        dest = localPathFor(a.root, a.object.relative, a.object.key);
      } catch {
        dest = `${a.root}/${a.object.relative}`;
      }
      return { source: s3Location(a.object.bucket, a.object.key), dest, size: a.object.size };
    }
    case "copy":
      return {
        source: s3Location(a.object.bucket, a.object.key),
        dest: s3Location(a.bucket, a.key),
        size: a.object.size,
      };
    case "delete":
      return { source: s3Location(a.bucket, a.key), dest: null, size: a.size };
    case "delete-local":
      return { source: a.path, dest: null, size: a.size };
  }
}

export async function execute(a: Action, c: ActionContext): Promise<Outcome> {
  if (a.kind === "note") return { record: a.record, quiet: a.quiet };
  const base = { op: opOf(a), ...ends(a) };
  try {
    const skipped = await carryOut(a, c);
    if (skipped !== undefined)
      return { record: { ...base, status: "skipped", message: skipped.why }, quiet: skipped.quiet };
    return { record: { ...base, status: "done" } };
  } catch (e) {
    return { record: { ...base, ...failure(e) } };
  }
}

/** The status, code and words of an item that did not get done. */
export function failure(e: unknown): { status: "refused" | "failed"; error: string; message: string } {
  const err =
    e instanceof S3ToolError
      ? e
      : new S3ToolError(
          "InternalError",
          `unexpected failure: ${(e as Error | undefined)?.message ?? String(e)}`,
        );
  return {
    status: err instanceof PolicyRefusal ? "refused" : "failed",
    error: err.code,
    message: err.message,
  };
}

type Skip = { why: string; quiet: boolean } | undefined;

async function carryOut(a: Exclude<Action, NoteAction>, c: ActionContext): Promise<Skip> {
  switch (a.kind) {
    case "upload":
      return upload(a, c);
    case "download":
      return download(a, c);
    case "copy":
      return copy(a, c);
    case "delete":
      await deleteObject(c.ops, { bucket: a.bucket, key: a.key, signal: c.signal }, "s3_delete_object");
      return undefined;
    case "delete-local":
      await removeFile(a.path);
      return undefined;
  }
}

const UNCHANGED: Skip = { why: "unchanged (same content)", quiet: true };

async function upload(a: UploadAction, c: ActionContext): Promise<Skip> {
  const { file } = a;
  if (a.unlessSameAs !== undefined && (await fileMatchesEtag(file.path, file.size, a.unlessSameAs.etag))) {
    return UNCHANGED;
  }
  const threshold = c.settings.multipartThreshold ?? MULTIPART_THRESHOLD;
  const release = file.size > threshold ? await c.heavy.acquire() : undefined;
  try {
    let sent = 0;
    await putObject(
      c.ops,
      {
        bucket: a.bucket,
        key: a.key,
        body: lazyFile(file.path, file.size),
        size: file.size,
        reopen: () => lazyFile(file.path, file.size),
        multipart_threshold: c.settings.multipartThreshold,
        content_type: c.settings.contentType ?? guessContentType(a.key),
        metadata: c.settings.metadata,
        signal: c.signal,
        onProgress: (n) => {
          // A retried attempt starts again from 0.
          c.progress.moved(Math.max(0, n - sent));
          sent = Math.max(sent, n);
        },
      },
      "s3_put_object",
    );
  } finally {
    release?.();
  }
  if (a.move === true) {
    try {
      await removeFile(file.path);
    } catch (e) {
      throw sourceKept(e);
    }
  }
  return undefined;
}

async function download(a: DownloadAction, c: ActionContext): Promise<Skip> {
  const { object } = a;
  if (object.key.endsWith("/") && object.size === 0) {
    return { why: "a folder marker (its key ends in /): nothing to save", quiet: false };
  }
  const path = localPathFor(a.root, object.relative, object.key);
  if (a.unlessSame === true && (await sameLocalFile(path, object))) return UNCHANGED;
  await c.directories.ensure(a.root, dirname(path));
  let got = 0;
  await downloadToFile(
    c.ops,
    {
      bucket: object.bucket,
      key: object.key,
      path,
      listed: { size: object.size, etag: object.etag, last_modified: object.last_modified },
      signal: c.signal,
      onProgress: (n) => {
        c.progress.moved(Math.max(0, n - got));
        got = Math.max(got, n);
      },
      onTempFile: c.onTempFile,
    },
    "s3_get_object",
  );
  // The object's time on the file: a later sync sees the two as the same (sync-compare.ts).
  if (object.mtimeMs !== null) {
    const when = new Date(object.mtimeMs);
    try {
      // One quick system call; through the thread pool it would cost more than it does.
      utimesSync(path, when, when);
    } catch {
      // The file stays; a later sync sends it again.
    }
  }
  if (a.move === true) await deleteSource(object, c);
  return undefined;
}

async function sameLocalFile(path: string, object: RemoteObject): Promise<boolean> {
  try {
    return await fileMatchesEtag(path, object.size, object.etag);
  } catch {
    return false; // no file there (or unreadable): it is sent
  }
}

async function copy(a: CopyAction, c: ActionContext): Promise<Skip> {
  const { object } = a;
  if (a.move === true && object.bucket === a.bucket && object.key === a.key) {
    throw new S3ToolError(
      "InvalidArgument",
      `${s3Location(a.bucket, a.key)} would be moved onto itself; nothing was changed`,
      "name a different destination",
    );
  }
  await copyObject(
    c.ops,
    {
      source_bucket: object.bucket,
      source_key: object.key,
      dest_bucket: a.bucket,
      dest_key: a.key,
      metadata: c.settings.metadata,
      listed: { size: object.size, etag: object.etag, last_modified: object.last_modified },
      signal: c.signal,
    },
    "s3_copy_object",
  );
  c.progress.moved(object.size);
  if (a.move === true) await deleteSource(object, c);
  return undefined;
}

/** mv's second step, taken only after the copy succeeded; a failure says the copy exists. */
async function deleteSource(object: RemoteObject, c: ActionContext): Promise<void> {
  try {
    await deleteObject(
      c.ops,
      { bucket: object.bucket, key: object.key, signal: c.signal },
      "s3_delete_object",
    );
  } catch (e) {
    throw sourceKept(e);
  }
}

function sourceKept(e: unknown): unknown {
  if (!(e instanceof S3ToolError)) return e;
  const message = `the copy was made but the source was not deleted: ${e.message}`;
  return e instanceof PolicyRefusal
    ? new PolicyRefusal(e.code, message, e.hint)
    : new S3ToolError(e.code, message, e.hint);
}

async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    throw localFileError(e, path, "remove");
  }
}

/**
 * --dry-run: the gate's decision on exactly the specs the operations would run under, without a
 * request and without an audit line. Undefined for an item a dry run does not show.
 */
export function preview(a: Action, ops: OpsContext, settings: UploadSettings): DryRunRecord | undefined {
  if (a.kind === "note") return undefined;
  const base = { op: opOf(a), ...ends(a) };
  const specs: OperationSpec[] = [];
  try {
    switch (a.kind) {
      case "upload":
        specs.push(putSpec({ bucket: a.bucket, key: a.key, size: a.file.size }, "s3_put_object"));
        break;
      case "download": {
        localPathFor(a.root, a.object.relative, a.object.key);
        const { bucket, key } = a.object;
        specs.push(downloadSpec({ bucket, key, listed: listedOf(a.object) }, "s3_get_object"));
        if (a.move === true) specs.push(deleteObjectSpec({ bucket, key }, "s3_delete_object"));
        break;
      }
      case "copy": {
        const { bucket, key } = a.object;
        const args = { source_bucket: bucket, source_key: key, dest_bucket: a.bucket, dest_key: a.key };
        specs.push(copySpec({ ...args, metadata: settings.metadata }, "s3_copy_object", a.object.size));
        if (a.move === true) specs.push(deleteObjectSpec({ bucket, key }, "s3_delete_object"));
        break;
      }
      case "delete":
        specs.push(deleteObjectSpec({ bucket: a.bucket, key: a.key }, "s3_delete_object"));
        break;
      case "delete-local":
        break;
    }
  } catch (e) {
    const f = failure(e);
    return { ...base, decision: "deny", error: f.error, message: f.message };
  }
  for (const spec of specs) {
    const d = previewOperation(ops, spec);
    if (!d.allowed) return { ...base, decision: "deny", error: d.code, message: d.message };
  }
  return { ...base, decision: "allow" };
}

function listedOf(o: RemoteObject) {
  return { size: o.size, etag: o.etag, last_modified: o.last_modified };
}

/** A counting semaphore: at most `permits` holders at once. */
export class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(permits: number) {
    this.available = permits;
  }

  async acquire(): Promise<() => void> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.available++;
    };
  }
}
