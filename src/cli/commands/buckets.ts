// mcp-s3 buckets (and mcp-s3 ls with no argument): the buckets the policy lets this connection see.
import { listBuckets } from "../../ops/list-buckets.ts";
import type { Cli } from "../context.ts";
import { bucketLine, bucketRecord } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const { buckets } = await listBuckets(await cli.ops(), {}, "s3_list_buckets");
  await cli.out.list(buckets.map(bucketRecord), () => buckets.map(bucketLine));
  return undefined;
}
