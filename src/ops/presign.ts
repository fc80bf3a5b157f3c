import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { invalidArgument, type OpsContext, runOperation } from "./run.ts";
import { type ObjectTarget, operationSpec } from "./spec.ts";

export interface PresignArgs extends ObjectTarget {
  readonly method?: "GET" | "PUT" | undefined;
  /** Seconds; defaults to 1 hour and is capped at the policy's presign_max_expiry. */
  readonly expires_in?: number | undefined;
}

export interface PresignResult {
  bucket: string;
  key: string;
  url: string;
  method: "GET" | "PUT";
  expires_in_seconds: number;
  expires_at: string;
}

const DEFAULT_EXPIRY_SECONDS = 3600;

/** A presigned GET is a read and a presigned PUT is a write: read-only mode refuses the latter. */
export function presignUrl(
  ctx: OpsContext,
  args: PresignArgs,
  tool = "s3_presign_url",
): Promise<PresignResult> {
  const method = args.method ?? "GET";
  const { bucket, key } = args;
  const touch = { access: method === "PUT" ? "write" : "read", bucket, key, presign: method } as const;
  return runOperation(ctx, operationSpec(tool, args, { bucket, key }, [touch]), async (run) => {
    if (method !== "GET" && method !== "PUT") throw invalidArgument("method must be GET or PUT");
    const wanted = args.expires_in ?? DEFAULT_EXPIRY_SECONDS;
    if (!Number.isInteger(wanted) || wanted <= 0)
      throw invalidArgument("expires_in must be a positive whole number of seconds");
    const expiresIn = Math.min(wanted, run.policy.presign_max_expiry_seconds);
    const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
    const input = { Bucket: args.bucket, Key: args.key };
    const command = method === "PUT" ? new PutObjectCommand(input) : new GetObjectCommand(input);
    const url = await getSignedUrl(ctx.clients.presignClient(run.connection.name), command, { expiresIn });
    return {
      bucket: args.bucket,
      key: args.key,
      url,
      method,
      expires_in_seconds: expiresIn,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  });
}
