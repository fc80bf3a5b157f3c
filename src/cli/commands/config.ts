// mcp-s3 config check|show: validate, or print the effective configuration with secrets redacted.
import type { Cli } from "../context.ts";
import { safeLine } from "../escape.ts";
import { type ConfigCheck, configCheckLines } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const config = await cli.config();
  if (cli.args[0] === "check") {
    const check: ConfigCheck = {
      valid: true,
      config_file: config.config_file ?? null,
      default_connection: config.default_connection,
      connections: Object.keys(config.connections),
    };
    await cli.out.result(check, () => configCheckLines(check));
    return undefined;
  }
  const { redactedConfig } = await import("../../config/redact.ts");
  const shown = redactedConfig(config);
  if (cli.out.json) await cli.out.record(shown);
  else {
    // YAML quotes and escapes C0 controls itself, but leaves DEL, C1 and bidi controls raw.
    const yaml = (await import("yaml")).stringify(shown);
    await cli.io.write(yaml.split("\n").map(safeLine).join("\n"));
  }
  return undefined;
}
