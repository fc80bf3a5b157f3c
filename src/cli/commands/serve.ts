// mcp-s3 serve (and mcp-s3 with no command): MCP over stdio until the session ends. The server
// handles SIGTERM/SIGINT itself (finish in-flight calls, flush the audit log); its normal end is exit 0.
import type { Cli } from "../context.ts";

export async function run(cli: Cli): Promise<number> {
  const config = await cli.config();
  const { serveStdio } = await import("../../mcp/stdio.ts");
  if (process.stdin.isTTY === true && !cli.globals.quiet) {
    cli.io.error("mcp-s3: serving MCP on stdio (Ctrl-D or Ctrl-C to stop); run `mcp-s3 --help` for commands");
  }
  await serveStdio(config);
  return 0;
}
