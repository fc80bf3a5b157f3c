// mcp-s3 get s3://bucket/key [FILE|DIR|-]: download into a temporary file renamed on success
// (parallel ranged requests for large objects), or stream to stdout.
import type { Cli } from "../context.ts";
import { parseObject } from "../location.ts";
import { downloadOne } from "../transfer/single.ts";

export async function run(cli: Cli): Promise<undefined> {
  await downloadOne(cli, parseObject(cli.args[0] as string), cli.args[1]);
  return undefined;
}
