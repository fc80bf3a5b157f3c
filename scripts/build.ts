// Compiles src/main.ts into one self-contained executable with `bun build --compile`.
//
//   bun scripts/build.ts                      host target  -> dist/mcp-s3 (dist/mcp-s3.exe on Windows)
//   bun scripts/build.ts --target bun-linux-arm64 --outfile dist/mcp-s3-arm64
//   bun scripts/build.ts --no-bytecode        same, without the bytecode cache
//
// Version (package.json), commit (`git rev-parse --short HEAD`, or $MCP_S3_COMMIT, or "unknown") and
// target are injected with --define and shown by `mcp-s3 version`. Release archives are made by
// scripts/release.ts, which calls buildBinary() below for every target.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_ENTRY = join(ROOT, "src", "main.ts");

/** One release platform: the Bun compile target and the os/arch names used in archive names. */
export interface ReleaseTarget {
  /** `bun build --target` value, also injected as the build target shown by `mcp-s3 version`. */
  readonly bunTarget: string;
  /** Archive name part, Go/goreleaser style: linux, darwin, windows. */
  readonly os: "linux" | "darwin" | "windows";
  /** Archive name part: amd64 or arm64 (plus `_musl` for the musl build). */
  readonly arch: string;
  /** Name of the executable inside the archive. */
  readonly binary: "mcp-s3" | "mcp-s3.exe";
  /** Archive format. */
  readonly archive: "tar.gz" | "zip";
}

/** The six release platforms, in the order they are built and listed. */
export const RELEASE_TARGETS: readonly ReleaseTarget[] = Object.freeze([
  { bunTarget: "bun-linux-x64", os: "linux", arch: "amd64", binary: "mcp-s3", archive: "tar.gz" },
  { bunTarget: "bun-linux-arm64", os: "linux", arch: "arm64", binary: "mcp-s3", archive: "tar.gz" },
  { bunTarget: "bun-linux-x64-musl", os: "linux", arch: "amd64_musl", binary: "mcp-s3", archive: "tar.gz" },
  { bunTarget: "bun-darwin-x64", os: "darwin", arch: "amd64", binary: "mcp-s3", archive: "tar.gz" },
  { bunTarget: "bun-darwin-arm64", os: "darwin", arch: "arm64", binary: "mcp-s3", archive: "tar.gz" },
  { bunTarget: "bun-windows-x64", os: "windows", arch: "amd64", binary: "mcp-s3.exe", archive: "zip" },
]);

export interface BuildOptions {
  /** Bun compile target, e.g. `bun-linux-x64`. Defaults to the host (see hostTarget()). */
  readonly target?: string;
  /** Output path; relative paths are taken from the repository root. */
  readonly outfile: string;
  /** Embed a bytecode cache (faster start-up, larger file). Default true. */
  readonly bytecode?: boolean;
  /** Minify. Default true. */
  readonly minify?: boolean;
  /** Entry point. Default src/main.ts. */
  readonly entry?: string;
  /** Version to inject. Default: package.json version. */
  readonly version?: string;
  /** Commit to inject. Default: gitCommit(). */
  readonly commit?: string;
  /** Print the bun command line and its output. Default false. */
  readonly verbose?: boolean;
}

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  if (typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string") {
    return pkg.version;
  }
  throw new Error("package.json has no version");
}

function git(args: readonly string[]): string | undefined {
  const r = spawnSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const out = r.status === 0 ? r.stdout.trim() : "";
  return out === "" ? undefined : out;
}

/** Short commit of HEAD; $MCP_S3_COMMIT wins (container builds have no .git); "unknown" otherwise. */
export function gitCommit(): string {
  const fromEnv = process.env.MCP_S3_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  return git(["rev-parse", "--short", "HEAD"]) ?? "unknown";
}

/**
 * Timestamp used for archive mtimes: $SOURCE_DATE_EPOCH if set (reproducible-builds.org
 * convention), else the committer time of HEAD, else 0.
 */
