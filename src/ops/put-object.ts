import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { formatSize } from "../config/values.ts";
import { PolicyRefusal, S3ToolError } from "../errors.ts";
import { toS3ToolError } from "../s3/errors.ts";
import { normalizeEtag } from "../s3/etag.ts";
import { checkMetadata } from "./metadata.ts";
import { uploadInParts } from "./multipart-upload.ts";
import { type Execution, type OperationSpec, type OpsContext, runOperation } from "./run.ts";
import { type ObjectTarget, objectSpec } from "./spec.ts";

/**
 * A body that can also read straight into a buffer it is given (a file, stdin redirected from one):
 * a multipart upload then reads each part into its buffer, allocating nothing per read.
 */
export interface ReadsInto {
  /** Reads the next bytes into `into`, from its start: how many, 0 at the end of the body. */
  readInto(into: Uint8Array): Promise<number>;
  /** Lets go of the source (closes the file). */
  close(): Promise<void>;
}

export interface PutObjectArgs extends ObjectTarget {
  /** The whole body, or a stream of it (one that also `ReadsInto` is read that way for multipart). */
  readonly body: Uint8Array | AsyncIterable<Uint8Array> | (AsyncIterable<Uint8Array> & ReadsInto);
  /** Body size when known in advance (a file): lets the gate refuse before any byte is sent. */
  readonly size?: number | undefined;
  /**
   * Reads the body again from its start (a file). With `size`, a body up to `multipart_threshold`
   * then goes out as one streamed PutObject, re-read for each retry.
   */
  readonly reopen?: (() => AsyncIterable<Uint8Array>) | undefined;
  /** Largest re-readable body sent as one PutObject (default MULTIPART_THRESHOLD). */
  readonly multipart_threshold?: number | undefined;
  readonly content_type?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** Called with the running byte count while a streamed body uploads (progress bars). */
  readonly onProgress?: ((sent: number) => void) | undefined;
}

export interface PutObjectResult {
  bucket: string;
  key: string;
  etag: string | null;
  size: number;
  version_id: string | null;
}

/** Bodies up to this size go in one PutObject; larger or unknown-size bodies stream as multipart. */
const SINGLE_PUT_MAX = 16 * 1024 * 1024;
/** 8 MiB parts (as aws-cli). */
export const PART_SIZE = 8 * 1024 * 1024;
/** S3 allows at most this many parts; a large body of known size gets larger parts. */
const MAX_PARTS = 10_000;
/**
 * Parts in flight, each with its own buffer (as many as rclone's 4 transfers; aws-cli sends 10). Same
 * runs, against 2: put 1 GiB from a file 4.24 -> 3.59 s (86 -> 104 MB peak RSS), from a pipe 4.61 ->
 * 4.34 s (127 -> 139 MB; aws-cli 4.44 s, 150 MB). bench/NOTES.md §8.
 */
export const PART_CONCURRENCY = 4;

/** The part size of a multipart upload of `size` bytes (what its ETag's part count depends on). */
export function uploadPartSize(size: number): number {
  return Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS));
}
/**
 * A file up to this size is sent as one streamed PutObject (rclone's upload cut-off): no parts to
 * assemble, hash or collect, about half the CPU of a multipart upload (bench/NOTES.md). Larger
 * files, and bodies that cannot be read twice (stdin), go as multipart uploads.
 */
export const MULTIPART_THRESHOLD = 200 * 1024 * 1024;
/**
 * A file up to this size is read whole (after the gate allowed the put) and sent as bytes: a stream,
 * its watcher and its own retry loop cost more CPU than such a body, which matters for a tree of
 * thousands of small files (bench/NOTES.md). The same size as the HTTP layer's "small body".
 */
const BUFFERED_PUT_MAX = 64 * 1024;
/** Attempts of a streamed PutObject (the SDK cannot retry a stream; the file is re-read instead). */
const STREAMED_PUT_ATTEMPTS = 3;

