// Shared by the release smoke tests (tests/release/*.test.ts).
//
// The artifact tests build all six targets (about a minute), so they run from
// `npm run test:release` (or with MCP_S3_RELEASE_TESTS=1); a plain `bun test` skips them with a
// note. A dist/release built from the current sources is reused (see freshManifest()).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../scripts/build.ts";
import { buildRelease, DEFAULT_OUT, freshManifest, type ReleaseManifest } from "../../scripts/release.ts";

export { ROOT };
export const RELEASE_DIR = DEFAULT_OUT;

/** On under `npm run test:release` (npm and bun set npm_lifecycle_event) or MCP_S3_RELEASE_TESTS=1. */
export const RELEASE_TESTS =
  process.env.MCP_S3_RELEASE_TESTS === "1" || process.env.npm_lifecycle_event === "test:release";
export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? "");

if (!RELEASE_TESTS) {
  console.warn("release artifact tests skipped: run `npm run test:release` (or set MCP_S3_RELEASE_TESTS=1)");
}

let pending: Promise<ReleaseManifest> | undefined;

/** The manifest of dist/release, building it first unless it is fresh. */
export function ensureRelease(): Promise<ReleaseManifest> {
  pending ??= (async () => {
    const fresh = process.env.MCP_S3_RELEASE_REBUILD === "1" ? undefined : freshManifest(RELEASE_DIR);
    if (fresh) {
      console.warn(`reusing ${RELEASE_DIR} (built from the current sources at ${fresh.commit})`);
      return fresh;
    }
    return buildRelease({ outDir: RELEASE_DIR, log: (l) => console.warn(l) });
  })();
  return pending;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `mcp-s3-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Unpacks a release archive (tar.gz or zip) into `dir` and returns `dir`. */
export function extract(archivePath: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const r = archivePath.endsWith(".zip")
    ? spawnSync("unzip", ["-q", "-o", archivePath, "-d", dir], { encoding: "utf8", timeout: 60_000 })
    : spawnSync("tar", ["-xzf", archivePath, "-C", dir], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`cannot unpack ${archivePath}: ${r.stderr || r.error?.message}`);
  return dir;
}

/**
 * An environment with nothing from the developer's machine that could change the result: no AWS
 * credentials or profiles, no MCP_S3_* settings, and a HOME/XDG_CONFIG_HOME with no config file.
 */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(join(home, ".config"), { recursive: true });
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    AWS_CONFIG_FILE: join(home, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    NO_COLOR: "1",
    ...extra,
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: { env: Record<string, string>; cwd?: string; timeoutMs?: number },
): RunResult {
  const r = spawnSync(cmd, args, {
    env: opts.env,
    cwd: opts.cwd ?? tmpdir(),
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export function gitShortHead(): string {
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : "unknown";
}

/** How to run a linux-arm64 binary here: natively, under qemu-user, or not at all. */
export function arm64Runner(): { prefix: string[] } | { skip: string } {
  if (process.platform === "linux" && process.arch === "arm64") return { prefix: [] };
  const qemu = spawnSync("qemu-aarch64-static", ["--version"], { stdio: "ignore", timeout: 60_000 });
  if (qemu.error || qemu.status !== 0) {
    return { skip: "qemu-aarch64-static is not installed (bash scripts/install-qemu.sh)" };
  }
  if (!existsSync("/lib/ld-linux-aarch64.so.1")) {
    return { skip: "arm64 glibc/libstdc++ are not installed (bash scripts/install-qemu.sh)" };
  }
  return { prefix: ["qemu-aarch64-static", "-L", "/"] };
}
