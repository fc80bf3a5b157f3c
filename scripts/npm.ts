// The npm packages: `mcp-s3`, whose `mcp-s3` command is a small Node.js launcher
// (packaging/npm/launcher.cjs), and one package per release target holding only that target's
// binary. The main package lists every platform package in optionalDependencies; npm installs the
// one whose `os`/`cpu`/`libc` match (the esbuild/biome pattern), so nothing is downloaded after
// install and no install script runs. scripts/release.ts packs them into dist/release/npm/.
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ReleaseTarget, ROOT } from "./build.ts";
import { LICENSE, MCP_SERVER_NAME, packageDescription, REPOSITORY_URL } from "./distribution.ts";

export const NPM_MAIN_PACKAGE = "mcp-s3";
export const LAUNCHER_SOURCE = join(ROOT, "packaging", "npm", "launcher.cjs");
/** Where the launcher sits in the main package (its `bin`). */
export const LAUNCHER_PATH = "bin/mcp-s3.cjs";

/** One platform package: the release target it carries and the fields npm selects it by. */
export interface NpmPlatform {
  readonly bunTarget: string;
  readonly name: string;
  /** Node's process.platform / process.arch values, as npm compares them. */
  readonly os: "linux" | "darwin" | "win32";
  readonly cpu: "x64" | "arm64";
  readonly libc?: "glibc" | "musl";
}

export const NPM_PLATFORMS: readonly NpmPlatform[] = Object.freeze([
  { bunTarget: "bun-linux-x64", name: "@txn2/mcp-s3-linux-x64", os: "linux", cpu: "x64", libc: "glibc" },
  {
    bunTarget: "bun-linux-arm64",
    name: "@txn2/mcp-s3-linux-arm64",
    os: "linux",
    cpu: "arm64",
    libc: "glibc",
  },
  {
    bunTarget: "bun-linux-x64-musl",
    name: "@txn2/mcp-s3-linux-x64-musl",
    os: "linux",
    cpu: "x64",
    libc: "musl",
  },
  { bunTarget: "bun-darwin-x64", name: "@txn2/mcp-s3-darwin-x64", os: "darwin", cpu: "x64" },
  { bunTarget: "bun-darwin-arm64", name: "@txn2/mcp-s3-darwin-arm64", os: "darwin", cpu: "arm64" },
  { bunTarget: "bun-windows-x64", name: "@txn2/mcp-s3-win32-x64", os: "win32", cpu: "x64" },
]);

export function npmPlatformOf(bunTarget: string): NpmPlatform {
  const p = NPM_PLATFORMS.find((x) => x.bunTarget === bunTarget);
  if (!p) throw new Error(`no npm platform package for ${bunTarget}`);
  return p;
}

/** The file name `npm pack` gives a package: scope and name joined by "-", then the version. */
export function npmTarballName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}

const REPOSITORY_FIELD = { type: "git", url: `git+${REPOSITORY_URL}.git` };

export function platformPackageJson(p: NpmPlatform, version: string): Record<string, unknown> {
  const where = `${p.os}-${p.cpu}${p.libc === "musl" ? " (musl)" : ""}`;
  return {
    name: p.name,
    version,
    description: `The ${where} executable of mcp-s3. Install mcp-s3 instead; it selects this package.`,
    license: LICENSE,
    // npm provenance requires the repository to be the one the package was built from.
    repository: REPOSITORY_FIELD,
    homepage: REPOSITORY_URL,
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc === undefined ? {} : { libc: [p.libc] }),
    files: ["bin/"],
    // Yarn PnP: keep the executable on disk instead of inside a zip.
    preferUnplugged: true,
  };
}

export function mainPackageJson(version: string): Record<string, unknown> {
  return {
    name: NPM_MAIN_PACKAGE,
    version,
    description: packageDescription(),
    license: LICENSE,
    // The MCP Registry accepts this package for the server of that name only if this matches.
    mcpName: MCP_SERVER_NAME,
    repository: REPOSITORY_FIELD,
    homepage: REPOSITORY_URL,
    bugs: `${REPOSITORY_URL}/issues`,
    keywords: ["mcp", "model-context-protocol", "s3", "aws", "object-storage", "cli"],
    bin: { "mcp-s3": LAUNCHER_PATH },
    files: ["bin/"],
    engines: { node: ">=18" },
    // Exact versions: the launcher and the binaries are released together.
    optionalDependencies: Object.fromEntries(NPM_PLATFORMS.map((p) => [p.name, version])),
  };
}

