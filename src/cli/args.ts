// The one place that turns argv into a command line: node:util parseArgs, strict, global flags
// accepted anywhere on the line. Everything it rejects is a UsageError (exit 2).
import { parseArgs } from "node:util";
import { S3ToolError } from "../errors.ts";
import { nearest } from "./nearest.ts";

export interface OptionSpec {
  readonly type: "boolean" | "string";
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. "N" for `--max N`. */
  readonly value?: string;
  readonly description: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/**
 * Flags whose value is a boolean the user may also spell out: `--read-only`, `--read-only=false`,
 * `--no-read-only`. parseArgs cannot take `=false` on a boolean option, so these are lifted out of
 * argv before it runs and handed to the configuration loader as written (it validates the word).
 */
export const TOGGLE_FLAGS = ["read-only", "audit"] as const;
export type ToggleFlag = (typeof TOGGLE_FLAGS)[number];

export const GLOBAL_OPTIONS: OptionSpecs = {
  config: { type: "string", value: "PATH", description: "YAML configuration file (else $MCP_S3_CONFIG)" },
  connection: { type: "string", short: "c", value: "NAME", description: "connection to use" },
  json: { type: "boolean", description: "machine-readable output: JSON lines / one JSON object" },
  quiet: { type: "boolean", short: "q", description: "no progress bars and no status messages" },
  help: { type: "boolean", short: "h", description: "show help (global, or for a command)" },
  version: { type: "boolean", description: "show the version and exit" },
  "max-get-size": { type: "string", value: "SIZE", description: "largest object or range read (e.g. 1GB)" },
  "max-put-size": { type: "string", value: "SIZE", description: "largest object written (e.g. 5GB)" },
};

/** Help text for the toggles, which are not parseArgs options. */
export const TOGGLE_HELP: Readonly<Record<ToggleFlag, string>> = {
  "read-only": "block (default) or allow writes: --read-only, --read-only=false, --no-read-only",
  audit: "audit log on or off: --audit, --audit=false, --no-audit",
};

export interface GlobalOptions {
  readonly config?: string | undefined;
  readonly connection?: string | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
  readonly version: boolean;
  readonly readOnly?: string | boolean | undefined;
  readonly audit?: string | boolean | undefined;
  readonly maxGetSize?: string | undefined;
  readonly maxPutSize?: string | undefined;
}

export interface CommandLine {
  readonly globals: GlobalOptions;
  /** The command word, or undefined when argv names none. */
  readonly command: string | undefined;
  /** Positional arguments after the command word. */
  readonly args: readonly string[];
  /** The command's own options. */
  readonly options: OptionValues;
  /** The command's own options in command-line order, one entry per occurrence (--include/--exclude). */
  readonly optionOrder: readonly OrderedOption[];
}

export interface OrderedOption {
  readonly name: string;
  /** The value given, or undefined for a boolean flag. */
  readonly value: string | undefined;
}

export function usageError(message: string, hint = "run `mcp-s3 --help` for usage"): S3ToolError {
  return new S3ToolError("UsageError", message, hint);
}

/**
 * Finds the command word: the first positional, skipping options and the values of those that take
 * one (`others`: every command's options, so `mcp-s3 --max 5 ls …` works too).
 */
export function findCommand(
  argv: readonly string[],
  others: readonly OptionSpecs[] = [],
): string | undefined {
  const { rest } = liftToggles(argv);
  const all = [GLOBAL_OPTIONS, ...others];
  const takesValue = (name: string) => all.some((o) => o[name]?.type === "string");
  const shortTakesValue = (c: string | undefined) =>
    all.some((o) => Object.values(o).some((spec) => spec.short === c && spec.type === "string"));
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === "--") return rest[i + 1];
    if (arg === "-" || !arg.startsWith("-")) return arg;
    if (arg.startsWith("--")) {
      if (!arg.includes("=") && takesValue(arg.slice(2))) i++;
      continue;
    }
    // A short-option cluster: -c NAME, -cNAME, -qc NAME.
    for (let j = 1; j < arg.length; j++) {
      if (shortTakesValue(arg[j])) {
        if (j === arg.length - 1) i++;
        break;
      }
    }
  }
  return undefined;
}

