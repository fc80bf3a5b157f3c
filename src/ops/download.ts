// Downloads an object into a local file: one audited operation (s3_get_object), policy-checked
// against the object's size before any byte is fetched. The bytes go to a temporary file in the
// destination's directory that is renamed over the destination only when complete, so a failed or
// interrupted download never leaves a truncated file under the final name. Large objects are
// fetched as parallel ranged GETs written at their offsets; memory stays constant either way.
import { randomBytes } from "node:crypto";
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { formatSize } from "../config/values.ts";
import { PolicyRefusal, S3ToolError } from "../errors.ts";
import { localFileError } from "../local-errors.ts";
import { discardBody } from "../s3/body.ts";
import { sendGetObject } from "../s3/lean-object.ts";
import { fileLeftBehind } from "./cleanup.ts";
import {
  head,
  type ListedObject,
  metadataFromListing,
  type ObjectMetadata,
  type ObjectRef,
} from "./head-object.ts";
import { type Execution, type OperationSpec, type OpsContext, runOperation } from "./run.ts";
import { objectSpec } from "./spec.ts";

/** Objects at least this large are fetched as parallel ranges. */
export const PARALLEL_THRESHOLD = 64 * 1024 * 1024;
// Ranges of a quarter of the object (one per connection, as rclone splits a multi-thread download),
// at least 64 MiB and at most 256 MiB so that a very large object is still shared out in pieces
// between the connections. On loopback RGW a 1 GiB get took 3.6 s with 16 MiB ranges and 2.8 s with
// 64 MiB at the same peak RSS, and 256 MiB ranges took 0.94x the time and CPU of 64 MiB ones in one
// run (bench/NOTES.md); fewer, longer requests also mean fewer round trips on real S3.
export const RANGE_SIZE = 64 * 1024 * 1024;
export const MAX_RANGE_SIZE = 256 * 1024 * 1024;
export const RANGE_CONCURRENCY = 4;
/**
 * Objects up to this size are received into memory and written (temporary file, rename) with
 * synchronous calls: each asynchronous file call is a round trip through the I/O thread pool, and
 * for a tree of thousands of small objects those round trips cost more CPU than the HTTP request
 * (bench/NOTES.md). Nothing can interrupt the synchronous write, so no temporary file is left.
 */
const SMALL_OBJECT_MAX = 64 * 1024;

export interface DownloadArgs extends ObjectRef {
  /** The final file. Its directory must exist; an existing file is replaced when the download completes. */
  readonly path: string;
  /**
   * What a listing said about the object (bulk downloads). The HEAD is then skipped: the gate judges
   * the listed size up front, and every GET requires the listed ETag (If-Match), so an object
   * replaced since the listing fails instead of arriving mixed or larger than was allowed.
   */
  readonly listed?: ListedObject | undefined;
  /** Called once the object's size is known (after the HEAD). */
  readonly onStart?: ((total: number) => void) | undefined;
  /** Called with the running byte count. */
  readonly onProgress?: ((done: number) => void) | undefined;
  /**
   * Told the temporary file's path as soon as it exists; returns a remover called when it is gone.
   * Lets a caller delete it synchronously if the process is forced to exit mid-download.
   */
  readonly onTempFile?: ((path: string) => () => void) | undefined;
  readonly parallelThreshold?: number | undefined;
  readonly rangeSize?: number | undefined;
  readonly concurrency?: number | undefined;
}

export interface DownloadResult extends Omit<ObjectMetadata, "content_length"> {
  /** The file written. */
  file: string;
  /** Bytes written (the object's size). */
  bytes: number;
  /** Number of ranged requests (1 for a single GET). */
  requests: number;
}

export function downloadToFile(
  ctx: OpsContext,
  args: DownloadArgs,
  tool = "s3_get_object",
): Promise<DownloadResult> {
  return runOperation(ctx, downloadSpec(args, tool), async (run) => {
    const meta =
      args.listed === undefined
        ? await head(run, args.bucket, args.key)
        : metadataFromListing(args.bucket, args.key, args.listed);
    // The whole object is read, whatever the request split: the get limit applies to its size.
    run.authorize([{ access: "read", bucket: args.bucket, key: args.key, size: meta.size }]);
    args.onStart?.(meta.size);
    const written =
      meta.size <= SMALL_OBJECT_MAX
        ? await smallIntoFile(run, args, meta)
        : await intoTempFile(run, args, meta.size, (fh) => fetchInto(run, args, meta, fh));
    run.count(meta.size);
    const { content_length: _, ...rest } = meta;
    return { ...rest, file: args.path, bytes: meta.size, requests: written };
  });
}

