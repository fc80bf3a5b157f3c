// mcp-s3 get s3://bucket/key [FILE|DIR|-]: download into a temporary file renamed on success
// (parallel ranged requests for large objects), or stream to stdout. With -r or a pattern, every
// matching object is saved below DIR (src/bulk), one gated and audited get per object.
import { isBulk, transferJob } from "../../bulk/jobs.ts";
import { runBulk } from "../../bulk/runner.ts";
import type { Cli } from "../context.ts";
import { folderHint } from "../folder-hint.ts";
import { parseObject } from "../location.ts";
import { downloadOne } from "../transfer/single.ts";

export async function run(cli: Cli): Promise<number | undefined> {
  const [source, dest] = cli.args as [string, string | undefined];
  if (isBulk(cli, "get", source)) return runBulk(cli, await transferJob(cli, "get", source, dest));
  const loc = parseObject(source);
  await downloadOne(cli, loc, dest).catch((e: unknown) => {
    throw folderHint(e, loc.bucket, loc.key, "ls");
  });
  return undefined;
}