/**
 * Parses the whole line with the global options plus `commandOptions`. The command word must be
 * the first positional; `--` ends the options (so keys that start with `-` can be named).
 */
export function parseCommandLine(
  argv: readonly string[],
  commandOptions: OptionSpecs = {},
  hint = "run `mcp-s3 --help` for usage",
): CommandLine {
  const { rest, toggles } = liftToggles(argv);
  for (const name of Object.keys(commandOptions)) {
    if (GLOBAL_OPTIONS[name] !== undefined) throw new Error(`option --${name} is global`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...GLOBAL_OPTIONS, ...commandOptions } as never,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    const guess = flagSuggestion(e as Error, { ...GLOBAL_OPTIONS, ...commandOptions });
    const message = parseArgsMessage(e as Error & { code?: string });
    throw usageError(guess === undefined ? message : `${message}; ${guess}`, hint);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const str = (name: string) => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const [command, ...args] = parsed.positionals;
  const options: Record<string, string | boolean | string[] | undefined> = {};
  for (const name of Object.keys(commandOptions)) options[name] = values[name];
  const optionOrder: OrderedOption[] = [];
  for (const token of parsed.tokens ?? []) {
    if (token.kind === "option" && Object.hasOwn(commandOptions, token.name)) {
      optionOrder.push({ name: token.name, value: token.value });
    }
  }
  return {
    globals: {
      config: str("config"),
      connection: str("connection"),
      json: values.json === true,
      quiet: values.quiet === true,
      help: values.help === true,
      version: values.version === true,
      readOnly: toggles["read-only"],
      audit: toggles.audit,
      maxGetSize: str("max-get-size"),
      maxPutSize: str("max-put-size"),
    },
    command,
    args,
    options,
    optionOrder,
  };
}

function liftToggles(argv: readonly string[]): {
  rest: string[];
  toggles: Partial<Record<ToggleFlag, string | boolean>>;
} {
  const rest: string[] = [];
  const toggles: Partial<Record<ToggleFlag, string | boolean>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const toggle = matchToggle(arg);
    if (toggle === undefined) {
      rest.push(arg);
      continue;
    }
    toggles[toggle.name] = toggle.value;
  }
  return { rest, toggles };
}

function matchToggle(arg: string): { name: ToggleFlag; value: string | boolean } | undefined {
  for (const name of TOGGLE_FLAGS) {
    if (arg === `--${name}`) return { name, value: true };
    if (arg === `--no-${name}`) return { name, value: false };
    if (arg.startsWith(`--${name}=`)) {
      const value = arg.slice(name.length + 3);
      if (value === "") throw usageError(`--${name}= needs a value: true or false`);
      return { name, value };
    }
  }
  return undefined;
}

function parseArgsMessage(e: Error & { code?: string }): string {
  const unknown = /Unknown option '([^']+)'/.exec(e.message);
  if (unknown !== null) {
    return `unknown flag ${unknown[1]} (to pass an argument that starts with "-", put it after --)`;
  }
  return (e.message.split("\n")[0] ?? e.message).replace(/^Option '([^']+)'/, "flag $1");
}

/** "did you mean --recursive?" for an unknown flag close to a known one (toggles included). */
function flagSuggestion(e: Error, options: OptionSpecs): string | undefined {
  const unknown = /Unknown option '--?([^'=]+)/.exec(e.message)?.[1];
  if (unknown === undefined) return undefined;
  const known = [...Object.keys(options), ...TOGGLE_FLAGS, ...TOGGLE_FLAGS.map((t) => `no-${t}`)];
  const close = nearest(unknown, known);
  return close.length === 0 ? undefined : `did you mean ${close.map((c) => `--${c}`).join(" or ")}?`;
}