/**
 * What downloadToFile declares to the gate (a dry run previews exactly this): a read, of the listed
 * size when the caller knows it (otherwise the size from the HEAD is judged before any byte moves).
 */
export function downloadSpec(
  args: ObjectRef & { readonly listed?: ListedObject | undefined },
  tool = "s3_get_object",
): OperationSpec {
  return objectSpec(tool, args, "read", args.listed?.size);
}

/** A small object: fetched into memory, then written beside the destination and renamed into place. */
async function smallIntoFile(run: Execution, args: DownloadArgs, meta: ObjectMetadata): Promise<number> {
  const bytes = new Uint8Array(meta.size);
  let done = 0;
  await fetchRange(
    run,
    args,
    meta,
    (chunk, at) => {
      bytes.set(chunk, at);
    },
    undefined,
    args.signal ?? new AbortController().signal,
    (n) => {
      done += n;
      args.onProgress?.(done);
    },
  );
  const tmp = tempPath(args.path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", 0o666);
  } catch (e) {
    throw localError(e, dirname(args.path));
  }
  let saved = false;
  try {
    for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, args.path);
    saved = true;
    return 1;
  } catch (e) {
    throw localError(e, args.path);
  } finally {
    if (fd !== undefined) closeQuietly(fd);
    if (!saved) unlinkQuietly(tmp);
  }
}

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.mcp-s3-part`);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Runs `fill` against a fresh temporary file beside the destination, then renames it into place. */
async function intoTempFile<T>(
  run: Execution,
  args: DownloadArgs,
  size: number,
  fill: (fh: FileHandle) => Promise<T>,
): Promise<T> {
  const tmp = tempPath(args.path);
  let fh: FileHandle;
  try {
    fh = await open(tmp, "wx", 0o666);
  } catch (e) {
    throw localError(e, dirname(args.path));
  }
  const forget = args.onTempFile?.(tmp);
  let done = false;
  try {
    const result = await fill(fh);
    // The file must hold exactly the object before it takes the final name.
    const onDisk = (await fh.stat()).size;
    if (onDisk !== size) {
      throw new S3ToolError(
        "InternalError",
        `the temporary file for ${args.path} holds ${onDisk} bytes, not ${size}; nothing was saved`,
        "check the disk and try again",
      );
    }
    await fh.close();
    try {
      await rename(tmp, args.path);
    } catch (e) {
      throw localError(e, args.path);
    }
    done = true;
    return result;
  } finally {
    if (!done) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch((e: NodeJS.ErrnoException) => {
        // Gone already (a forced exit's clean-up got there first) is fine; anything else is said.
        if (e.code !== "ENOENT") run.cleanupFailed(fileLeftBehind(tmp, e));
      });
    }
    forget?.();
  }
}

async function fetchInto(
  run: Execution,
  args: DownloadArgs,
  meta: ObjectMetadata,
  fh: FileHandle,
): Promise<number> {
  const threshold = args.parallelThreshold ?? PARALLEL_THRESHOLD;
  const concurrency = args.concurrency ?? RANGE_CONCURRENCY;
  const rangeSize = Math.max(
    1,
    args.rangeSize ?? Math.min(MAX_RANGE_SIZE, Math.max(RANGE_SIZE, Math.ceil(meta.size / concurrency))),
  );
  const ranges: [number, number][] = [];
  if (meta.size >= threshold && meta.size > rangeSize) {
    for (let start = 0; start < meta.size; start += rangeSize) {
      ranges.push([start, Math.min(meta.size, start + rangeSize) - 1]);
    }
  }

  // One failure stops every other request at once.
  const stop = new AbortController();
  const onAbort = () => stop.abort(args.signal?.reason);
  if (args.signal?.aborted) onAbort();
  args.signal?.addEventListener("abort", onAbort, { once: true });
  let done = 0;
  const progress = (n: number) => {
    done += n;
    args.onProgress?.(done);
  };
  try {
    if (ranges.length === 0) {
      await fetchRange(run, args, meta, toFile(fh), undefined, stop.signal, progress);
      return 1;
    }
    let next = 0;
    const worker = async () => {
      while (next < ranges.length && !stop.signal.aborted) {
        const range = ranges[next++] as [number, number];
        await fetchRange(run, args, meta, toFile(fh), range, stop.signal, progress);
      }
    };
    const workers = Array.from({ length: Math.min(concurrency, ranges.length) }, () =>
      worker().catch((e) => {
        stop.abort(e);
        throw e;
      }),
    );
    const results = await Promise.allSettled(workers);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    // The first failure stopped the others: theirs are aborts (they would read as Cancelled).
    if (failed !== undefined) {
      throw args.signal?.aborted
        ? args.signal.reason
        : stop.signal.aborted
          ? stop.signal.reason
          : failed.reason;
    }
    return ranges.length;
  } finally {
    args.signal?.removeEventListener("abort", onAbort);
  }
}

/** Where fetched bytes go: written at `position` (the offset in the object). */
type ByteWriter = (chunk: Uint8Array, position: number) => void;

/**
 * Synchronous positioned writes: a network chunk is 64 KiB and the page cache takes it at once; an
 * awaited write per chunk cost a thread hand-off each (get 1 GiB: 1.34 -> 1.05 s CPU, bench/NOTES.md).
 */
function toFile(fh: FileHandle): ByteWriter {
  return (chunk, position) => {
    let off = 0;
    while (off < chunk.byteLength) {
      off += writeSync(fh.fd, chunk, off, chunk.byteLength - off, position + off);
    }
  };
}

/** GETs one range (or the whole object) of the version the HEAD saw and writes it at its offset. */
async function fetchRange(
  run: Execution,
  args: DownloadArgs,
  meta: ObjectMetadata,
  write: ByteWriter,
  range: [number, number] | undefined,
  signal: AbortSignal,
  progress: (n: number) => void,
): Promise<void> {
  const start = range?.[0] ?? 0;
  const expected = range === undefined ? meta.size : range[1] - range[0] + 1;
  const input = {
    Bucket: args.bucket,
    Key: args.key,
    Range: range === undefined ? undefined : `bytes=${range[0]}-${range[1]}`,
    // Every request reads the version the HEAD described; a replaced object fails the download.
    IfMatch: meta.etag ?? undefined,
  };
  let out: Pick<GetObjectCommandOutput, "Body" | "ContentLength">;
  try {
    // Without the SDK's per-request middleware when the answer is a plain success (s3/lean-object.ts).
    out = await sendGetObject(run.client, input, signal);
  } catch (e) {
    throw changedDuringDownload(e, args) ?? e;
  }
  const body = out.Body as AsyncIterable<Uint8Array> | undefined;
  const limit = run.policy.size_limits ? run.policy.max_get_size : Number.POSITIVE_INFINITY;
  let received = 0;
  try {
    if (body !== undefined) {
      for await (const chunk of body) {
        if (signal.aborted) throw signal.reason;
        if (received + chunk.byteLength > expected) {
          // More than the HEAD said: cut off, never written whole (an object that grew is refused).
          if (start + received + chunk.byteLength > limit) {
            throw new PolicyRefusal(
              "EntityTooLarge",
              `read of s3://${args.bucket}/${args.key} exceeds the get limit of ${formatSize(limit)} (${limit} bytes)`,
              "raise MCP_S3_MAX_GET_SIZE / --max-get-size",
              "max_get_size",
            );
          }
          throw shortOrLong(args, start + received + chunk.byteLength, meta.size);
        }
        write(chunk, start + received);
        received += chunk.byteLength;
        progress(chunk.byteLength);
      }
    }
  } catch (e) {
    discardBody(body);
    throw localError(e, args.path);
  }
  if (received !== expected) throw shortOrLong(args, start + received, meta.size);
}

function shortOrLong(args: DownloadArgs, got: number, size: number): S3ToolError {
  return new S3ToolError(
    "ServiceUnavailable",
    `the download of s3://${args.bucket}/${args.key} ${got < size ? "ended early" : "returned more bytes than the object has"} (${got} of ${size} bytes); nothing was saved`,
    "the connection was interrupted or the object changed; try again",
  );
}

function changedDuringDownload(e: unknown, args: DownloadArgs): S3ToolError | undefined {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (err?.name !== "PreconditionFailed" && err?.$metadata?.httpStatusCode !== 412) return undefined;
  return new S3ToolError(
    "ServiceUnavailable",
    `s3://${args.bucket}/${args.key} was replaced during the download; nothing was saved`,
    "try again",
  );
}

/** Local file system failures, as typed errors naming the file: a missing directory is the caller's mistake. */
function localError(e: unknown, path: string): unknown {
  return localFileError(e, path, "write", "the destination directory must exist");
}
