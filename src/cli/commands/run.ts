// mcp-s3 run FILE|-: one mcp-s3 command per line (no program name; blank lines and # comments
// skipped; POSIX-shell quoting, no expansion), several lines at once. Each line goes through the
// same dispatcher as a command typed in the shell, so it is parsed, checked by the policy and
// audited on its own; the lines share connections. Each line's output comes out in one piece.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseConcurrency } from "../../bulk/concurrency.ts";
import { displayText } from "../../bulk/display.ts";
import { count } from "../../bulk/report.ts";
import { ShellWordsError, shellWords } from "../../bulk/shell-words.ts";
import type { OpsContext } from "../../ops/run.ts";
import { findCommand, type GlobalOptions, usageError } from "../args.ts";
import { type Cli, configFlags, createCli, type SharedContext } from "../context.ts";
import { EXIT, reportError } from "../exit.ts";
import { groupedIo, OutputLock } from "../grouped-io.ts";
import { COMMANDS, type CommandSpec, findSpec } from "../registry.ts";
import { dispatch } from "../run.ts";

/** Lines in flight at once. */
export const DEFAULT_RUN_CONCURRENCY = 4;
/** Output a line may hold back before it takes the output lock and writes straight through. */
const LINE_BUFFER = 1024 * 1024;

export async function run(cli: Cli): Promise<number> {
  const source = cli.args[0] as string;
  const dryRun = cli.options["dry-run"] === true;
  const concurrency = parseConcurrency(cli.options.concurrency, DEFAULT_RUN_CONCURRENCY);
  const cancel = cli.cancellation();
  const holders = new Map<string, Cli>();
  const shared: SharedContext = {
    ops(globals: GlobalOptions): Promise<OpsContext> {
      // One operation context (connections, audit writer) per distinct configuration flags.
      const key = JSON.stringify(configFlags(globals));
      let holder = holders.get(key);
      if (holder === undefined) {
        holder = createCli(cli.spec, { globals, args: [], options: {} }, cli.io);
        holders.set(key, holder);
      }
      return holder.ops();
    },
    cancellation: () => cancel,
  };
  const lock = new OutputLock();
  const tally = { lines: 0, ok: 0, refused: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();

  const runLine = async (n: number, text: string): Promise<void> => {
    const io = groupedIo(cli.io, lock, LINE_BUFFER);
    try {
      const code = await runOne(io, text, { globals: cli.globals, shared, dryRun });
      if (code < 0) return; // blank or comment
      tally.lines++;
      if (code === EXIT.ok) tally.ok++;
      else if (code === EXIT.refused) tally.refused++;
      else tally.failed++;
      if (code !== EXIT.ok && !cli.globals.json) {
        io.error(`run: line ${n} exited ${code}: ${displayText(text.trim()).slice(0, 200)}`);
      }
    } finally {
      await io.finish().catch(() => {});
    }
  };

  try {
    let n = 0;
    for await (const text of readLines(source)) {
      n++;
      if (cancel.signal.aborted || cli.io.stdoutClosed()) break;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const p: Promise<void> = runLine(n, text).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
    for (const holder of holders.values()) holder.close();
  }
  const troubled = tally.refused + tally.failed > 0;
  if (!cli.globals.json && (!cli.globals.quiet || troubled)) {
    cli.io.error(
      `run: ${count(tally.lines)} line${tally.lines === 1 ? "" : "s"}: ${count(tally.ok)} ok, ${count(tally.refused)} refused, ${count(tally.failed)} failed`,
    );
  }
  const interrupted = cli.interrupted();
  if (interrupted !== undefined) throw interrupted;
  return tally.refused > 0 ? EXIT.refused : tally.failed > 0 ? EXIT.error : EXIT.ok;
}

/** Runs one line; -1 for a line with no command (blank, comment). */
async function runOne(
  io: ReturnType<typeof groupedIo>,
  text: string,
  opts: { globals: GlobalOptions; shared: SharedContext; dryRun: boolean },
): Promise<number> {
  let argv: string[];
  try {
    argv = shellWords(text);
  } catch (e) {
    if (!(e instanceof ShellWordsError)) throw e;
    return reportError(io, usageError(`${e.message} in this line`, "quote as a POSIX shell would"), {
      json: opts.globals.json,
    });
  }
  if (argv.length === 0) return -1;
  if (opts.dryRun) {
    const spec = specOf(argv);
    if (spec !== undefined && spec.options["dry-run"] === undefined && spec.name !== "serve") {
      // A command with no dry run is not run at all: even a read would be audited.
      if (!opts.globals.json && !opts.globals.quiet) {
        io.error(`run: (dry run) not running ${spec.name}: it has no --dry-run`);
      }
      return EXIT.ok;
    }
    if (spec !== undefined && spec.options["dry-run"] !== undefined) argv = ["--dry-run", ...argv];
  }
  return dispatch(argv, io, { globals: opts.globals, shared: opts.shared, refuse });
}

function specOf(argv: readonly string[]): CommandSpec | undefined {
  const name = findCommand(
    argv,
    COMMANDS.map((c) => c.options),
  );
  return name === undefined ? undefined : findSpec(name);
}

/** What a line may not do: serve MCP, nest `run`, or read stdin (the lines share it, or are it). */
function refuse(spec: CommandSpec, args: readonly string[]): string | undefined {
  if (spec.name === "serve" || spec.name === "run") return `${spec.name} cannot be run inside run`;
  if ((spec.name === "put" || spec.name === "cp") && args[0] === "-") {
    return "stdin (-) cannot be read by a line of run";
  }
  return undefined;
}

async function* readLines(source: string): AsyncGenerator<string> {
  const input = source === "-" ? process.stdin : createReadStream(source);
  const opened = new Promise<void>((resolve, reject) => {
    if (source === "-") resolve();
    input.once("error", reject);
    input.once("readable", () => resolve());
    input.once("end", () => resolve());
  });
  try {
    await opened;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      `cannot read ${JSON.stringify(source)} (${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (code ?? String(e))})`,
      "name a file with one mcp-s3 command per line, or - for stdin",
    );
  }
  yield* createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}