function platformReadme(p: NpmPlatform, version: string): string {
  return [
    `# ${p.name}`,
    "",
    `The ${p.os}-${p.cpu}${p.libc === "musl" ? " (musl)" : ""} executable of [mcp-s3](${REPOSITORY_URL}) ${version}.`,
    "",
    "Do not install this package directly: `npx -y mcp-s3` or `npm install -g mcp-s3` picks the",
    "right platform package for you. The binary is the same file as in the release archive",
    `\`mcp-s3_${version}_*\` on ${REPOSITORY_URL}/releases (see SECURITY.md there to verify it).`,
    "",
  ].join("\n");
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function writeDocs(dir: string, readme: string | Buffer): void {
  writeFileSync(join(dir, "README.md"), readme);
  copyFileSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
  for (const f of ["package.json", "README.md", "LICENSE"]) chmodSync(join(dir, f), 0o644);
}

/**
 * Lays out the directory of one platform package under `workDir` and returns it; `binary` is the
 * compiled executable of `target`. File modes are set explicitly (0755 executables, 0644 the
 * rest) because `npm pack` records them as they are on disk.
 */
export function stagePlatformPackage(
  p: NpmPlatform,
  version: string,
  binary: { path: string; target: ReleaseTarget },
  workDir: string,
): string {
  const dir = join(workDir, npmTarballName(p.name, version).replace(/\.tgz$/, ""));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  const file = join(dir, "bin", binary.target.binary);
  copyFileSync(binary.path, file);
  chmodSync(file, 0o755);
  writeJson(join(dir, "package.json"), platformPackageJson(p, version));
  writeDocs(dir, platformReadme(p, version));
  return dir;
}

/** Lays out the directory of the main package (launcher, README.md, LICENSE) and returns it. */
export function stageMainPackage(version: string, workDir: string): string {
  const dir = join(workDir, npmTarballName(NPM_MAIN_PACKAGE, version).replace(/\.tgz$/, ""));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(LAUNCHER_SOURCE, join(dir, LAUNCHER_PATH));
  chmodSync(join(dir, LAUNCHER_PATH), 0o755);
  writeJson(join(dir, "package.json"), mainPackageJson(version));
  writeDocs(dir, readFileSync(join(ROOT, "README.md")));
  return dir;
}

/** All seven package directories, platform packages first; `binaryOf(bunTarget)` as above. */
export function stageNpmPackages(
  version: string,
  binaryOf: (bunTarget: string) => { path: string; target: ReleaseTarget },
  workDir: string,
): string[] {
  return [
    ...NPM_PLATFORMS.map((p) => stagePlatformPackage(p, version, binaryOf(p.bunTarget), workDir)),
    stageMainPackage(version, workDir),
  ];
}

/**
 * An environment for npm with nothing from the caller's npm configuration: under `npm run`, the
 * parent's settings arrive as npm_config_* variables, and a user's ~/.npmrc could point elsewhere.
 */
export function isolatedNpmEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k)) env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    npm_config_userconfig: join(home, "npmrc"),
    npm_config_cache: join(home, "npm-cache"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
}

/**
 * `npm pack` of one package directory into `outDir`; returns the tarball's file name. npm sorts the
 * entries, gives each the same fixed mtime and keeps the file modes, so equal inputs give equal
 * tarballs (checked by `release.ts --check-reproducible`).
 */
export function npmPack(dir: string, outDir: string, home: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const child = spawn("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", outDir, dir], {
      cwd: home,
      env: isolatedNpmEnv(home),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`npm pack ${dir} exited ${code}\n${err}`));
        return;
      }
      const [result] = JSON.parse(out) as Array<{ filename: string }>;
      if (!result) reject(new Error(`npm pack ${dir} reported no tarball`));
      else resolvePromise(result.filename.replace(/^@/, "").replace("/", "-"));
    });
  });
}
