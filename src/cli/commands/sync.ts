// mcp-s3 sync SRC DST: makes DST hold what SRC holds (directory <-> prefix, prefix -> prefix),
// sending only what is missing or differs; --delete also removes what SRC lacks.
import { syncJob } from "../../bulk/jobs.ts";
import { runBulk } from "../../bulk/runner.ts";
import type { Cli } from "../context.ts";

export async function run(cli: Cli): Promise<number> {
  const [source, dest] = cli.args as [string, string];
  return runBulk(cli, await syncJob(cli, source, dest));
}
