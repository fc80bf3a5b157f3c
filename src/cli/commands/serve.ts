// mcp-s3 serve (and mcp-s3 with no command): MCP over stdio until the session ends, or over HTTP
// when an address to listen on is configured (--http, MCP_S3_HTTP_LISTEN, http.listen). Either
// server handles SIGTERM/SIGINT itself (finish in-flight calls, flush the audit log); its normal end
// is exit 0.
import { loadConfig } from "../../config/load.ts";
import { usageError } from "../args.ts";
import { type Cli, configFlags } from "../context.ts";

export async function run(cli: Cli): Promise<number> {
  const listenFlag = cli.options.http as string | undefined;
  const insecureNoAuth = cli.options["insecure-no-auth"] === true;
  const config =
    listenFlag === undefined
      ? await cli.config()
      : loadConfig({ env: cli.io.env, flags: { ...configFlags(cli.globals), http_listen: listenFlag } });

  if (config.http?.listen !== undefined) {
    const [{ serveSettings }, { serveHttp }] = await Promise.all([
      import("../../http/settings.ts"),
      import("../../http/server.ts"),
    ]);
    const settings = serveSettings(config, { insecureNoAuth });
    await serveHttp(config, { settings, insecureNoAuth, announce: (line) => cli.io.error(line) });
    return 0;
  }
  if (insecureNoAuth)
    throw usageError("--insecure-no-auth applies only to serving HTTP (--http [HOST:]PORT)");

  const { serveStdio } = await import("../../mcp/stdio.ts");
  if (process.stdin.isTTY === true && !cli.globals.quiet) {
    cli.io.error("mcp-s3: serving MCP on stdio (Ctrl-D or Ctrl-C to stop); run `mcp-s3 --help` for commands");
  }
  await serveStdio(config);
  return 0;
}
