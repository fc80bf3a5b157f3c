// The dispatcher: parse the line, find the command, import it (only it), run it, print any failure
// the one way (exit.ts) and return the exit code. Nothing heavy is imported at the top level so
// that `mcp-s3 version` and `--help` start in milliseconds.
import { isS3ToolError } from "../errors.ts";
import { findCommand, parseCommandLine, usageError } from "./args.ts";
import { createCli } from "./context.ts";
import { EXIT, reportError } from "./exit.ts";
import { type Env, processIo } from "./io.ts";
import { COMMANDS, type CommandSpec, findSpec } from "./registry.ts";

export async function runCli(argv: readonly string[], env: Env): Promise<number> {
  const io = processIo(env);
  let json = jsonRequested(argv);
  try {
    const name = findCommand(
      argv,
      COMMANDS.map((c) => c.options),
    );
    let spec = name === undefined ? undefined : findSpec(name);
    if (name !== undefined && spec === undefined) {
      throw usageError(`unknown command ${JSON.stringify(name)}`, suggest(name));
    }
    const line = parseCommandLine(
      argv,
      spec?.options ?? {},
      `run \`mcp-s3 ${spec === undefined ? "" : `${spec.name} `}--help\` for usage`,
    );
    json = line.globals.json;
    if (line.globals.version) spec = findSpec("version");
    if (line.globals.help) {
      const { commandHelp, globalHelp } = await import("./help.ts");
      await io.write(spec === undefined ? globalHelp() : commandHelp(spec));
      return EXIT.ok;
    }
    spec ??= findSpec("serve") as CommandSpec;
    checkArgs(spec, line.args);
    const cli = createCli(spec, line, io);
    try {
      const command = await spec.load();
      const code = (await command.run(cli)) ?? EXIT.ok;
      await io.flush();
      return code;
    } catch (e) {
      // After a signal the interruption is the story, with what its clean-up could not undo.
      const stop = cli.interrupted();
      if (stop === undefined) throw e;
      if (isS3ToolError(e)) for (const failure of e.cleanupFailures) stop.noteCleanupFailure(failure);
      throw stop;
    } finally {
      cli.close();
    }
  } catch (e) {
    return reportError(io, e, { json });
  }
}

function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

function checkArgs(spec: CommandSpec, args: readonly string[]): void {
  const usage = `mcp-s3 ${spec.name}${spec.usage === "" ? "" : ` ${spec.usage}`}`;
  const hint = `run \`mcp-s3 ${spec.name} --help\``;
  if (args.length < spec.minArgs) throw usageError(`missing argument; usage: ${usage}`, hint);
  if (args.length > spec.maxArgs) {
    throw usageError(`unexpected argument ${JSON.stringify(args[spec.maxArgs])}; usage: ${usage}`, hint);
  }
  const first = args[0];
  if (spec.choices !== undefined && first !== undefined && !spec.choices.includes(first)) {
    throw usageError(
      `${spec.name}: unknown ${JSON.stringify(first)}, expected one of ${spec.choices.join(", ")}`,
      hint,
    );
  }
}

function suggest(name: string): string {
  const close = COMMANDS.map((c) => c.name).filter((c) => distance(c, name) <= 2);
  return close.length > 0
    ? `did you mean ${close.map((c) => `\`${c}\``).join(" or ")}? run \`mcp-s3 --help\` for the commands`
    : "run `mcp-s3 --help` for the commands";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}
