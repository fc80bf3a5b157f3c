// The buckets the policy lets this connection see, printed: `mcp-s3 buckets` and `mcp-s3 ls` with
// no argument (shared here, so that neither command imports the other).
import { listBuckets } from "../ops/list-buckets.ts";
import type { Cli } from "./context.ts";
import { bucketLine, bucketRecord } from "./output.ts";

export async function printBuckets(cli: Cli): Promise<void> {
  const { signal } = cli.cancellation();
  const { buckets } = await listBuckets(await cli.ops(), { signal }, "s3_list_buckets");
  await cli.out.list(buckets.map(bucketRecord), () => buckets.map(bucketLine));
}
