// The npm packages: which platform package the launcher picks (everywhere), what each tarball holds,
// and, on linux-x64, the packages installed from their tarballs into a temporary prefix with npm
// offline, then used through the installed `mcp-s3` command: version, exit codes, MCP over stdio
// and signals.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { RELEASE_TARGETS } from "../../scripts/build.ts";
import { MCP_SERVER_NAME, REPOSITORY_URL } from "../../scripts/distribution.ts";
import {
  isolatedNpmEnv,
  LAUNCHER_PATH,
  LAUNCHER_SOURCE,
  NPM_MAIN_PACKAGE,
  NPM_PLATFORMS,
  npmTarballName,
} from "../../scripts/npm.ts";
import { archiveName, NPM_DIR, type ReleaseManifest } from "../../scripts/release.ts";
import {
  cleanEnv,
  ensureRelease,
  memberNames,
  memberSha256,
  packageVersion,
  RELEASE_DIR,
  RELEASE_TESTS,
  run,
  tempDir,
} from "./helpers.ts";

interface Launcher {
  PLATFORM_PACKAGES: Record<string, string>;
  platformPackage(platform: string, arch: string, libc?: string): string | undefined;
}
const launcher = createRequire(import.meta.url)(LAUNCHER_SOURCE) as Launcher;

