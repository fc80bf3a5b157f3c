import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { normalizeEtag } from "../s3/etag.ts";
import { uploadLeftBehind } from "./cleanup.ts";
import { head, type ListedObject, metadataFromListing, type ObjectMetadata } from "./head-object.ts";
import { checkMetadata } from "./metadata.ts";
import { type Execution, type OperationSpec, type OpsContext, runOperation } from "./run.ts";
import { type OperationTarget, operationSpec } from "./spec.ts";

export interface CopyObjectArgs extends OperationTarget {
  readonly source_bucket: string;
  readonly source_key: string;
  readonly dest_bucket: string;
  readonly dest_key: string;
  /** Replaces the user metadata of the copy; absent keeps the source's. */
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /**
   * What a listing said about the source (bulk copies). A copy that keeps the source's metadata and
   * fits one CopyObject then skips the HEAD: the gate judges the listed size, and the copy requires
   * the listed ETag (CopySourceIfMatch), so a source replaced since the listing is not copied.
   */
  readonly listed?: ListedObject | undefined;
  /** Called with the bytes copied so far and the source's size, after each part of a multipart copy. */
  readonly onProgress?: ((copied: number, total: number) => void) | undefined;
  /** Sources larger than this are copied part by part (default: 5 GiB, the most CopyObject takes). */
  readonly multipart_threshold?: number | undefined;
  /** Size of each part of a multipart copy (default 512 MiB; S3 needs at least 5 MiB but for the last). */
  readonly part_size?: number | undefined;
}

export interface CopyObjectResult {
  source_bucket: string;
  source_key: string;
  dest_bucket: string;
  dest_key: string;
  etag: string | null;
  last_modified: string | null;
  version_id: string | null;
}

/** CopyObject handles at most 5 GiB; larger sources are copied part by part on the server. */
const SINGLE_COPY_MAX = 5 * 1024 ** 3;
const COPY_PART_SIZE = 512 * 1024 ** 2;

export function copyObject(
  ctx: OpsContext,
  args: CopyObjectArgs,
  tool = "s3_copy_object",
): Promise<CopyObjectResult> {
  const threshold = args.multipart_threshold ?? SINGLE_COPY_MAX;
  // Consent is asked once the source's size has passed the put limit (below).
  const spec = { ...copySpec(args, tool, args.listed?.size), consentInRun: true };
  return runOperation(ctx, spec, async (run) => {
    const metadata = checkMetadata(args.metadata);
    const listed = args.listed;
    const source =
      listed !== undefined && metadata === undefined && listed.size <= threshold
        ? metadataFromListing(args.source_bucket, args.source_key, listed)
        : await head(run, args.source_bucket, args.source_key);
    run.authorize([{ access: "write", bucket: args.dest_bucket, key: args.dest_key, size: source.size }]);
    await run.confirm({ size: source.size });
    run.count(source.size);
    return source.size > threshold
      ? multipartCopy(run, args, source, metadata)
      : singleCopy(run, args, source, metadata);
  });
}

/**
 * What copyObject declares to the gate (a dry run previews exactly this): a read of the source and a
 * write of the destination, of `size` bytes when the caller knows it (the copy itself learns it from
 * a HEAD and asks again).
 */
export function copySpec(args: CopyObjectArgs, tool = "s3_copy_object", size?: number): OperationSpec {
  return operationSpec(
    tool,
    args,
    {
      bucket: args.source_bucket,
      key: args.source_key,
      dest_bucket: args.dest_bucket,
      dest_key: args.dest_key,
    },
    [
      { access: "read", bucket: args.source_bucket, key: args.source_key },
      size === undefined
        ? { access: "write", bucket: args.dest_bucket, key: args.dest_key }
        : { access: "write", bucket: args.dest_bucket, key: args.dest_key, size },
    ],
  );
}

/** CopySource is `bucket/key` with the key URL-encoded (slashes kept), as S3 requires. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

async function singleCopy(
  run: Execution,
  args: CopyObjectArgs,
  source: ObjectMetadata,
  metadata: Record<string, string> | undefined,
): Promise<CopyObjectResult> {
  const out = await run.client.send(
    new CopyObjectCommand({
      Bucket: args.dest_bucket,
      Key: args.dest_key,
      CopySource: copySource(args.source_bucket, args.source_key),
      CopySourceIfMatch: source.etag ?? undefined,
      ...(metadata === undefined
        ? {}
        : {
            MetadataDirective: "REPLACE",
            Metadata: metadata,
            ContentType: source.content_type ?? undefined,
          }),
    }),
    run.http,
  );
  return result(args, out.CopyObjectResult?.ETag, out.CopyObjectResult?.LastModified, out.VersionId);
}

async function multipartCopy(
  run: Execution,
  args: CopyObjectArgs,
  source: ObjectMetadata,
  metadata: Record<string, string> | undefined,
): Promise<CopyObjectResult> {
  const created = await run.client.send(
    new CreateMultipartUploadCommand({
      Bucket: args.dest_bucket,
      Key: args.dest_key,
      ContentType: source.content_type ?? undefined,
      Metadata: metadata ?? source.metadata,
    }),
    run.http,
  );
  const uploadId = created.UploadId;
  try {
    const parts: { ETag: string; PartNumber: number }[] = [];
    const partSize = args.part_size ?? COPY_PART_SIZE;
    for (let start = 0, n = 1; start < source.size; start += partSize, n++) {
      const end = Math.min(source.size, start + partSize) - 1;
      const part = await run.client.send(
        new UploadPartCopyCommand({
          Bucket: args.dest_bucket,
          Key: args.dest_key,
          UploadId: uploadId,
          PartNumber: n,
          CopySource: copySource(args.source_bucket, args.source_key),
          CopySourceIfMatch: source.etag ?? undefined,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
        run.http,
      );
      parts.push({ ETag: part.CopyPartResult?.ETag ?? "", PartNumber: n });
      args.onProgress?.(end + 1, source.size);
    }
    const done = await run.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: args.dest_bucket,
        Key: args.dest_key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      run.http,
    );
    return result(args, done.ETag, undefined, done.VersionId);
  } catch (e) {
    // Sent without the caller's signal: the clean-up must go out after a cancellation too.
    await run.client
      .send(
        new AbortMultipartUploadCommand({ Bucket: args.dest_bucket, Key: args.dest_key, UploadId: uploadId }),
      )
      .catch((abortError: unknown) =>
        run.cleanupFailed(uploadLeftBehind(args.dest_bucket, args.dest_key, uploadId, abortError)),
      );
    throw e;
  }
}

function result(
  args: CopyObjectArgs,
  etag: string | undefined,
  lastModified: Date | undefined,
  versionId: string | undefined,
): CopyObjectResult {
  return {
    source_bucket: args.source_bucket,
    source_key: args.source_key,
    dest_bucket: args.dest_bucket,
    dest_key: args.dest_key,
    etag: normalizeEtag(etag),
    last_modified: lastModified?.toISOString() ?? null,
    version_id: versionId ?? null,
  };
}
