// mcp-s3 version: loads nothing but the build constants.
import { runtimeName, runtimeVersion } from "../../runtime/index.ts";
import { buildInfo } from "../../version.ts";
import type { Cli } from "../context.ts";
import { versionLine } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const runtime = runtimeName();
  const info = { ...buildInfo(runtime), runtime, runtime_version: runtimeVersion() };
  await cli.out.result(info, () => [versionLine(info)]);
  return undefined;
}
