// mcp-s3 put FILE|- s3://bucket/key: streamed upload (multipart for large bodies). The policy gate
// decides before anything is read: a refused put never reads stdin and never reaches S3.
// put -r DIR s3://bucket/prefix/ uploads a tree (src/bulk), one gated and audited put per file.
import { isBulk, transferJob } from "../../bulk/jobs.ts";
import { runBulk } from "../../bulk/runner.ts";
import type { Cli } from "../context.ts";
import { parseS3 } from "../location.ts";
import { uploadOne } from "../transfer/single.ts";

export async function run(cli: Cli): Promise<number | undefined> {
  const [source, dest] = cli.args as [string, string];
  if (isBulk(cli, "put", source)) return runBulk(cli, await transferJob(cli, "put", source, dest));
  await uploadOne(cli, source, parseS3(dest));
  return undefined;
}
