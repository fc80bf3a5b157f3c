// Help texts, generated from the registry so they cannot drift from what the parser accepts.
import { GLOBAL_OPTIONS, type OptionSpec, type OptionSpecs, TOGGLE_HELP } from "./args.ts";
import { columns } from "./output.ts";
import { COMMANDS, type CommandSpec, EXIT_CODE_HELP } from "./registry.ts";

export function globalHelp(): string {
  const commands = columns(
    COMMANDS.filter((c) => !c.hidden).map((c) => [`  ${c.name}`, c.summary]),
    ["left", "left"],
  );
  return [
    "mcp-s3: MCP server and command line for Amazon S3 and S3-compatible storage",
    "",
    "Usage:",
    "  mcp-s3 [global flags]                 serve MCP over stdio",
    "  mcp-s3 [global flags] COMMAND [args]  run one command",
    "",
    "Commands:",
    ...commands,
    "",
    "Global flags (anywhere on the line):",
    ...optionLines(GLOBAL_OPTIONS, true),
    "",
    "Locations: s3://bucket/key (or bucket/key); - is stdin or stdout.",
    "Writes are refused by default (read-only policy); allow them with --read-only=false.",
    "",
    "Exit codes:",
    ...columns(
      EXIT_CODE_HELP.map(([code, text]) => [`  ${code}`, text]),
      ["left", "left"],
    ),
    "",
    "Run `mcp-s3 COMMAND --help` for a command's flags and examples.",
    "",
  ].join("\n");
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [
    `mcp-s3 ${spec.name}: ${spec.summary}`,
    "",
    "Usage:",
    `  mcp-s3 ${spec.name}${spec.usage === "" ? "" : ` ${spec.usage}`} [flags]`,
  ];
  if (spec.details !== undefined) lines.push("", ...spec.details.split("\n"));
  if (Object.keys(spec.options).length > 0) lines.push("", "Flags:", ...optionLines(spec.options, false));
  lines.push(
    "",
    "Global flags (--config, -c/--connection, --json, --quiet, --read-only, --max-get-size, …) work with",
    "every command: `mcp-s3 --help` lists them.",
  );
  if (spec.tool !== undefined)
    lines.push("", `Audited as ${spec.tool} (source "cli"), policy as for the MCP tool.`);
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  }
  lines.push(
    "",
    "Exit codes: 0 ok, 1 S3/runtime error, 2 usage, 3 refused by policy, 4 not found, 5 bad config.",
  );
  return `${lines.join("\n")}\n`;
}

function optionLines(options: OptionSpecs, withToggles: boolean): string[] {
  const rows: string[][] = Object.entries(options).map(([name, o]) => [
    `  ${flagText(name, o)}`,
    o.description,
  ]);
  if (withToggles) {
    for (const [name, text] of Object.entries(TOGGLE_HELP)) rows.push([`      --${name}[=BOOL]`, text]);
  }
  return columns(rows, ["left", "left"]);
}

function flagText(name: string, o: OptionSpec): string {
  const short = o.short === undefined ? "    " : `-${o.short}, `;
  return `${short}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
}