export function putObject(
  ctx: OpsContext,
  args: PutObjectArgs,
  tool = "s3_put_object",
): Promise<PutObjectResult> {
  return runOperation(ctx, putSpec(args, tool), async (run) => {
    const metadata = checkMetadata(args.metadata);
    if (args.body instanceof Uint8Array && args.body.byteLength <= SINGLE_PUT_MAX) {
      const bytes = args.body;
      // Progress wanted on more than one part: the body goes out slice by slice, each reported as sent.
      if (args.onProgress !== undefined && bytes.byteLength > PART_SIZE) {
        return streamedPut(run, args, () => slices(bytes), bytes.byteLength, metadata);
      }
      const out = await run.client.send(
        new PutObjectCommand({
          Bucket: args.bucket,
          Key: args.key,
          Body: args.body,
          ContentLength: args.body.byteLength,
          ContentType: args.content_type,
          Metadata: metadata,
        }),
        run.http,
      );
      run.count(args.body.byteLength);
      return result(args, out.ETag, args.body.byteLength, out.VersionId);
    }
    const threshold = args.multipart_threshold ?? MULTIPART_THRESHOLD;
    if (args.reopen !== undefined && args.size !== undefined && args.size <= BUFFERED_PUT_MAX) {
      return bufferedPut(run, args, args.reopen, args.size, metadata);
    }
    if (args.reopen !== undefined && args.size !== undefined && args.size <= threshold) {
      return streamedPut(run, args, args.reopen, args.size, metadata);
    }
    return streamUpload(run, args, metadata);
  });
}

/**
 * What putObject declares to the gate (a dry run previews exactly this): a write of the body's size
 * when known, so an oversized put is refused before anything is read or sent.
 */
export function putSpec(
  args: ObjectTarget & Partial<Pick<PutObjectArgs, "body" | "size">>,
  tool = "s3_put_object",
): OperationSpec {
  return objectSpec(tool, args, "write", args.body instanceof Uint8Array ? args.body.byteLength : args.size);
}

/**
 * One PutObject streaming the body: S3 stores all of it or nothing, so an interrupted or failed
 * attempt leaves no object behind. Failures S3 or the network may not repeat (5xx, resets,
 * timeouts) are retried with a fresh read of the body, as the SDK would for any other request.
 */
async function streamedPut(
  run: Execution,
  args: PutObjectArgs,
  reopen: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  size: number,
  metadata: Record<string, string> | undefined,
): Promise<PutObjectResult> {
  for (let attempt = 1; ; attempt++) {
    const counter = limitedBody(run, args, reopen(), size);
    try {
      const out = await run.client.send(
        new PutObjectCommand({
          Bucket: args.bucket,
          Key: args.key,
          Body: Readable.from(counter.chunks, { objectMode: true }),
          ContentLength: size,
          ContentType: args.content_type,
          Metadata: metadata,
        }),
        run.http,
      );
      run.count(counter.sent());
      return result(args, out.ETag, counter.sent(), out.VersionId);
    } catch (e) {
      const own = findOwnError(e);
      if (own !== undefined) throw own;
      if (attempt >= STREAMED_PUT_ATTEMPTS || run.signal?.aborted || !worthRetrying(e)) throw e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

/** A small re-readable body, read once and sent as bytes (the SDK retries it like any request). */
async function bufferedPut(
  run: Execution,
  args: PutObjectArgs,
  reopen: () => AsyncIterable<Uint8Array>,
  size: number,
  metadata: Record<string, string> | undefined,
): Promise<PutObjectResult> {
  const counter = limitedBody(run, args, reopen(), size);
  const chunks: Uint8Array[] = [];
  for await (const chunk of counter.chunks) chunks.push(chunk);
  const body = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  const out = await run.client.send(
    new PutObjectCommand({
      Bucket: args.bucket,
      Key: args.key,
      Body: body,
      ContentLength: body.byteLength,
      ContentType: args.content_type,
      Metadata: metadata,
    }),
    run.http,
  );
  run.count(body.byteLength);
  return result(args, out.ETag, body.byteLength, out.VersionId);
}

/** Failures another attempt may not meet: throttling, server errors, resets and timeouts. */
function worthRetrying(e: unknown): boolean {
  const code = toS3ToolError(e).code;
  return code === "ServiceUnavailable" || code === "InternalError" || code === "Timeout";
}

/** The body as it is read, counted against the put limit (a file may grow while it is read). */
function limitedBody(
  run: Execution,
  args: PutObjectArgs,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  exactly?: number,
): { chunks: AsyncGenerator<Uint8Array>; sent(): number } {
  const meter = bodyMeter(run, args, exactly);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of untilAborted(source, run.signal)) {
      meter.add(chunk.byteLength);
      yield chunk;
    }
    meter.end();
  }
  return { chunks: chunks(), sent: meter.sent };
}

/** The same, for a body read straight into the part buffers. */
function limitedReader(
  run: Execution,
  args: PutObjectArgs,
  source: ReadsInto,
): ReadsInto & { sent(): number } {
  const meter = bodyMeter(run, args);
  return {
    async readInto(into) {
      if (run.signal?.aborted) throw cancelled();
      const n = await source.readInto(into);
      meter.add(n);
      return n;
    },
    close: () => source.close(),
    sent: meter.sent,
  };
}

/** Counts the bytes read: the put limit, the announced length, progress. */
function bodyMeter(
  run: Execution,
  args: PutObjectArgs,
  exactly?: number,
): { add(n: number): void; end(): void; sent(): number } {
  let sent = 0;
  const limit = run.policy.size_limits ? run.policy.max_put_size : Number.POSITIVE_INFINITY;
  // A body announced with its length must have exactly that many bytes (a file changed while read).
  const changed = () =>
    new S3ToolError(
      "InvalidArgument",
      `the source of s3://${args.bucket}/${args.key} changed size while it was read (${exactly} bytes expected); nothing was stored`,
      "upload the file again once nothing is writing to it",
    );
  return {
    add(n) {
      sent += n;
      if (exactly !== undefined && sent > exactly) throw changed();
      if (sent > limit) {
        throw new PolicyRefusal(
          "EntityTooLarge",
          `write to s3://${args.bucket}/${args.key} exceeds the put limit of ${formatSize(limit)} (${limit} bytes); nothing was stored`,
          "raise MCP_S3_MAX_PUT_SIZE / --max-put-size to allow larger writes",
          "max_put_size",
        );
      }
      args.onProgress?.(sent);
    },
    end() {
      if (exactly !== undefined && sent !== exactly) throw changed();
    },
    sent: () => sent,
  };
}

function readsInto(body: object): body is ReadsInto {
  return typeof (body as Partial<ReadsInto>).readInto === "function";
}

const cancelled = () => Object.assign(new Error("upload cancelled"), { name: "AbortError" });

/**
 * `source` until `signal` fires. A source waiting for input (stdin from an idle pipe) would
 * otherwise hold a cancelled upload for ever: a stream cannot be destroyed, nor a generator
 * returned, while it is waiting, so the multipart upload would never be aborted.
 */
async function* untilAborted<T>(
  source: Iterable<T> | AsyncIterable<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  if (signal === undefined || Symbol.iterator in source) {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await nextOrAbort(it, signal);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    // Not awaited: a source still waiting for input would hold this up too.
    it.return?.()?.catch(() => {});
  }
}

/**
 * One `next()` raced against the signal, with a listener of its own (a race against one promise
 * that lives as long as the upload would keep every chunk it ever resolved with).
 */
function nextOrAbort<T>(it: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => signal.removeEventListener("abort", onAbort);
    it.next().then(
      (r) => {
        settle();
        resolve(r);
      },
      (e: unknown) => {
        settle();
        reject(e);
      },
    );
  });
}

