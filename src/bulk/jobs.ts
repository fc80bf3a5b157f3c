// From a command line to a bulk job: which locations are sources and destinations, how a key maps
// to its destination (SPEC §6.1 "Patterns": a matched object keeps its path below the pattern's
// literal prefix; a directory's contents go directly under the destination), and the flags.
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { usageError } from "../cli/args.ts";
import type { Cli } from "../cli/context.ts";
import { keyBaseName, type Location, parseAny, parseS3, resolveKey } from "../cli/location.ts";
import { uploadSettings } from "../cli/transfer/settings.ts";
import { S3ToolError } from "../errors.ts";
import type { Action } from "./actions.ts";
import { compileFilters, filterRulesFromCli, type PathFilter } from "./filter.ts";
import { folderPrefix } from "./listing.ts";
import { parseKeyPattern } from "./pattern.ts";
import {
  type LocalSource,
  remotePlan,
  type SyncSource,
  type SyncTarget,
  syncPlan,
  type Target,
  uploadPlan,
} from "./plans.ts";
import type { RemoteTree } from "./remote-tree.ts";
import type { BulkJob } from "./runner.ts";
import type { CompareMode } from "./sync-compare.ts";

export type TransferCommand = "cp" | "get" | "put" | "mv";

/** True when a cp/get/put command line asks for the bulk path: -r, --dry-run or a pattern. */
export function isBulk(cli: Cli, command: TransferCommand, sourceText: string): boolean {
  if (cli.options.recursive === true || cli.options["dry-run"] === true) return true;
  if (command === "put") return false;
  const src = command === "get" ? s3(sourceText) : parseAny(sourceText);
  return src.kind === "s3" && parseKeyPattern(src.key).wildcard;
}

/** cp / get / put / mv with -r, a pattern or --dry-run (and every mv). */
export async function transferJob(
  cli: Cli,
  command: TransferCommand,
  sourceText: string,
  destText: string | undefined,
): Promise<BulkJob> {
  const src =
    command === "get" ? s3(sourceText) : command === "put" ? local(sourceText) : parseAny(sourceText);
  const dst =
    command === "put"
      ? s3(destText ?? "")
      : command === "get"
        ? local(destText ?? ".")
        : parseAny(destText ?? "");
  if (src.kind === "std" || dst.kind === "std") {
    throw usageError(
      `${command}: - (stdin/stdout) names one object, not a tree`,
      "name a directory or an s3:// location",
    );
  }
  const recursive = cli.options.recursive === true;
  const filter = await filters(cli);
  const move = command === "mv";
  const common = { settings: uploadSettings(cli.options), dryRun: cli.options["dry-run"] === true };

  if (src.kind === "local") {
    if (dst.kind !== "s3")
      throw usageError(
        `${command} needs an s3:// location on at least one side`,
        "use cp(1) or mv(1) for local files",
      );
    if (!recursive && (await isDirectory(src.path))) {
      throw usageError(
        `${JSON.stringify(src.path)} is a directory`,
        `add -r to ${command} the files below it`,
      );
    }
    const source: LocalSource = {
      root: src.path,
      followSymlinks: cli.options["follow-symlinks"] === true,
      filter,
    };
    const target: Target = recursive
      ? { kind: "s3", bucket: dst.bucket, prefix: folderPrefix(dst.key) }
      : { kind: "s3-object", bucket: dst.bucket, key: resolveKey(dst.key, basename(src.path)) };
    return { ...common, nothingMatchedIs4: false, plan: () => uploadPlan(source, target, { move }) };
  }

  const pattern = parseKeyPattern(src.key);
  let tree: RemoteTree;
  let target: Target;
  let single: string | undefined;
  if (pattern.wildcard || recursive) {
    const prefix = pattern.wildcard ? pattern.literalPrefix : folderPrefix(src.key);
    tree = pattern.wildcard
      ? { bucket: src.bucket, prefix, pattern, relative: pattern.relative, filter }
      : { bucket: src.bucket, prefix, relative: (key) => key.slice(prefix.length), filter };
    target =
      dst.kind === "s3"
        ? { kind: "s3", bucket: dst.bucket, prefix: folderPrefix(dst.key) }
        : { kind: "local", root: dst.path };
  } else {
    // One object, found by listing it (the listing is what a dry run may send; a real run then
    // copies what it listed, If-Match its ETag).
    const key = pattern.literalPrefix; // the key, escapes removed
    if (key === "" || key.endsWith("/")) {
      throw usageError(
        `${JSON.stringify(sourceText)} names ${key === "" ? "a bucket" : "a folder"}, not an object`,
        `add -r to ${command} every object below it`,
      );
    }
    single = key;
    const base = keyBaseName(key);
    tree = { bucket: src.bucket, prefix: key, pattern, relative: keyBaseName, filter: () => true };
    target =
      dst.kind === "s3"
        ? { kind: "s3-object", bucket: dst.bucket, key: resolveKey(dst.key, base) }
        : { kind: "local-file", path: await localTarget(dst.path, base) };
    if (target.kind === "s3-object" && target.bucket === src.bucket && target.key === key) {
      throw usageError(
        `${command}: the source and the destination are the same object`,
        "name a different destination",
      );
    }
  }
  return {
    ...common,
    nothingMatchedIs4: true,
    plan: (ops, signal) => {
      const plan = remotePlan(ops, { ...tree, signal }, target, { move });
      return single === undefined ? plan : exactlyOne(plan, src.bucket, single);
    },
  };
}