describe("launcher: the platform package for this machine", () => {
  const rows: Array<
    [platform: string, arch: string, libc: string | undefined, expected: string | undefined]
  > = [
    ["linux", "x64", "glibc", "@txn2/mcp-s3-linux-x64"],
    ["linux", "x64", "musl", "@txn2/mcp-s3-linux-x64-musl"],
    ["linux", "arm64", "glibc", "@txn2/mcp-s3-linux-arm64"],
    ["darwin", "x64", undefined, "@txn2/mcp-s3-darwin-x64"],
    ["darwin", "arm64", undefined, "@txn2/mcp-s3-darwin-arm64"],
    ["win32", "x64", undefined, "@txn2/mcp-s3-win32-x64"],
    // libc only matters on Linux.
    ["darwin", "arm64", "musl", "@txn2/mcp-s3-darwin-arm64"],
    ["win32", "x64", "musl", "@txn2/mcp-s3-win32-x64"],
    // No build exists: a clear error, never the wrong binary.
    ["linux", "arm64", "musl", undefined],
    ["win32", "arm64", undefined, undefined],
    ["linux", "ia32", "glibc", undefined],
    ["linux", "arm", "glibc", undefined],
    ["freebsd", "x64", undefined, undefined],
    ["android", "arm64", undefined, undefined],
    ["aix", "ppc64", undefined, undefined],
    // Keys of the table must not be reachable through prototype names or odd strings.
    ["constructor", "", undefined, undefined],
    ["__proto__", "x64", undefined, undefined],
    ["linux-x64", "", undefined, undefined],
    ["", "", undefined, undefined],
  ];
  for (const [platform, arch, libc, expected] of rows) {
    test(`${platform || "''"}/${arch || "''"}${libc ? `/${libc}` : ""} -> ${expected ?? "none"}`, () => {
      expect(launcher.platformPackage(platform, arch, libc)).toBe(expected);
    });
  }

  test("the launcher knows exactly the packages scripts/npm.ts builds, each for its own platform", () => {
    expect(Object.values(launcher.PLATFORM_PACKAGES).sort()).toEqual(NPM_PLATFORMS.map((p) => p.name).sort());
    for (const p of NPM_PLATFORMS) expect(launcher.platformPackage(p.os, p.cpu, p.libc)).toBe(p.name);
    expect(NPM_PLATFORMS.map((p) => p.bunTarget).sort()).toEqual(
      RELEASE_TARGETS.map((t) => t.bunTarget).sort(),
    );
  });

  test("under Node.js it loads as CommonJS and detects this machine's C library", () => {
    const r = spawnSync(
      "node",
      ["-e", `const l = require(${JSON.stringify(LAUNCHER_SOURCE)}); console.log(l.detectLibc())`],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    if (process.platform === "linux") {
      const musl = existsSync(`/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`);
      expect(r.stdout.trim()).toBe(musl ? "musl" : "glibc");
    }
  });
});

function tarballOf(name: string, version: string): string {
  return join(RELEASE_DIR, NPM_DIR, npmTarballName(name, version));
}

function packageJsonOf(tarball: string): Record<string, unknown> {
  const r = spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`no package.json in ${tarball}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe.skipIf(!RELEASE_TESTS)("npm tarballs", () => {
  const version = packageVersion();
  let m: ReleaseManifest;
  beforeAll(async () => {
    m = await ensureRelease();
  }, 900_000);

  test("dist/release/npm holds the main package and one package per release target, nothing else", () => {
    const expected = [NPM_MAIN_PACKAGE, ...NPM_PLATFORMS.map((p) => p.name)].map((n) =>
      npmTarballName(n, version),
    );
    expect(readdirSync(join(RELEASE_DIR, NPM_DIR)).sort()).toEqual(expected.sort());
    expect(m.npm.map((e) => e.file).sort()).toEqual(expected.map((f) => `${NPM_DIR}/${f}`).sort());
  });

  test("mcp-s3: the launcher as bin, every platform package as an exact optional dependency, mcpName", () => {
    const tarball = tarballOf(NPM_MAIN_PACKAGE, version);
    expect(memberNames(tarball).sort()).toEqual(
      ["package/LICENSE", "package/README.md", `package/${LAUNCHER_PATH}`, "package/package.json"].sort(),
    );
    const pkg = packageJsonOf(tarball);
    expect(pkg.name).toBe("mcp-s3");
    expect(pkg.version).toBe(version);
    expect(pkg.bin).toEqual({ "mcp-s3": LAUNCHER_PATH });
    expect(pkg.mcpName).toBe(MCP_SERVER_NAME);
    expect(pkg.optionalDependencies).toEqual(Object.fromEntries(NPM_PLATFORMS.map((p) => [p.name, version])));
    // No install-time code: the binary arrives as a dependency, not a download.
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.dependencies).toBeUndefined();
    // npm provenance is refused unless the package names the repository it was built from.
    expect(pkg.repository).toEqual({ type: "git", url: `git+${REPOSITORY_URL}.git` });
    expect(memberSha256(tarball, `package/${LAUNCHER_PATH}`)).toBe(
      new Bun.CryptoHasher("sha256").update(readFileSync(LAUNCHER_SOURCE)).digest("hex"),
    );
  });

  for (const p of NPM_PLATFORMS) {
    test(`${p.name}: selected by os/cpu/libc, holds only its binary, the same file as in the archive`, () => {
      const t = RELEASE_TARGETS.find((x) => x.bunTarget === p.bunTarget);
      if (!t) throw new Error(`no target ${p.bunTarget}`);
      const tarball = tarballOf(p.name, version);
      expect(memberNames(tarball).sort()).toEqual(
        ["package/LICENSE", "package/README.md", `package/bin/${t.binary}`, "package/package.json"].sort(),
      );
      const pkg = packageJsonOf(tarball);
      expect([pkg.name, pkg.version, pkg.os, pkg.cpu, pkg.libc]).toEqual([
        p.name,
        version,
        [p.os],
        [p.cpu],
        p.libc === undefined ? undefined : [p.libc],
      ]);
      expect(pkg.bin).toBeUndefined();
      expect(pkg.scripts).toBeUndefined();
      expect(pkg.repository).toEqual({ type: "git", url: `git+${REPOSITORY_URL}.git` });
      const mode = spawnSync("tar", ["-tvzf", tarball, `package/bin/${t.binary}`], { encoding: "utf8" });
      expect(mode.stdout).toStartWith("-rwxr-xr-x");
      expect(memberSha256(tarball, `package/bin/${t.binary}`)).toBe(
        memberSha256(join(RELEASE_DIR, archiveName(version, t)), t.binary),
      );
    }, 120_000);
  }
});

/** Waits for `child` to exit; kills it (it is ours) and fails if that takes longer than `ms`. */
function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolvePromise, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolvePromise({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`process ${child.pid} did not exit within ${ms} ms`));
    }, ms);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal });
    });
  });
}

/** The pids of `pid`'s children (Linux). */
function childrenOf(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(Number);
}

const processExists = (pid: number) => existsSync(`/proc/${pid}`);

const CANNOT_RUN_HERE = process.platform !== "linux" || process.arch !== "x64";

describe.skipIf(!RELEASE_TESTS || CANNOT_RUN_HERE)("installed with npm, offline, from the tarballs", () => {
  const version = packageVersion();
  let tmp: { dir: string; cleanup: () => void } | undefined;
  let bin = "";
  const env = () => cleanEnv(join(tmp?.dir ?? "", "home"));

  /** `npm install -g` into a fresh prefix; no registry is reachable and the cache starts empty. */
  function npmInstall(prefix: string, tarballs: readonly string[]) {
    const home = join(tmp?.dir ?? "", `npm-${prefix.split("/").at(-1)}`);
    const r = spawnSync(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--offline",
        "--registry",
        "http://127.0.0.1:9/",
        "--no-audit",
        "--no-fund",
        ...tarballs,
      ],
      { env: isolatedNpmEnv(home), cwd: tmp?.dir, encoding: "utf8", timeout: 240_000 },
    );
    if (r.status !== 0) throw new Error(`npm install failed (${r.status}):\n${r.stdout}${r.stderr}`);
    return r;
  }

  beforeAll(async () => {
    await ensureRelease();
    tmp = tempDir("npm");
    const prefix = join(tmp.dir, "prefix");
    // Both tarballs in one command: npm takes the platform package from its tarball and skips the
    // other optional dependencies, which it cannot fetch offline (they are not for this platform).
    npmInstall(prefix, [tarballOf("@txn2/mcp-s3-linux-x64", version), tarballOf(NPM_MAIN_PACKAGE, version)]);
    bin = join(prefix, "bin", "mcp-s3");
  }, 900_000);
  afterAll(() => tmp?.cleanup());

  test("npm linked bin/mcp-s3 to the launcher and installed the linux-x64 package only", () => {
    const lib = join(tmp?.dir ?? "", "prefix", "lib", "node_modules");
    expect(readdirSync(lib).sort()).toEqual(["@txn2", "mcp-s3"]);
    expect(readdirSync(join(lib, "@txn2"))).toEqual(["mcp-s3-linux-x64"]);
    expect(readFileSync(bin, "utf8")).toBe(readFileSync(LAUNCHER_SOURCE, "utf8"));
  });

  test("mcp-s3 version --json runs the linux-x64 binary of this release", () => {
    const r = run(bin, ["version", "--json"], { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as Record<string, unknown>;
    expect([v.version, v.target]).toEqual([version, "bun-linux-x64"]);
  }, 120_000);

  test("arguments, stderr and the exit code pass through (config check: 0 valid, 5 invalid)", () => {
    expect(run(bin, ["config", "check"], { env: env() }).code).toBe(0);
    const bad = run(bin, ["config", "check"], { env: { ...env(), MCP_S3_MAX_GET_SIZE: "-1" } });
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain("MCP_S3_MAX_GET_SIZE");
    const usage = run(bin, ["no-such-command"], { env: env() });
    expect(usage.code).toBe(2);
  }, 120_000);

  test("MCP over stdio through the launcher: tools/list and a tool call", async () => {
    const client = new Client({ name: "mcp-s3-npm-smoke", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({ command: bin, args: [], env: env(), cwd: tmp?.dir ?? "", stderr: "pipe" }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("s3_get_object");
      expect(tools).toHaveLength(9);
      const res = await client.callTool({ name: "s3_list_connections", arguments: {} });
      expect(res.isError).toBeFalsy();
      expect(JSON.stringify(res.structuredContent)).toContain('"default"');
    } finally {
      await client.close();
    }
  }, 120_000);

  /** Starts the server through the launcher with piped stdio and waits until it answers MCP. */
  async function startServing(): Promise<{ launcher: ChildProcess; binary: number }> {
    const child = spawn(bin, [], { env: env(), cwd: tmp?.dir, stdio: ["pipe", "pipe", "pipe"] });
    const answered = new Promise<void>((resolvePromise, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("no initialize response within 60 s")), 60_000);
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes('"id":1')) {
          clearTimeout(timer);
          resolvePromise();
        }
      });
    });
    child.stdin?.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      })}\n`,
    );
    await answered;
    const [binary] = childrenOf(child.pid ?? 0);
    if (binary === undefined) throw new Error("the launcher has no child process");
    return { launcher: child, binary };
  }

  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    test(`${sig} to the launcher reaches the binary, which shuts down; no process is left`, async () => {
      const { launcher: child, binary } = await startServing();
      expect(processExists(binary)).toBe(true);
      child.kill(sig);
      const end = await exited(child, 60_000);
      // serve ends with 0 on SIGTERM/SIGINT; SIGHUP has no handler, so the binary dies of it and the
      // launcher re-raises it on itself.
      expect(end).toEqual(sig === "SIGHUP" ? { code: null, signal: "SIGHUP" } : { code: 0, signal: null });
      expect(processExists(binary)).toBe(false);
    }, 120_000);
  }

  test("a binary killed by a signal makes the launcher die of the same signal", async () => {
    const { launcher: child, binary } = await startServing();
    process.kill(binary, "SIGKILL");
    expect(await exited(child, 60_000)).toEqual({ code: null, signal: "SIGKILL" });
  }, 120_000);

  test("without the platform package the launcher names the missing package and exits 1", () => {
    const prefix = join(tmp?.dir ?? "", "prefix-main-only");
    npmInstall(prefix, [tarballOf(NPM_MAIN_PACKAGE, version)]);
    const r = run(join(prefix, "bin", "mcp-s3"), ["version"], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("@txn2/mcp-s3-linux-x64");
    expect(r.stderr).toContain("is not installed");
  }, 300_000);
});
