// The dispatcher: parse the line, find the command, import it (only it), run it, print any failure
// the one way (exit.ts) and return the exit code. Nothing heavy is imported at the top level so
// that `mcp-s3 version` and `--help` start in milliseconds.
import { findCommand, type GlobalOptions, parseCommandLine, usageError } from "./args.ts";
import { createCli, type SharedContext } from "./context.ts";
import { EXIT, reportError } from "./exit.ts";
import { type Env, type Io, processIo } from "./io.ts";
import { nearest } from "./nearest.ts";
import { COMMANDS, type CommandSpec, findSpec } from "./registry.ts";

export async function runCli(argv: readonly string[], env: Env): Promise<number> {
  return dispatch(argv, processIo(env));
}

/** What a command line run inside `mcp-s3 run` takes over from the `run` command itself. */
export interface Inherited {
  /** The global flags of the `run` line: a line's own flags override them. */
  readonly globals: GlobalOptions;
  /** Shared operation contexts and cancellation (see createCli). */
  readonly shared: SharedContext;
  /** Refuses a command (a usage error) before it runs: `serve` and `run` inside `run`. */
  readonly refuse?: (spec: CommandSpec, args: readonly string[]) => string | undefined;
}

/** Parses, finds, runs and reports one command line on `io`; returns its exit code. */
export async function dispatch(argv: readonly string[], io: Io, inherited?: Inherited): Promise<number> {
  let json = inherited?.globals.json === true || jsonRequested(argv);
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
    const globals = inherited === undefined ? line.globals : mergeGlobals(inherited.globals, line.globals);
    json = globals.json;
    if (globals.version) spec = findSpec("version");
    if (globals.help) {
      const { commandHelp, globalHelp } = await import("./help.ts");
      await io.write(spec === undefined ? globalHelp() : commandHelp(spec));
      return EXIT.ok;
    }
    spec ??= findSpec("serve") as CommandSpec;
    checkArgs(spec, line.args);
    const refusal = inherited?.refuse?.(spec, line.args);
    if (refusal !== undefined) throw usageError(refusal, "run `mcp-s3 run --help`");
    const cli = createCli(spec, { ...line, globals }, io, inherited?.shared);
    try {
      const command = await spec.load();
      const code = (await command.run(cli)) ?? EXIT.ok;
      await io.flush();
      return code;
    } catch (e) {
      throw cli.interrupted() ?? e;
    } finally {
      cli.close();
    }
  } catch (e) {
    return reportError(io, e, { json });
  }
}

/** A line's own global flags win; flags it does not give come from the enclosing `run`. */
function mergeGlobals(outer: GlobalOptions, own: GlobalOptions): GlobalOptions {
  return {
    config: own.config ?? outer.config,
    connection: own.connection ?? outer.connection,
    json: own.json || outer.json,
    quiet: own.quiet || outer.quiet,
    help: own.help,
    version: own.version,
    readOnly: own.readOnly ?? outer.readOnly,
    audit: own.audit ?? outer.audit,
    maxGetSize: own.maxGetSize ?? outer.maxGetSize,
    maxPutSize: own.maxPutSize ?? outer.maxPutSize,
  };
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
