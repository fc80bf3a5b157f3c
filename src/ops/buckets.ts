// Creating and removing a bucket. For the gate each is a write / delete of the bucket itself (a
// `wholeBucket` touch): read-only mode and the bucket lists apply, and the prefix ACL refuses both
// while it limits keys at all.
import { type BucketLocationConstraint, CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import type { Connection } from "../config/schema.ts";
import { S3ToolError } from "../errors.ts";
import { type OperationSpec, type OpsContext, runOperation } from "./run.ts";

export interface BucketRef {
  readonly bucket: string;
  readonly connection?: string | undefined;
}

export interface BucketResult {
  bucket: string;
}

export function createBucketSpec(args: BucketRef, tool = "s3_create_bucket"): OperationSpec {
  return {
    tool,
    connection: args.connection,
    bucket: args.bucket,
    touches: [{ access: "write", bucket: args.bucket, wholeBucket: true }],
  };
}

export function deleteBucketSpec(args: BucketRef, tool = "s3_delete_bucket"): OperationSpec {
  return {
    tool,
    connection: args.connection,
    bucket: args.bucket,
    touches: [{ access: "delete", bucket: args.bucket, wholeBucket: true }],
  };
}

export function createBucket(
  ctx: OpsContext,
  args: BucketRef & { readonly signal?: AbortSignal | undefined },
  tool = "s3_create_bucket",
): Promise<BucketResult> {
  return runOperation(ctx, { ...createBucketSpec(args, tool), signal: args.signal }, async (run) => {
    const location = locationConstraint(run.connection);
    try {
      await run.client.send(
        new CreateBucketCommand({
          Bucket: args.bucket,
          ...(location === undefined
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: location as BucketLocationConstraint } }),
        }),
        run.http,
      );
    } catch (e) {
      const name = errorName(e);
      if (name === "BucketAlreadyOwnedByYou" || name === "BucketAlreadyExists") {
        throw new S3ToolError(
          "InvalidBucketName",
          `bucket ${JSON.stringify(args.bucket)} already exists${name === "BucketAlreadyOwnedByYou" ? " (it is yours)" : " and belongs to someone else"}`,
          "choose another name (on AWS bucket names are global), or use the bucket that exists",
        );
      }
      throw e;
    }
    return { bucket: args.bucket };
  });
}

export function deleteBucket(
  ctx: OpsContext,
  args: BucketRef & { readonly signal?: AbortSignal | undefined },
  tool = "s3_delete_bucket",
): Promise<BucketResult> {
  return runOperation(ctx, { ...deleteBucketSpec(args, tool), signal: args.signal }, async (run) => {
    try {
      await run.client.send(new DeleteBucketCommand({ Bucket: args.bucket }), run.http);
    } catch (e) {
      if (errorName(e) === "BucketNotEmpty") {
        throw new S3ToolError(
          "InvalidArgument",
          `bucket ${JSON.stringify(args.bucket)} is not empty: only an empty bucket can be removed`,
          `delete its objects first: mcp-s3 rm -r --all s3://${args.bucket}/ (check with mcp-s3 du s3://${args.bucket})`,
        );
      }
      throw e;
    }
    return { bucket: args.bucket };
  });
}

/**
 * AWS wants the region named for any region but us-east-1; S3-compatible servers (a custom
 * endpoint) mostly reject a LocationConstraint they do not know (RGW's default zonegroup does).
 */
export function locationConstraint(connection: Pick<Connection, "region" | "endpoint">): string | undefined {
  if (connection.endpoint !== undefined) return undefined;
  return connection.region === "us-east-1" ? undefined : connection.region;
}

function errorName(e: unknown): string | undefined {
  const err = e as { name?: string; Code?: string } | undefined;
  return err?.Code ?? err?.name;
}
