// Minimal dispatcher; the full CLI (issue 5) replaces this file.
import { loadConfig } from "../config/load.ts";
import { redactedConfig } from "../config/redact.ts";
import { type S3ToolError, isS3ToolError } from "../errors.ts";
import { runtimeName } from "../runtime/index.ts";
import { buildInfo } from "../version.ts";
import { EXIT, exitCodeFor } from "./exit.ts";

export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const json = argv.includes("--json");
  const args = argv.filter((a) => a !== "--json");
  try {
    const [command, sub] = args;
    if (command === "version" || command === "--version") {
      const info = { ...buildInfo(runtimeName()), runtime: runtimeName() };
      process.stdout.write(
        json ? `${JSON.stringify(info)}\n` : `mcp-s3 ${info.version} (${info.commit}, ${info.target})\n`,
      );
      return EXIT.ok;
    }
    if (command === "config" && (sub === "check" || sub === "show")) {
      const config = loadConfig({ env });
      if (sub === "check") {
        process.stdout.write(json ? `${JSON.stringify({ valid: true })}\n` : "configuration is valid\n");
      } else {
        process.stdout.write(`${JSON.stringify(redactedConfig(config), null, 2)}\n`);
      }
      return EXIT.ok;
    }
    process.stderr.write(`mcp-s3: UsageError: unknown command ${JSON.stringify(command ?? "")}\n`);
    return EXIT.usage;
  } catch (e) {
    if (!isS3ToolError(e)) throw e;
    const err = e as S3ToolError;
    process.stderr.write(
      json ? `${JSON.stringify(err.toJSON())}\n` : `mcp-s3: ${err.code}: ${err.message}\n`,
    );
    return exitCodeFor(err.code);
  }
}
