import { HeadBucketCommand, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { toS3ToolError } from "../s3/errors.ts";
import { normalizeEtag } from "../s3/etag.ts";
import { sendHeadObject } from "../s3/lean-object.ts";
import type { Execution, OpsContext } from "./run.ts";
import { runOperation } from "./run.ts";
import { type ObjectTarget, objectSpec } from "./spec.ts";

/** One object, the connection it is on and the signal that cancels the operation on it. */
export type ObjectRef = ObjectTarget;

/** What a listing says about an object: enough to transfer it without a HEAD. */
export interface ListedObject {
  readonly size: number;
  readonly etag: string | null;
  readonly last_modified: string | null;
}

export interface ObjectMetadata {
  bucket: string;
  key: string;
  content_type: string | null;
  content_length: number;
  size: number;
  last_modified: string | null;
  etag: string | null;
  metadata: Record<string, string>;
}

/**
 * What a listing already told about an object, as a HEAD would report it (no content type or user
 * metadata: a listing has none). Saves a request per object in bulk commands.
 */
export function metadataFromListing(bucket: string, key: string, listed: ListedObject): ObjectMetadata {
  return {
    bucket,
    key,
    content_type: null,
    content_length: listed.size,
    size: listed.size,
    last_modified: listed.last_modified,
    etag: listed.etag,
    metadata: {},
  };
}

export function headObject(
  ctx: OpsContext,
  args: ObjectRef,
  tool = "s3_get_object_metadata",
): Promise<ObjectMetadata> {
  return runOperation(ctx, objectSpec(tool, args, "read"), (run) => head(run, args.bucket, args.key));
}

/** A HEAD inside an operation that has already been authorized for reading this key. */
export async function head(run: Execution, bucket: string, key: string): Promise<ObjectMetadata> {
  try {
    // Without the SDK's per-request middleware when the answer is a plain success (s3/lean-object.ts).
    const out = await sendHeadObject(run.client, { Bucket: bucket, Key: key }, run.http.abortSignal);
    return metadataOf(bucket, key, out);
  } catch (e) {
    throw await explainNotFound(run, bucket, e);
  }
}

/**
 * HEAD answers 404 without a body, so a missing bucket looks like a missing key. Only on that path,
 * ask the bucket itself: NoSuchBucket when it is the bucket that is missing, else the original error.
 */
async function explainNotFound(run: Execution, bucket: string, e: unknown): Promise<unknown> {
  if ((e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode !== 404) return e;
  try {
    await run.client.send(new HeadBucketCommand({ Bucket: bucket }), run.http);
  } catch (b) {
    const err = toS3ToolError(b, { bucket });
    if (err.code === "NoSuchBucket") return err;
  }
  return e;
}

export function metadataOf(
  bucket: string,
  key: string,
  out: Pick<HeadObjectCommandOutput, "ContentType" | "ContentLength" | "LastModified" | "ETag" | "Metadata">,
): ObjectMetadata {
  const size = out.ContentLength ?? 0;
  return {
    bucket,
    key,
    content_type: out.ContentType ?? null,
    content_length: size,
    size,
    last_modified: out.LastModified?.toISOString() ?? null,
    etag: normalizeEtag(out.ETag),
    metadata: { ...(out.Metadata ?? {}) },
  };
}
