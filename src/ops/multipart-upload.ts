// A streamed body of unknown or large size uploaded as a multipart upload, each part read into one
// of a few buffers that are reused from part to part (one per part in flight).
//
// Why not @aws-sdk/lib-storage: it assembles every part by concatenating the body's chunks into a
// fresh buffer, so a 1 GiB upload allocated 2 GiB (the chunks and the parts); the parts live long
// enough to need full collections, and under the CLI's memory governor a 1 GiB put spent 45 % of its
// CPU collecting (bench/NOTES.md §8). Reused buffers: constant memory, nothing to collect.
//
// Same behaviour as before: a body that fits in one part goes as one PutObject; the parts are sent
// `concurrency` at a time, each retried by the SDK; on any failure, a refusal while reading the body
// or a cancellation, the parts in flight are cancelled and the multipart upload is aborted, so no
// object and no parts remain (an abort that fails is reported beside the failure).
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { S3ToolError } from "../errors.ts";
import { uploadLeftBehind } from "./cleanup.ts";
import type { ReadsInto } from "./put-object.ts";
import type { Execution } from "./run.ts";

export interface PartsTarget {
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string | undefined;
  readonly metadata?: Record<string, string> | undefined;
}

export interface PartsPlan {
  /** Bytes per part (every part but the last). */
  readonly partSize: number;
  /** Parts in flight (and part buffers held). */
  readonly concurrency: number;
}

export interface Uploaded {
  readonly etag: string | undefined;
  readonly versionId: string | undefined;
}

export async function uploadInParts(
  run: Execution,
  target: PartsTarget,
  body: AsyncIterable<Uint8Array> | ReadsInto,
  plan: PartsPlan,
): Promise<Uploaded> {
  const reader = new PartReader("readInto" in body ? body : body[Symbol.asyncIterator](), plan.partSize);
  try {
    const first = await reader.next(bufferOf(plan.partSize));
    if (await reader.atEnd()) return await putWhole(run, target, first?.bytes ?? new Uint8Array());
    return await multipart(run, target, reader, first as Part, plan);
  } finally {
    reader.close();
  }
}

/** A body that fits in one part: one PutObject, as lib-storage did. */
async function putWhole(run: Execution, target: PartsTarget, bytes: Uint8Array): Promise<Uploaded> {
  const out = await run.client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ContentType: target.contentType,
      Metadata: target.metadata,
    }),
    run.http,
  );
  return { etag: out.ETag, versionId: out.VersionId };
}

async function multipart(
  run: Execution,
  target: PartsTarget,
  reader: PartReader,
  first: Part,
  plan: PartsPlan,
): Promise<Uploaded> {
  const { bucket: Bucket, key: Key } = target;
  const created = await run.client.send(
    new CreateMultipartUploadCommand({
      Bucket,
      Key,
      ContentType: target.contentType,
      Metadata: target.metadata,
    }),
    run.http,
  );
  const UploadId = created.UploadId;
  // Cancels the parts in flight: on the caller's signal, or once one part has failed.
  const inFlight = new AbortController();
  const onAbort = () => inFlight.abort(run.signal?.reason);
  if (run.signal?.aborted) onAbort();
  else run.signal?.addEventListener("abort", onAbort, { once: true });
  const done: CompletedPart[] = [];
  const failures: unknown[] = [];
  const send = async (part: Part) => {
    const out = await run.client.send(
      new UploadPartCommand({
        Bucket,
        Key,
        UploadId,
        PartNumber: part.number,
        Body: part.bytes,
        ContentLength: part.bytes.byteLength,
      }),
      { abortSignal: inFlight.signal },
    );
    done.push({ PartNumber: part.number, ETag: out.ETag });
  };
  // Each worker owns one buffer and refills it only once its part is stored (the SDK may send a
  // part's bytes again on a retry until then).
  const worker = async (buffer: () => Uint8Array, initial?: Part) => {
    try {
      let part = initial ?? (await reader.next(buffer));
      while (part !== undefined && failures.length === 0 && !inFlight.signal.aborted) {
        await send(part);
        part = failures.length === 0 ? await reader.next(buffer) : undefined;
      }
    } catch (e) {
      failures.push(e);
      inFlight.abort(e);
      reader.close();
    }
  };
  try {
    await Promise.all([
      worker(first.buffer, first),
      ...Array.from({ length: plan.concurrency - 1 }, () => worker(bufferOf(plan.partSize))),
    ]);
    if (failures.length === 0 && run.signal?.aborted) failures.push(run.signal.reason);
    if (failures.length > 0) throw firstFailure(failures);
    done.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const out = await run.client.send(
      new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: done } }),
      run.http,
    );
    return { etag: out.ETag, versionId: out.VersionId };
  } catch (e) {
    // The clean-up must go out even after a cancellation: no signal on it.
    await run.client
      .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
      .catch((abortError: unknown) => run.cleanupFailed(uploadLeftBehind(Bucket, Key, UploadId, abortError)));
    throw e;
  } finally {
    run.signal?.removeEventListener("abort", onAbort);
  }
}

