// mcp-s3 serve (and mcp-s3 with no command): MCP over stdio until the session ends.
import type { Config } from "../../config/schema.ts";
import { S3ToolError } from "../../errors.ts";
import type { Cli } from "../context.ts";

type ServeStdio = (config: Config, options: { signal?: AbortSignal }) => Promise<void>;

export async function run(cli: Cli): Promise<number> {
  const config = await cli.config();
  let serveStdio: ServeStdio;
  try {
    // A literal specifier, so `bun build --compile` bundles the server.
    // @ts-expect-error -- the MCP server module is written separately; absent in partial checkouts.
    ({ serveStdio } = (await import("../../mcp/stdio.ts")) as { serveStdio: ServeStdio });
  } catch (e) {
    throw new S3ToolError(
      "InternalError",
      `the MCP server is not available in this build (${(e as Error).message})`,
      "run a CLI command instead (mcp-s3 --help)",
    );
  }
  if (process.stdin.isTTY === true && !cli.globals.quiet) {
    cli.io.error("mcp-s3: serving MCP on stdio (Ctrl-D or Ctrl-C to stop); run `mcp-s3 --help` for commands");
  }
  // SIGINT/SIGTERM end the session: the server finishes in-flight calls, flushes the audit log and
  // resolves; that is a normal end (exit 0), not an interruption.
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    await serveStdio(config, { signal: controller.signal });
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}
