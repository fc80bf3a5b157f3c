// mcp-s3 put FILE|- s3://bucket/key: streamed upload (multipart for large bodies). The policy gate
// decides before anything is read: a refused put never reads stdin and never reaches S3.
import type { Cli } from "../context.ts";
import { parseS3 } from "../location.ts";
import { uploadOne } from "../transfer/single.ts";

export async function run(cli: Cli): Promise<undefined> {
  await uploadOne(cli, cli.args[0] as string, parseS3(cli.args[1] as string));
  return undefined;
}
