// mcp-s3 config check|show: validate, or print the effective configuration with secrets redacted.
import type { Cli } from "../context.ts";

export async function run(cli: Cli): Promise<undefined> {
  const config = await cli.config();
  if (cli.args[0] === "check") {
    const names = Object.keys(config.connections);
    await cli.out.result(
      {
        valid: true,
        config_file: config.config_file ?? null,
        default_connection: config.default_connection,
        connections: names,
      },
      () => [
        "configuration is valid",
        `  file:        ${config.config_file ?? "(none: environment and defaults)"}`,
        `  default:     ${config.default_connection}`,
        `  connections: ${names.join(", ")}`,
      ],
    );
    return undefined;
  }
  const { redactedConfig } = await import("../../config/redact.ts");
  const shown = redactedConfig(config);
  if (cli.out.json) {
    await cli.out.record(shown);
  } else {
    const { stringify } = await import("yaml");
    await cli.io.write(stringify(shown));
  }
  return undefined;
}
