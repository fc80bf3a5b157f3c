// The dispatcher: parse the line, find the command, import it (only it), run it, print any failure
// the one way (exit.ts) and return the exit code. Nothing heavy is imported at the top level so
// that `mcp-s3 version` and `--help` start in milliseconds.
import { isS3ToolError } from "../errors.ts";
import { findCommand, parseCommandLine, usageError } from "./args.ts";
import { createCli } from "./context.ts";
import { EXIT, reportError } from "./exit.ts";
import { type Env, processIo } from "./io.ts";
import { nearest } from "./nearest.ts";
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
      const guess = nearestCommands(name);
      throw usageError(
        `unknown command ${JSON.stringify(name)}${guess === "" ? "" : `; did you mean ${guess}?`}`,
        "run `mcp-s3 --help` for the commands",
      );
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

/** The commands close to a mistyped one, as "`ls`" or "`ls` or `rm`" ("" when none is close). */
function nearestCommands(name: string): string {
  return nearest(
    name,
    COMMANDS.filter((c) => !c.hidden).map((c) => c.name),
  )
    .map((c) => `\`${c}\``)
    .join(" or ");
}