/** sync SRC DST: directory ↔ prefix, prefix → prefix. */
export async function syncJob(cli: Cli, sourceText: string, destText: string): Promise<BulkJob> {
  const src = parseAny(sourceText);
  const dst = parseAny(destText);
  if (src.kind === "std" || dst.kind === "std")
    throw usageError("sync: - (stdin/stdout) is not a tree", "name a directory or an s3:// prefix");
  if (src.kind === "local" && dst.kind === "local") {
    throw usageError(
      "sync needs an s3:// location on at least one side",
      "use rsync(1) for two local directories",
    );
  }
  for (const loc of [src, dst]) {
    if (loc.kind === "s3" && parseKeyPattern(loc.key).wildcard) {
      throw usageError(
        "sync takes a directory or a prefix, not a pattern",
        "narrow it with --include / --exclude",
      );
    }
  }
  if (cli.options.checksum === true && cli.options["size-only"] === true) {
    throw usageError("--checksum and --size-only cannot be used together");
  }
  const mode: CompareMode =
    cli.options.checksum === true ? "checksum" : cli.options["size-only"] === true ? "size-only" : "default";
  const filter = await filters(cli);
  const followSymlinks = cli.options["follow-symlinks"] === true;
  const tree = (loc: Extract<Location, { kind: "s3" }>, signal: AbortSignal): RemoteTree => {
    const prefix = folderPrefix(loc.key);
    return { bucket: loc.bucket, prefix, relative: (key) => key.slice(prefix.length), filter, signal };
  };
  return {
    settings: uploadSettings(cli.options),
    dryRun: cli.options["dry-run"] === true,
    nothingMatchedIs4: false,
    plan: (ops, signal) => {
      const source: SyncSource =
        src.kind === "local"
          ? { kind: "local", local: { root: src.path, followSymlinks, filter } }
          : { kind: "s3", tree: tree(src, signal) };
      const target: SyncTarget =
        dst.kind === "local"
          ? { kind: "local", local: { root: dst.path, followSymlinks: false, filter } }
          : { kind: "s3", tree: tree(dst, signal), bucket: dst.bucket, prefix: folderPrefix(dst.key) };
      return syncPlan(ops, source, target, { mode, delete: cli.options.delete === true });
    },
  };
}

async function filters(cli: Cli): Promise<PathFilter> {
  return compileFilters(await filterRulesFromCli(cli));
}

function s3(text: string): Location {
  return { kind: "s3", ...parseS3(text) };
}

function local(text: string): Location {
  return text === "-" ? { kind: "std" } : { kind: "local", path: text };
}

/** A file path, or a directory (existing, or written with a trailing "/") that gets `base` appended. */
async function localTarget(path: string, base: string): Promise<string> {
  return path.endsWith("/") || (await isDirectory(path)) ? join(path, base) : path;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** One named object: a listing that does not find it is "no such key", as for the single commands. */
async function* exactlyOne(plan: AsyncIterable<Action>, bucket: string, key: string): AsyncGenerator<Action> {
  let found = false;
  for await (const action of plan) {
    found = true;
    yield action;
  }
  if (!found) {
    throw new S3ToolError(
      "NoSuchKey",
      `no such key (s3://${bucket}/${key})`,
      "check the key (keys are case-sensitive); list the prefix to see what exists",
    );
  }
}
