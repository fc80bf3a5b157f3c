// What a running command gets: its parsed line, the streams, the configuration and the operation
// context (both loaded on first use, so commands that need neither stay fast), cancellation and
// progress bars.
import type { ConfigFlags } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { S3ToolError } from "../errors.ts";
import type { OpsContext } from "../ops/run.ts";
import type { GlobalOptions, OptionValues, OrderedOption } from "./args.ts";
import type { Interrupted } from "./exit.ts";
import type { Io } from "./io.ts";
import { memoryGovernor, TRANSFERS } from "./memory.ts";
import { Output } from "./output.ts";
import { createProgress, type Progress } from "./progress.ts";
import type { CommandSpec } from "./registry.ts";
import { type Cancellation, installCancellation } from "./signals.ts";

export interface Cli {
  readonly spec: CommandSpec;
  readonly globals: GlobalOptions;
  readonly args: readonly string[];
  readonly options: OptionValues;
  /** The command's options in command-line order, one entry per occurrence. */
  readonly optionOrder: readonly OrderedOption[];
  readonly io: Io;
  readonly out: Output;
  config(): Promise<Config>;
  /** The operation context (source "cli"); closed by the dispatcher when the command ends. */
  ops(): Promise<OpsContext>;
  /** Installs SIGINT/SIGTERM handling for this command and returns the signal that aborts it. */
  cancellation(): Cancellation;
  /** The signal that interrupted the command, if any. */
  interrupted(): Interrupted | undefined;
  /** A progress bar (when enabled) that also keeps the transfer's memory bounded (memory.ts). */
  progress(label: string, total: number | undefined): Progress;
  close(): void;
}

export function configFlags(globals: GlobalOptions): ConfigFlags {
  return {
    config: globals.config,
    connection: globals.connection,
    read_only: globals.readOnly,
    max_get_size: globals.maxGetSize,
    max_put_size: globals.maxPutSize,
    audit: globals.audit,
  };
}

/**
 * What the command lines of one `mcp-s3 run` share: operation contexts (one per distinct set of
 * configuration flags, so connections are reused across lines) and the signal handling. A Cli built
 * with it does not close them; their owner does.
 */
export interface SharedContext {
  ops(globals: GlobalOptions): Promise<OpsContext>;
  cancellation(): Cancellation;
}

export function createCli(
  spec: CommandSpec,
  line: {
    globals: GlobalOptions;
    args: readonly string[];
    options: OptionValues;
    optionOrder?: readonly OrderedOption[];
  },
  io: Io,
  shared?: SharedContext,
): Cli {
  const out = new Output(io, { json: line.globals.json, quiet: line.globals.quiet });
  let config: Promise<Config> | undefined;
  let ops: Promise<OpsContext> | undefined;
  let opened: (OpsContext & { close(): void }) | undefined;
  let cancel: Cancellation | undefined;

  const loadConfig = () => {
    config ??= import("../config/load.ts").then(({ loadConfig }) => {
      const flags = configFlags(line.globals);
      if (flags.connection === undefined) return loadConfig({ env: io.env, flags });
      // A connection named on the command line that is not configured is "not found" (exit 4), as
      // for an MCP tool call; the configuration itself is fine.
      const loaded = loadConfig({ env: io.env, flags: { ...flags, connection: undefined } });
      if (!Object.hasOwn(loaded.connections, flags.connection)) {
        throw new S3ToolError(
          "ConnectionNotFound",
          `connection ${JSON.stringify(flags.connection)} is not configured`,
          `configured connections: ${Object.keys(loaded.connections).join(", ")}`,
        );
      }
      return loadConfig({ env: io.env, flags });
    });
    return config;
  };

  return {
    spec,
    globals: line.globals,
    args: line.args,
    options: line.options,
    optionOrder: line.optionOrder ?? [],
    io,
    out,
    config: loadConfig,
    ops() {
      // Consent is this command line's own (its --yes), even where the context is shared (`run`).
      const withConsent = async (base: OpsContext): Promise<OpsContext> => {
        const { cliConsent, processTerminal } = await import("./consent.ts");
        return {
          ...base,
          consent: cliConsent({ yes: line.globals.yes === true, terminal: processTerminal() }),
        };
      };
      if (shared !== undefined) return shared.ops(line.globals).then(withConsent);
      ops ??= (async () => {
        const cfg = await loadConfig();
        const { createOpsContext } = await import("../ops/index.ts");
        opened = createOpsContext(cfg, { source: "cli" });
        return withConsent(opened);
      })();
      return ops;
    },
    cancellation() {
      if (shared !== undefined) return shared.cancellation();
      cancel ??= installCancellation();
      return cancel;
    },
    interrupted: () => (shared === undefined ? cancel : shared.cancellation())?.interrupted(),
    progress(label, total) {
      const bar = createProgress(io, {
        label,
        total,
        enabled: io.stderrIsTTY && !line.globals.quiet && !line.globals.json,
      });
      const govern = memoryGovernor(TRANSFERS);
      return {
        update(done) {
          govern(done);
          bar.update(done);
        },
        finish: () => bar.finish(),
      };
    },
    close() {
      cancel?.dispose();
      opened?.close();
    },
  };
}
