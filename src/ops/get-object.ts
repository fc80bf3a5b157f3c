import { formatSize } from "../config/values.ts";
import { PolicyRefusal, S3ToolError } from "../errors.ts";
import { type BodyCopier, discardBody, handOverOf } from "../s3/body.ts";
import { normalizeEtag } from "../s3/etag.ts";
import { sendGetObject } from "../s3/lean-object.ts";
import { head, type ObjectMetadata, type ObjectRef } from "./head-object.ts";
import { type Execution, invalidArgument, type OpsContext, runOperation } from "./run.ts";
import { objectSpec } from "./spec.ts";

export interface GetObjectArgs extends ObjectRef {
  /** First byte to read (default 0). */
  readonly offset?: number | undefined;
  /** Bytes to read from offset (default: to the end). */
  readonly length?: number | undefined;
  /** Called with the bytes received so far and the bytes expected, as the body streams in. */
  readonly onProgress?: ((received: number, expected: number) => void) | undefined;
  /**
   * Called with the number of body bytes about to be downloaded, and awaited, before any of them is:
   * before the GET is sent when a HEAD gave the size (size limits on), else once the response head
   * does. A caller that holds bodies in memory reserves room here (src/mcp/read-budget.ts); a
   * rejection fails the read before its body is downloaded.
   */
  readonly admit?: ((bytes: number) => Promise<void>) | undefined;
  /**
   * Takes the whole body in one native copy when the request handler can hand it over (s3/body.ts)
   * and the response says its length; `sink` gets the bytes otherwise. Not used with onProgress.
   */
  readonly copier?: BodyCopier | undefined;
}

/** Receives the body chunk by chunk; back-pressure comes from awaiting it. */
export type ByteSink = (chunk: Uint8Array) => void | Promise<void>;

export interface GetObjectResult extends Omit<ObjectMetadata, "content_length"> {
  /** Total size of the object. */
  size: number;
  /** First byte returned and number of bytes returned. */
  offset: number;
  bytes: number;
  /** True when the bytes returned are not the whole object (a ranged read). */
  truncated: boolean;
}

/**
 * Streams an object (or a byte range of it) into `sink`. The get limit is checked against the HEAD
 * before any byte is downloaded, and again while streaming: an object that grew after the HEAD is cut
 * off with EntityTooLarge, never delivered whole.
 */
export function getObject(
  ctx: OpsContext,
  args: GetObjectArgs,
  sink: ByteSink,
  tool = "s3_get_object",
): Promise<GetObjectResult> {
  return runOperation(ctx, objectSpec(tool, args, "read"), (run) => streamObject(run, args, sink));
}

async function streamObject(run: Execution, args: GetObjectArgs, sink: ByteSink): Promise<GetObjectResult> {
  const offset = args.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw invalidArgument("offset must be a non-negative integer");
  if (args.length !== undefined && (!Number.isSafeInteger(args.length) || args.length < 0)) {
    throw invalidArgument("length must be a non-negative integer");
  }
  const limited = run.policy.size_limits;
  const limit = run.policy.max_get_size;

  // Under a limit the size is learnt (and judged) before any byte of the body is requested.
  const headed = limited ? await head(run, args.bucket, args.key) : undefined;
  const total = headed?.size;
  if (total !== undefined) {
    run.authorize([
      { access: "read", bucket: args.bucket, key: args.key, size: rangeLength(offset, args.length, total) },
    ]);
  }
  if (total !== undefined && offset > 0 && offset >= total) {
    throw invalidArgument(`offset ${offset} is at or beyond the end of the object (${total} bytes)`);
  }

  const ranged = offset > 0 || args.length !== undefined;
  // Under a limit, a read to the end asks for at most limit + 1 bytes: if the object grew after the
  // HEAD, S3 never sends more than that before we see it and refuse (a Range on an empty object is a
  // 416, so only for non-empty ones).
  const capped = limited && args.length === undefined && (total ?? 0) > 0;
  const range = capped
    ? `bytes=${offset}-${offset + limit}`
    : ranged
      ? `bytes=${offset}-${args.length === undefined ? "" : offset + Math.max(args.length, 1) - 1}`
      : undefined;
  if (args.length === 0) {
    // A zero-length read needs no body; report what a HEAD says.
    const meta = headed ?? (await head(run, args.bucket, args.key));
    return { ...withoutLength(meta), offset, bytes: 0, truncated: meta.size > 0 };
  }
  if (total !== undefined) await args.admit?.(rangeLength(offset, args.length, total));
  // Without the SDK's per-request middleware when the answer is a plain success (s3/lean-object.ts).
  const out = await sendGetObject(
    run.client,
    { Bucket: args.bucket, Key: args.key, Range: range },
    run.http.abortSignal,
  );
  const body = out.Body as AsyncIterable<Uint8Array> | undefined;
  const expected = out.ContentLength ?? 0;
  const size = sizeFromContentRange(out.ContentRange) ?? expected;
  const tooLarge = (n: number) =>
    new PolicyRefusal(
      "EntityTooLarge",
      `read of s3://${args.bucket}/${args.key} exceeds the get limit of ${formatSize(limit)} (${limit} bytes): ${n} bytes`,
      "read a smaller range (offset/length, or --range), or raise MCP_S3_MAX_GET_SIZE / --max-get-size",
      "max_get_size",
    );
  if (limited && expected > limit) {
    discardBody(body);
    throw tooLarge(expected);
  }
  if (total === undefined && args.admit !== undefined) {
    try {
      await args.admit(expected);
    } catch (e) {
      discardBody(body);
      throw e;
    }
  }

  let received = 0;
  // The response's length is framed by HTTP and judged above, so a native copy cannot take more.
  const handOver =
    args.copier !== undefined && args.onProgress === undefined && out.ContentLength !== undefined
      ? handOverOf(body)
      : undefined;
  try {
    if (handOver !== undefined && args.copier !== undefined) received = await handOver(args.copier);
    else if (body !== undefined) {
      for await (const chunk of body) {
        received += chunk.byteLength;
        if (limited && received > limit) throw tooLarge(received);
        await sink(chunk);
        args.onProgress?.(received, expected);
      }
    }
  } catch (e) {
    discardBody(body);
    throw e;
  }
  run.count(received);
  if (received !== expected) {
    // A connection that closed early must never look like a whole (shorter) object.
    throw new S3ToolError(
      "ServiceUnavailable",
      `the download of s3://${args.bucket}/${args.key} ended after ${received} of ${expected} bytes`,
      "the connection to S3 was interrupted; try again",
    );
  }
  return {
    bucket: args.bucket,
    key: args.key,
    content_type: out.ContentType ?? null,
    size,
    last_modified: out.LastModified?.toISOString() ?? null,
    etag: normalizeEtag(out.ETag),
    metadata: { ...(out.Metadata ?? {}) },
    offset,
    bytes: received,
    truncated: received < size,
  };
}

function withoutLength(meta: ObjectMetadata): Omit<ObjectMetadata, "content_length"> {
  const { content_length: _, ...rest } = meta;
  return rest;
}

function rangeLength(offset: number, length: number | undefined, total: number): number {
  const end = length === undefined ? total : Math.min(total, offset + length);
  return Math.max(0, end - offset);
}

function sizeFromContentRange(header: string | undefined): number | undefined {
  const m = header === undefined ? null : /\/(\d+)$/.exec(header);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
