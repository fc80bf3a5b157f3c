import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { bucketAllowed } from "../policy/decide.ts";
import { type OpsContext, runOperation } from "./run.ts";
import { type OperationTarget, operationSpec } from "./spec.ts";

export type ListBucketsArgs = OperationTarget;
export interface ListBucketsResult {
  buckets: { name: string; creation_date: string | null }[];
  count: number;
}

export function listBuckets(
  ctx: OpsContext,
  args: ListBucketsArgs,
  tool = "s3_list_buckets",
): Promise<ListBucketsResult> {
  return runOperation(ctx, operationSpec(tool, args, {}, [{ access: "list" }]), async (run) => {
    const out = await run.client.send(new ListBucketsCommand({}), run.http);
    const buckets = (out.Buckets ?? [])
      .filter(
        (b): b is typeof b & { Name: string } =>
          typeof b.Name === "string" && bucketAllowed(run.policy, b.Name),
      )
      .map((b) => ({ name: b.Name, creation_date: b.CreationDate?.toISOString() ?? null }));
    return { buckets, count: buckets.length };
  });
}