export function sourceDateEpoch(): number {
  const fromEnv = process.env.SOURCE_DATE_EPOCH?.trim();
  if (fromEnv && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  const t = git(["log", "-1", "--format=%ct", "HEAD"]);
  return t && /^\d+$/.test(t) ? Number(t) : 0;
}

/** The Bun compile target of the machine running this script. */
export function hostTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  if (os !== "linux" && os !== "darwin" && os !== "windows") {
    throw new Error(`no Bun compile target for platform ${process.platform}`);
  }
  const arch = process.arch === "x64" ? "x64" : process.arch === "arm64" ? "arm64" : undefined;
  if (arch === undefined) throw new Error(`no Bun compile target for architecture ${process.arch}`);
  const musl = os === "linux" && existsSync(`/lib/ld-musl-${arch === "x64" ? "x86_64" : "aarch64"}.so.1`);
  return `bun-${os}-${arch}${musl ? "-musl" : ""}`;
}

/** The `bun build` arguments for one binary; exported so tests can check the hardening flags. */
export function bunBuildArgs(o: {
  target: string;
  outfile: string;
  entry: string;
  bytecode: boolean;
  minify: boolean;
  version: string;
  commit: string;
}): string[] {
  const args = [
    "build",
    o.entry,
    "--compile",
    `--target=${o.target}`,
    `--outfile=${o.outfile}`,
    // A compiled Bun executable would otherwise read .env and bunfig.toml from the directory it is
    // started in: a .env could switch read-only off, and bunfig.toml `preload` runs arbitrary code.
    // mcp-s3 takes configuration only from its flags, its environment and its own config file.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    "--no-compile-autoload-tsconfig",
    "--no-compile-autoload-package-json",
    `--define=__MCP_S3_VERSION__=${JSON.stringify(o.version)}`,
    `--define=__MCP_S3_COMMIT__=${JSON.stringify(o.commit)}`,
    `--define=__MCP_S3_TARGET__=${JSON.stringify(o.target)}`,
    // Without a format, --bytecode switches the bundle to CommonJS, which breaks top-level await.
    "--format=esm",
  ];
  if (o.minify) args.push("--minify");
  if (o.bytecode) args.push("--bytecode");
  return args;
}

/**
 * Compiles one executable and returns its absolute path. Throws with bun's output if the build
 * fails or produces no file.
 */
export async function buildBinary(options: BuildOptions): Promise<string> {
  const target = options.target ?? hostTarget();
  const outfile = resolve(ROOT, options.outfile);
  const entry = resolve(ROOT, options.entry ?? DEFAULT_ENTRY);
  if (!existsSync(entry)) throw new Error(`entry point ${entry} does not exist`);
  mkdirSync(dirname(outfile), { recursive: true });
  const args = bunBuildArgs({
    target,
    outfile,
    entry,
    bytecode: options.bytecode ?? true,
    minify: options.minify ?? true,
    version: options.version ?? packageVersion(),
    commit: options.commit ?? gitCommit(),
  });
  if (options.verbose) console.error(`$ bun ${args.join(" ")}`);
  // process.execPath is the bun that runs this script (scripts are run with `bun`), so the compiler
  // is the project's pinned devDependency, not whatever bun happens to be on PATH.
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (options.verbose) process.stderr.write(stdout + stderr);
  // Windows executables get ".exe" appended when the outfile lacks it.
  const produced = existsSync(outfile) ? outfile : `${outfile}.exe`;
  if (code !== 0 || !existsSync(produced) || statSync(produced).size === 0) {
    throw new Error(`bun build for ${target} failed (exit ${code}):\n${stdout}${stderr}`);
  }
  return produced;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      outfile: { type: "string" },
      "no-bytecode": { type: "boolean", default: false },
      "no-minify": { type: "boolean", default: false },
      entry: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: bun scripts/build.ts [--target bun-<os>-<arch>] [--outfile PATH] [--no-bytecode] [--no-minify] [--entry FILE]",
    );
    return;
  }
  const target = values.target ?? hostTarget();
  const outfile = values.outfile ?? join("dist", target.startsWith("bun-windows") ? "mcp-s3.exe" : "mcp-s3");
  const started = performance.now();
  const path = await buildBinary({
    target,
    outfile,
    bytecode: !values["no-bytecode"],
    minify: !values["no-minify"],
    verbose: !values.quiet,
    ...(values.entry === undefined ? {} : { entry: values.entry }),
  });
  const mb = (statSync(path).size / 1024 / 1024).toFixed(1);
  console.error(
    `built ${path} (${target}, ${packageVersion()}, ${gitCommit()}, ${mb} MiB, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
