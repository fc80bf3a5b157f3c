import { commonPrefixVisible, deniedAreaOf, keyVisible } from "../policy/decide.ts";
import { normalizeEtag } from "../s3/etag.ts";
import { type ListedObject, listPage } from "../s3/list-page.ts";
import { collectPage } from "./list-paging.ts";
import { type ListingScope, openToken, sealToken } from "./list-token.ts";
import { invalidArgument, type OpsContext, runOperation } from "./run.ts";
import { type OperationTarget, operationSpec } from "./spec.ts";

export interface ListObjectsArgs extends OperationTarget {
  readonly bucket: string;
  readonly prefix?: string | undefined;
  readonly delimiter?: string | undefined;
  readonly max_keys?: number | undefined;
  /** A next_continuation_token of this same listing (opaque; see list-token.ts). */
  readonly continuation_token?: string | undefined;
  /**
   * List only what sorts after this (S3 StartAfter; ignored with a continuation token). For callers
   * inside the process resuming after a key they were given; no front end takes it from a client.
   */
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

/**
 * One page of a listing, filtered by the prefix ACL so no refused key or folder is ever returned.
 * The page holds up to max_keys visible entries, read from as many S3 pages as it takes (bounded);
 * its continuation token is sealed (list-token.ts) and never shows where S3 stopped.
 */
export function listObjects(
  ctx: OpsContext,
  args: ListObjectsArgs,
  tool = "s3_list_objects",
): Promise<ListObjectsResult> {
  const prefix = args.prefix ?? "";
  const delimiter = args.delimiter ?? "";
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
      const scope: ListingScope = { connection: run.connection.name, bucket: args.bucket, prefix, delimiter };
      const after =
        args.continuation_token !== undefined
          ? openToken(scope, args.continuation_token)
          : args.start_after === ""
            ? undefined
            : args.start_after;
      const policy = run.policy;
      const page = await collectPage({
        maxKeys,
        after,
        objectVisible: (key) => keyVisible(policy, key),
        prefixVisible: (p) => commonPrefixVisible(policy, p),
        hiddenArea: (entry) => deniedAreaOf(policy, entry),
        mayHide: policy.prefix_acl,
        fetch: async (startAfter, size) => {
          const page = await listPage(
            run.client,
            {
              Bucket: args.bucket,
              Prefix: prefix === "" ? undefined : prefix,
              Delimiter: delimiter === "" ? undefined : delimiter,
              MaxKeys: size,
              StartAfter: startAfter,
            },
            run.http,
          );
          return { objects: page.objects.map(summary), prefixes: page.prefixes, truncated: page.truncated };
        },
      });
      return {
        bucket: args.bucket,
        prefix,
        objects: page.objects,
        common_prefixes: page.prefixes,
        count: page.objects.length + page.prefixes.length,
        is_truncated: page.truncated,
        next_continuation_token: page.position === undefined ? null : sealToken(scope, page.position),
      };
    },
  );
}

function summary(o: ListedObject): ObjectSummary {
  return {
    key: o.key,
    size: o.size,
    last_modified: o.lastModified,
    etag: normalizeEtag(o.etag),
    storage_class: o.storageClass ?? null,
  };
}
