// Runs the shipped binaries (unpacked from the release archives): linux-amd64 natively and
// linux-arm64 natively on arm64 or under qemu-user. Checks the build info injected at build time,
// `config check`, and that the binary ignores .env / bunfig.toml in its working directory.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReleaseManifest } from "../../scripts/release.ts";
import {
  arm64Runner,
  cleanEnv,
  ensureRelease,
  extract,
  gitShortHead,
  IN_CI,
  packageVersion,
  RELEASE_DIR,
  RELEASE_TESTS,
  run,
  tempDir,
} from "./helpers.ts";

function archiveOf(m: ReleaseManifest, bunTarget: string): string {
  const a = m.archives.find((x) => x.bunTarget === bunTarget);
  if (!a) throw new Error(`no archive for ${bunTarget}`);
  return join(RELEASE_DIR, a.file);
}

function parseVersionJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const v: unknown = JSON.parse(lines[0] ?? "");
  expect(typeof v).toBe("object");
  return v as Record<string, unknown>;
}

const CANNOT_RUN_HERE = process.platform !== "linux" || process.arch !== "x64";

describe.skipIf(!RELEASE_TESTS || CANNOT_RUN_HERE)("linux-amd64 binary", () => {
  let m: ReleaseManifest;
  let bin = "";
  let tmp: { dir: string; cleanup: () => void } | undefined;

  beforeAll(async () => {
    m = await ensureRelease();
    tmp = tempDir("amd64");
    bin = join(extract(archiveOf(m, "bun-linux-x64"), join(tmp.dir, "bin")), "mcp-s3");
  }, 900_000);
  afterAll(() => tmp?.cleanup());

  const env = (extra: Record<string, string> = {}) => cleanEnv(join(tmp?.dir ?? "", "home"), extra);

  test("version --json shows the injected version, commit and target", () => {
    const r = run(bin, ["version", "--json"], { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const v = parseVersionJson(r.stdout);
    expect(v.version).toBe(packageVersion());
    expect(v.commit).toBe(gitShortHead());
    expect(v.commit).not.toBe("dev");
    expect(v.target).toBe("bun-linux-x64");
    expect(typeof v.runtime).toBe("string");
  }, 120_000);

  test("version (human) names the version", () => {
    const r = run(bin, ["version"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(packageVersion());
    expect(r.stdout).toContain(m.commit);
  }, 120_000);

  test("config check: defaults are valid (exit 0), an invalid value exits 5", () => {
    const ok = run(bin, ["config", "check"], { env: env() });
    expect(ok.code).toBe(0);
    const bad = run(bin, ["config", "check"], { env: env({ MCP_S3_EXT_READONLY: "banana" }) });
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain("MCP_S3_EXT_READONLY");
  }, 120_000);

  // A compiled Bun executable reads .env and bunfig.toml from its working directory unless built
  // with --no-compile-autoload-*: a .env could switch read-only off, a bunfig `preload` runs code.
  test("ignores .env and bunfig.toml in the working directory", () => {
    const cwd = join(tmp?.dir ?? "", "hostile-cwd");
    mkdirSync(cwd, { recursive: true });
    const marker = join(cwd, "preload-ran");
    writeFileSync(join(cwd, ".env"), "MCP_S3_EXT_READONLY=banana\n");
    writeFileSync(join(cwd, ".env.local"), "MCP_S3_EXT_READONLY=banana\n");
    writeFileSync(join(cwd, ".env.production"), "MCP_S3_EXT_READONLY=banana\n");
    writeFileSync(join(cwd, "bunfig.toml"), 'preload = ["./evil.js"]\n');
    writeFileSync(
      join(cwd, "evil.js"),
      `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`,
    );
    const r = run(bin, ["config", "check"], { env: env(), cwd });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  }, 120_000);
});

const arm64 = arm64Runner();
const arm64Skip = "skip" in arm64 ? arm64.skip : undefined;
if (RELEASE_TESTS && arm64Skip !== undefined) {
  if (IN_CI) {
    // CI must prove the arm64 binary runs; a missing emulator is a broken CI machine, not a skip.
    test("linux-arm64 binary under qemu-user", () => {
      throw new Error(`${arm64Skip}; CI must run this test`);
    });
  } else {
    console.warn(`linux-arm64 binary tests skipped: ${arm64Skip}`);
  }
}

describe.skipIf(!RELEASE_TESTS || arm64Skip !== undefined || process.platform !== "linux")(
  "linux-arm64 binary (qemu-user on x86-64)",
  () => {
    let bin = "";
    let tmp: { dir: string; cleanup: () => void } | undefined;
    const prefix = "prefix" in arm64 ? arm64.prefix : [];
    const exec = (args: string[], extra: Record<string, string> = {}) => {
      const argv = [...prefix, bin, ...args];
      return run(argv[0] ?? bin, argv.slice(1), {
        env: cleanEnv(join(tmp?.dir ?? "", "home"), extra),
        timeoutMs: 120_000,
      });
    };

    beforeAll(async () => {
      const m = await ensureRelease();
      tmp = tempDir("arm64");
      bin = join(extract(archiveOf(m, "bun-linux-arm64"), join(tmp.dir, "bin")), "mcp-s3");
    }, 900_000);
    afterAll(() => tmp?.cleanup());

    test("version --json", () => {
      const r = exec(["version", "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const v = parseVersionJson(r.stdout);
      expect(v.version).toBe(packageVersion());
      expect(v.commit).toBe(gitShortHead());
      expect(v.target).toBe("bun-linux-arm64");
    }, 120_000);

    test("config check: exit 0 on defaults, 5 on an invalid value", () => {
      expect(exec(["config", "check"]).code).toBe(0);
      const bad = exec(["config", "check"], { MCP_S3_MAX_GET_SIZE: "-1" });
      expect(bad.code).toBe(5);
      expect(bad.stderr).toContain("MCP_S3_MAX_GET_SIZE");
    }, 120_000);
  },
);
