// mcp-s3 buckets (and mcp-s3 ls with no argument): the buckets the policy lets this connection see.
import { printBuckets } from "../bucket-list.ts";
import type { Cli } from "../context.ts";

export async function run(cli: Cli): Promise<undefined> {
  await printBuckets(cli);
  return undefined;
}
