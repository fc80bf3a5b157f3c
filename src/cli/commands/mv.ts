// mcp-s3 mv SRC DST: copy, then delete the source, one object (or, with -r or a pattern, every
// matching object) at a time; a source is deleted only after its copy succeeded. S3 to S3 is a
// server-side copy; local to S3 an upload, then the file is removed; S3 to local a download.
import { transferJob } from "../../bulk/jobs.ts";
import { runBulk } from "../../bulk/runner.ts";
import type { Cli } from "../context.ts";

export async function run(cli: Cli): Promise<number> {
  const [source, dest] = cli.args as [string, string];
  return runBulk(cli, await transferJob(cli, "mv", source, dest));
}
