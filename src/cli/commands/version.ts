// mcp-s3 version: loads nothing but the build constants.
import { runtimeName, runtimeVersion } from "../../runtime/index.ts";
import { buildInfo } from "../../version.ts";
import type { Cli } from "../context.ts";

export async function run(cli: Cli): Promise<undefined> {
  const runtime = runtimeName();
  const info = { ...buildInfo(runtime), runtime, runtime_version: runtimeVersion() };
  await cli.out.result(info, () => [
    `mcp-s3 ${info.version} (commit ${info.commit}, ${info.target}, ${runtime} ${info.runtime_version})`,
  ]);
  return undefined;
}