/** A refusal or a changed source raised while reading the body wins over what it caused. */
function firstFailure(failures: readonly unknown[]): unknown {
  return failures.find((f) => f instanceof S3ToolError) ?? failures[0];
}

export interface Part {
  readonly number: number;
  readonly bytes: Uint8Array;
  /** The buffer of the worker that read this part, for its next part. */
  readonly buffer: () => Uint8Array;
}

/** One part buffer, allocated when first needed (a body given as one large buffer needs none). */
export function bufferOf(size: number): () => Uint8Array {
  let buffer: Uint8Array | undefined;
  return () => {
    buffer ??= new Uint8Array(size);
    return buffer;
  };
}

/**
 * Cuts the body into parts of exactly `partSize` bytes (the last one shorter), in order, one read at
 * a time. A body that `ReadsInto` is read straight into the caller's buffer. Of a stream of chunks,
 * a chunk that holds a whole part from where the reading stands is handed out as a view (a body
 * given as one large buffer is never copied); otherwise the chunks are copied into the buffer.
 */
export class PartReader {
  #rest: Uint8Array = new Uint8Array();
  #ended = false;
  #closed = false;
  #numbered = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: AsyncIterator<Uint8Array> | ReadsInto,
    private readonly partSize: number,
  ) {}

  /** The next part, read into `buffer` unless a view will do, or undefined at the end. */
  next(buffer: () => Uint8Array): Promise<Part | undefined> {
    const turn = this.#queue.then(() =>
      "readInto" in this.source ? this.#readInto(this.source, buffer) : this.#read(buffer),
    );
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** True when the body has no byte left (reads ahead to know: a chunk, or one byte). */
  async atEnd(): Promise<boolean> {
    await this.#queue;
    if (this.#rest.byteLength > 0) return false;
    if (!("readInto" in this.source)) return !(await this.#pull());
    if (this.#ended) return true;
    const one = new Uint8Array(1);
    if ((await this.source.readInto(one)) === 0) this.#ended = true;
    else this.#rest = one;
    return this.#ended;
  }

  /** Lets go of the body (a file's descriptor, stdin). Not awaited: a source waiting for input would hold it up. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if ("readInto" in this.source) this.source.close().catch(() => {});
    else this.source.return?.()?.catch(() => {});
  }

  async #readInto(source: ReadsInto, buffer: () => Uint8Array): Promise<Part | undefined> {
    const into = buffer();
    // What atEnd read ahead comes first.
    into.set(this.#rest);
    let filled = this.#rest.byteLength;
    this.#rest = new Uint8Array();
    while (filled < this.partSize && !this.#ended && !this.#closed) {
      const n = await source.readInto(into.subarray(filled, this.partSize));
      if (n === 0) this.#ended = true;
      filled += n;
    }
    if (filled === 0) return undefined;
    return { number: ++this.#numbered, bytes: into.subarray(0, filled), buffer };
  }

  async #read(buffer: () => Uint8Array): Promise<Part | undefined> {
    if (this.#rest.byteLength === 0 && !(await this.#pull())) return undefined;
    if (this.#rest.byteLength >= this.partSize) {
      const bytes = this.#rest.subarray(0, this.partSize);
      this.#rest = this.#rest.subarray(this.partSize);
      return { number: ++this.#numbered, bytes, buffer };
    }
    const into = buffer();
    let filled = 0;
    while (filled < this.partSize) {
      if (this.#rest.byteLength === 0 && !(await this.#pull())) break;
      const take = Math.min(this.#rest.byteLength, this.partSize - filled);
      into.set(this.#rest.subarray(0, take), filled);
      this.#rest = this.#rest.subarray(take);
      filled += take;
    }
    return { number: ++this.#numbered, bytes: into.subarray(0, filled), buffer };
  }

  /** Takes the next non-empty chunk into `#rest`; false at the end of the body. */
  async #pull(): Promise<boolean> {
    if ("readInto" in this.source) return false;
    while (!this.#ended && !this.#closed) {
      const next = await this.source.next();
      if (next.done === true) this.#ended = true;
      else if (next.value.byteLength > 0) {
        this.#rest = next.value;
        return true;
      }
    }
    return false;
  }
}
