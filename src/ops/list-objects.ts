import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { commonPrefixVisible, keyVisible } from "../policy/decide.ts";
import { invalidArgument, type OpsContext, runOperation } from "./run.ts";
import { type OperationTarget, operationSpec } from "./spec.ts";

export interface ListObjectsArgs extends OperationTarget {
  readonly bucket: string;
  readonly prefix?: string | undefined;
  readonly delimiter?: string | undefined;
  readonly max_keys?: number | undefined;
  readonly continuation_token?: string | undefined;
  /** List only keys that sort after this one (S3 StartAfter; ignored with a continuation token). */
  readonly start_after?: string | undefined;
}

export interface ObjectSummary {
  key: string;
  size: number;
  last_modified: string | null;
  etag: string | null;
  storage_class: string | null;
}

export interface ListObjectsResult {
  bucket: string;
  prefix: string;
  objects: ObjectSummary[];
  common_prefixes: string[];
  count: number;
  is_truncated: boolean;
  next_continuation_token: string | null;
}

/** One page of a listing, filtered by the prefix ACL so no refused key or folder is ever returned. */
export function listObjects(
  ctx: OpsContext,
  args: ListObjectsArgs,
  tool = "s3_list_objects",
): Promise<ListObjectsResult> {
  const prefix = args.prefix ?? "";
  return runOperation(
    ctx,
    operationSpec(tool, args, { bucket: args.bucket, prefix }, [
      { access: "list", bucket: args.bucket, prefix },
    ]),
    async (run) => {
      const maxKeys = args.max_keys ?? 1000;
      if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > 1000) {
        throw invalidArgument(`max_keys must be an integer from 1 to 1000, got ${maxKeys}`);
      }
      const out = await run.client.send(
        new ListObjectsV2Command({
          Bucket: args.bucket,
          Prefix: prefix === "" ? undefined : prefix,
          Delimiter: args.delimiter === "" ? undefined : args.delimiter,
          MaxKeys: maxKeys,
          ContinuationToken: args.continuation_token,
          StartAfter: args.start_after === "" ? undefined : args.start_after,
        }),
        run.http,
      );
      const objects = (out.Contents ?? [])
        .filter(
          (o): o is typeof o & { Key: string } => typeof o.Key === "string" && keyVisible(run.policy, o.Key),
        )
        .map((o) => ({
          key: o.Key,
          size: o.Size ?? 0,
          last_modified: o.LastModified?.toISOString() ?? null,
          etag: o.ETag ?? null,
          storage_class: o.StorageClass ?? null,
        }));
      const common_prefixes = (out.CommonPrefixes ?? [])
        .map((p) => p.Prefix)
        .filter((p): p is string => typeof p === "string" && commonPrefixVisible(run.policy, p));
      return {
        bucket: args.bucket,
        prefix,
        objects,
        common_prefixes,
        count: objects.length + common_prefixes.length,
        is_truncated: out.IsTruncated ?? false,
        next_continuation_token: out.NextContinuationToken ?? null,
      };
    },
  );
}
