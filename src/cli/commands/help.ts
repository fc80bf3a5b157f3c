// mcp-s3 help [COMMAND]
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { commandHelp, globalHelp } from "../help.ts";
import { findSpec } from "../registry.ts";

export async function run(cli: Cli): Promise<undefined> {
  const name = cli.args[0];
  if (name === undefined) {
    await cli.io.write(globalHelp());
    return undefined;
  }
  const spec = findSpec(name);
  if (spec === undefined) throw usageError(`unknown command ${JSON.stringify(name)}`);
  await cli.io.write(commandHelp(spec));
  return undefined;
}