async function streamUpload(
  run: Execution,
  args: PutObjectArgs,
  metadata: Record<string, string> | undefined,
): Promise<PutObjectResult> {
  const source = args.body instanceof Uint8Array ? slices(args.body) : args.body;
  const counter = readsInto(source) ? limitedReader(run, args, source) : limitedBody(run, args, source);
  try {
    const out = await uploadInParts(
      run,
      { bucket: args.bucket, key: args.key, contentType: args.content_type, metadata },
      "chunks" in counter ? counter.chunks : counter,
      {
        partSize: uploadPartSize(args.size ?? 0),
        concurrency: PART_CONCURRENCY,
      },
    );
    run.count(counter.sent());
    return result(args, out.etag, counter.sent(), out.versionId);
  } catch (e) {
    // Prefer the refusal that stopped the stream over the SDK's wrapping of it.
    throw findOwnError(e) ?? e;
  }
}

/** A body in memory as 1 MiB views (no copies), so that its progress can be followed as it is read. */
function* slices(body: Uint8Array): Generator<Uint8Array> {
  const step = 1024 * 1024;
  for (let at = 0; at < body.byteLength; at += step) yield body.subarray(at, at + step);
  if (body.byteLength === 0) yield body;
}

/** A refusal or a changed source raised while the body streamed, however the SDK wrapped it. */
function findOwnError(e: unknown): S3ToolError | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur !== undefined && cur !== null; depth++) {
    if (cur instanceof S3ToolError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function result(
  args: PutObjectArgs,
  etag: string | undefined,
  size: number,
  versionId: string | undefined,
): PutObjectResult {
  // Some S3-compatible servers (Ceph RGW) answer a completed multipart upload with an empty ETag.
  return {
    bucket: args.bucket,
    key: args.key,
    etag: normalizeEtag(etag),
    size,
    version_id: versionId || null,
  };
}
