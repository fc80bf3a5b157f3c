// mcp-s3 buckets (and mcp-s3 ls with no argument): the buckets the policy lets this connection see.
import { listBuckets } from "../../ops/list-buckets.ts";
import type { Cli } from "../context.ts";
import { shortDate } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const result = await listBuckets(await cli.ops(), {}, "s3_list_buckets");
  if (cli.out.json) {
    for (const b of result.buckets) await cli.out.record({ name: b.name, creation_date: b.creation_date });
    return undefined;
  }
  await cli.out.lines(result.buckets.map((b) => `${shortDate(b.creation_date)} ${b.name}`));
  return undefined;
}
