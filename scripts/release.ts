// Builds every release artifact with one local command; .github/workflows/release.yml runs the same
// script and only adds what needs the network or an identity (signing, provenance, upload).
//
//   bun scripts/release.ts                       -> dist/release/
//   bun scripts/release.ts --out DIR             another output directory
//   bun scripts/release.ts --check-reproducible  build twice, compare checksums.txt, exit 1 if different
//
// dist/release/ then holds exactly the files the release workflow signs and publishes:
//   mcp-s3_<version>_<os>_<arch>.tar.gz   (windows: .zip) - binary + LICENSE + README.md, flat
//   mcp-s3_<version>_<os>_<arch>.mcpb     - MCP Bundle for Claude Desktop (scripts/mcpb.ts), five desktop targets
//   mcp-s3_<version>_sbom.cdx.json        - CycloneDX SBOM of the production dependencies
//   server.json                           - the MCP Registry entry (scripts/registry.ts)
//   npm/*.tgz                             - the npm packages: mcp-s3 and six platform packages (scripts/npm.ts)
//   checksums.txt                         - sha256sum format, covers every file above
// and dist/release-manifest.json describes the build (used by tests/release to reuse a fresh build).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildBinary,
  gitCommit,
  packageVersion,
  RELEASE_TARGETS,
  type ReleaseTarget,
  ROOT,
  sourceDateEpoch,
} from "./build.ts";
import { packageDescription } from "./distribution.ts";
import { bundleManifest, bundleName, MCPB_TARGETS, makeBundle, serverTools } from "./mcpb.ts";
import { NPM_MAIN_PACKAGE, NPM_PLATFORMS, npmPack, npmTarballName, stageNpmPackages } from "./npm.ts";
import { registrySchemaProblems, SERVER_JSON, serverJson } from "./registry.ts";

export const DEFAULT_OUT = join(ROOT, "dist", "release");
export const MANIFEST_NAME = "release-manifest.json";

/** Files copied into every archive next to the binary. */
export const ARCHIVE_DOCS = ["LICENSE", "README.md"] as const;

export interface ArchiveEntry {
  readonly file: string;
  readonly bunTarget: string;
  readonly os: string;
  readonly arch: string;
  readonly binary: string;
  readonly sha256: string;
  readonly size: number;
}

/** A published file other than an archive: an MCPB bundle or an npm tarball (path relative to outDir). */
export interface PackageEntry {
  readonly file: string;
  readonly sha256: string;
  /** The release target whose binary it holds; absent for the npm main package. */
  readonly bunTarget?: string;
}

export interface ReleaseManifest {
  readonly version: string;
  readonly commit: string;
  readonly sourceDateEpoch: number;
  readonly fingerprint: string;
  readonly bytecode: boolean;
  readonly outDir: string;
  readonly archives: readonly ArchiveEntry[];
  readonly bundles: readonly PackageEntry[];
  readonly npm: readonly PackageEntry[];
  readonly registry: string;
  readonly sbom: string;
  readonly checksums: string;
}

/** Sub-directory of the release directory that holds the npm tarballs. */
export const NPM_DIR = "npm";

export function archiveName(version: string, t: ReleaseTarget): string {
  return `mcp-s3_${version}_${t.os}_${t.arch}.${t.archive}`;
}

export function sbomName(version: string): string {
  return `mcp-s3_${version}_sbom.cdx.json`;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * A hash of everything that goes into a release: sources, lockfile, build scripts, archive docs,
 * the commit that gets embedded and the compiler version. Equal fingerprints mean a release
 * directory is up to date.
 */
export function sourceFingerprint(): string {
  const scripts = ["build", "release", "npm", "mcpb", "registry", "zip", "distribution"].map(
    (n) => `scripts/${n}.ts`,
  );
  const files = [
    ...listFiles(join(ROOT, "src")),
    ...listFiles(join(ROOT, "packaging")),
    ...["package.json", "package-lock.json", ...scripts, ...ARCHIVE_DOCS].map((f) => join(ROOT, f)),
  ]
    .map((f) => relative(ROOT, f).split("\\").join("/"))
    .sort();
  const h = createHash("sha256");
  h.update(`bun ${Bun.version}\0commit ${gitCommit()}\0`);
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f)) : "<missing>");
    h.update("\0");
  }
  return h.digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${stderr}`));
    });
  });
}

/** GNU tar is required for --sort=name; macOS users get it as `gtar` from Homebrew. */
function gnuTar(): string {
  for (const candidate of ["tar", "gtar"]) {
    const r = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.includes("GNU tar")) return candidate;
  }
  throw new Error(
    "GNU tar is required (reproducible archives need --sort=name); on macOS: brew install gnu-tar",
  );
}

function requireTool(name: string, hint: string): void {
  const r = spawnSync(name, name === "zip" ? ["-v"] : ["--version"], { stdio: "ignore" });
  if (r.error || r.status !== 0) throw new Error(`${name} is required: ${hint}`);
}

/** DOS timestamps in zip files cannot go below 1980-01-01. */
const ZIP_EPOCH_MIN = 315532800;

/**
 * Writes `<archive>` from the files in `stageDir` (names sorted bytewise), with fixed mtimes,
 * owner 0:0 and normalised modes, so that equal inputs give byte-identical archives.
 */
export async function makeArchive(
  t: ReleaseTarget,
  stageDir: string,
  outPath: string,
  epoch: number,
): Promise<void> {
  const names = readdirSync(stageDir).sort();
  if (t.archive === "tar.gz") {
    const tar = gnuTar();
    // pipefail: a tar failure must not hide behind gzip's success.
    const script = 'set -euo pipefail; out="$1"; shift; "$@" | gzip -n > "$out"';
    await run("bash", [
      "-c",
      script,
      "archive",
      outPath,
      tar,
      "--create",
      "--file=-",
      "--format=gnu",
      "--sort=name",
      `--mtime=@${epoch}`,
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      `--directory=${stageDir}`,
      "--",
      ...names,
    ]);
  } else {
    // DOS times have 2-second steps and zip rounds an odd second up; floor to an even second so the
    // stored time is the commit time as exactly as the format allows, whatever the commit's parity.
    const zipEpoch = Math.max(epoch - (epoch % 2), ZIP_EPOCH_MIN);
    for (const n of names) utimesSync(join(stageDir, n), zipEpoch, zipEpoch);
    // -X: no extra fields (uid/gid, extended timestamps); -D: no directory entries; TZ=UTC0: DOS
    // times are local time, so fix the zone. Entry order is the argument order (sorted above).
    await run("zip", ["-X", "-D", "-q", outPath, "--", ...names], {
      cwd: stageDir,
      env: { ...process.env, TZ: "UTC0" },
    });
  }
}

/** CycloneDX SBOM of the production dependency tree, plus the Bun runtime every binary embeds. */
async function makeSbom(outPath: string): Promise<void> {
  const bin = join(ROOT, "node_modules", ".bin", "cyclonedx-npm");
  if (!existsSync(bin)) throw new Error("@cyclonedx/cyclonedx-npm is not installed (npm ci)");
  await run(bin, [
    "--omit",
    "dev",
    "--spec-version",
    "1.6",
    "--output-format",
    "JSON",
    "--output-reproducible",
    "--mc-type",
    "application",
    "--output-file",
    outPath,
  ]);
  const bom = JSON.parse(readFileSync(outPath, "utf8")) as {
    components?: Array<Record<string, unknown>>;
  };
  bom.components ??= [];
  bom.components.push({
    type: "platform",
    "bom-ref": `bun-runtime@${Bun.version}`,
    name: "bun",
    version: Bun.version,
    description:
      "JavaScript runtime embedded in every mcp-s3 executable by `bun build --compile` (the binary is this runtime plus the bundled application).",
    purl: `pkg:github/oven-sh/bun@bun-v${Bun.version}`,
  });
  writeFileSync(outPath, `${JSON.stringify(bom, null, 2)}\n`);
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(width, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Compiles one target into `<workDir>/<os>_<arch>/` next to copies of the archive docs, with
 * modes fixed (0755 binary, 0644 docs) so they do not depend on the builder's umask. Returns the
 * staging directory, whose files are exactly what the archive will hold.
 */
export async function stageTarget(
  t: ReleaseTarget,
  workDir: string,
  o: { version: string; commit: string; bytecode: boolean },
): Promise<string> {
  const stage = join(workDir, `${t.os}_${t.arch}`);
  rmSync(stage, { recursive: true, force: true });
  await buildBinary({ target: t.bunTarget, outfile: join(stage, t.binary), ...o });
  for (const doc of ARCHIVE_DOCS) copyFileSync(join(ROOT, doc), join(stage, doc));
  for (const name of readdirSync(stage)) chmodSync(join(stage, name), name === t.binary ? 0o755 : 0o644);
  return stage;
}

/** Names a release directory may contain (including what the release workflow adds). */
const RELEASE_FILE =
  /^(mcp-s3_[\w.-]+|(checksums\.txt|server\.json)(\.sigstore\.json|\.intoto\.jsonl)?|npm)$/;

/** Every file under `dir`, as sorted paths relative to it with "/" separators. */
export function publishedFiles(dir: string): string[] {
  return listFiles(dir)
    .map((f) => relative(dir, f).split("\\").join("/"))
    .sort();
}

export interface ReleaseOptions {
  readonly outDir?: string;
  readonly bytecode?: boolean;
  readonly log?: (line: string) => void;
}

export async function buildRelease(options: ReleaseOptions = {}): Promise<ReleaseManifest> {
  const log = options.log ?? ((line: string) => console.error(line));
  const outDir = resolve(options.outDir ?? DEFAULT_OUT);
  const workDir = `${outDir}.work`;
  const bytecode = options.bytecode ?? true;
  const version = packageVersion();
  const commit = gitCommit();
  const epoch = sourceDateEpoch();
  const fingerprint = sourceFingerprint();
  for (const doc of ARCHIVE_DOCS) {
    if (!existsSync(join(ROOT, doc))) throw new Error(`${doc} is missing; every archive ships it`);
  }
  requireTool("gzip", "apt-get install gzip");
  requireTool("zip", "apt-get install zip");
  gnuTar();

  // The output directory is emptied first: refuse one that holds anything a release did not make.
  const foreign = existsSync(outDir) ? readdirSync(outDir).filter((f) => !RELEASE_FILE.test(f)) : [];
  if (foreign.length > 0) {
    throw new Error(
      `${outDir} holds files that are not release artifacts (${foreign.slice(0, 3).join(", ")}); pick another --out`,
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  log(`release ${version} (${commit}, SOURCE_DATE_EPOCH=${epoch}, bytecode=${bytecode}) -> ${outDir}`);

  // 1. Compile. Sequential: bun already uses every core, and memory stays bounded.
  const staged: Array<{ t: ReleaseTarget; stage: string }> = [];
  for (const t of RELEASE_TARGETS) {
    const t0 = performance.now();
    const stage = await stageTarget(t, workDir, { version, commit, bytecode });
    staged.push({ t, stage });
    log(`  compiled ${t.bunTarget} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  // 2. Package: archives, npm tarballs and MCPB bundles (gzip/deflate are single-threaded: one job
  //    per core), and the SBOM.
  const sbom = sbomName(version);
  const binaryOf = (bunTarget: string) => {
    const found = staged.find(({ t }) => t.bunTarget === bunTarget);
    if (!found) throw new Error(`${bunTarget} was not compiled`);
    return { path: join(found.stage, found.t.binary), target: found.t };
  };
  const npmOut = join(outDir, NPM_DIR);
  const npmDirs = stageNpmPackages(version, binaryOf, join(workDir, "npm"));
  const tools = await serverTools();
  const jobs: Array<() => Promise<void>> = [
    ...staged.map(({ t, stage }) => async () => {
      await makeArchive(t, stage, join(outDir, archiveName(version, t)), epoch);
      log(`  archived ${archiveName(version, t)}`);
    }),
    ...npmDirs.map((dir) => async () => {
      log(`  packed ${NPM_DIR}/${await npmPack(dir, npmOut, join(workDir, "npm-home"))}`);
    }),
    ...MCPB_TARGETS.map((t) => async () => {
      await makeBundle({
        target: t,
        binary: binaryOf(t.bunTarget).path,
        manifest: bundleManifest(version, t, tools),
        workDir,
        outPath: join(outDir, bundleName(version, t)),
        epoch,
      });
      log(`  bundled ${bundleName(version, t)}`);
    }),
  ];
  await Promise.all([
    pool(jobs, availableParallelism(), (job) => job()),
    makeSbom(join(outDir, sbom)).then(() => log(`  wrote ${sbom}`)),
  ]);

  // 3. The MCP Registry entry names the bundles by their SHA-256.
  const bundles = await Promise.all(
    MCPB_TARGETS.map(async (t) => ({
      file: bundleName(version, t),
      sha256: await sha256File(join(outDir, bundleName(version, t))),
      bunTarget: t.bunTarget,
    })),
  );
  const registry = serverJson({ version, description: packageDescription(), bundles });
  const problems = registrySchemaProblems(registry);
  if (problems.length > 0)
    throw new Error(`${SERVER_JSON} does not match the registry schema:\n${problems.join("\n")}`);
  writeFileSync(join(outDir, SERVER_JSON), `${JSON.stringify(registry, null, 2)}\n`);
  log(`  wrote ${SERVER_JSON}`);

  // 4. Checksums of everything published, sorted by path, in `sha256sum` format.
  const published = publishedFiles(outDir);
  const sums = await Promise.all(published.map(async (f) => [await sha256File(join(outDir, f)), f] as const));
  writeFileSync(join(outDir, "checksums.txt"), sums.map(([h, f]) => `${h}  ${f}\n`).join(""));

  const byName = new Map(sums.map(([h, f]) => [f, h]));
  const manifest: ReleaseManifest = {
    version,
    commit,
    sourceDateEpoch: epoch,
    fingerprint,
    bytecode,
    outDir,
    archives: staged.map(({ t }) => {
      const file = archiveName(version, t);
      return {
        file,
        bunTarget: t.bunTarget,
        os: t.os,
        arch: t.arch,
        binary: t.binary,
        sha256: byName.get(file) ?? "",
        size: statSync(join(outDir, file)).size,
      };
    }),
    bundles,
    npm: [
      ...NPM_PLATFORMS.map((p) => ({
        file: `${NPM_DIR}/${npmTarballName(p.name, version)}`,
        bunTarget: p.bunTarget,
      })),
      { file: `${NPM_DIR}/${npmTarballName(NPM_MAIN_PACKAGE, version)}` },
    ].map((e) => ({ ...e, sha256: byName.get(e.file) ?? "" })),
    registry: SERVER_JSON,
    sbom,
    checksums: "checksums.txt",
  };
  writeFileSync(manifestPath(outDir), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(workDir, { recursive: true, force: true });
  log(`release done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return manifest;
}

/** Path of the manifest written next to a release directory. */
export function manifestPath(outDir: string = DEFAULT_OUT): string {
  const dir = resolve(outDir);
  return join(dir, "..", basename(dir) === "release" ? MANIFEST_NAME : `${basename(dir)}-manifest.json`);
}

/** The manifest of `outDir` if it was built from the current sources and all its files are there. */
export function freshManifest(outDir: string = DEFAULT_OUT): ReleaseManifest | undefined {
  const path = manifestPath(outDir);
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, "utf8")) as ReleaseManifest;
  if (m.fingerprint !== sourceFingerprint() || m.bytecode !== true) return undefined;
  if (m.bundles === undefined || m.npm === undefined) return undefined; // made by an older release.ts
  const files = [
    ...m.archives.map((a) => a.file),
    ...m.bundles.map((b) => b.file),
    ...m.npm.map((n) => n.file),
  ];
  files.push(m.registry, m.sbom, m.checksums);
  return files.every((f) => existsSync(join(outDir, f))) ? m : undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      "no-bytecode": { type: "boolean", default: false },
      "check-reproducible": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: bun scripts/release.ts [--out DIR] [--no-bytecode] [--check-reproducible]");
    return;
  }
  const bytecode = !values["no-bytecode"];
  const first = await buildRelease({ bytecode, ...(values.out === undefined ? {} : { outDir: values.out }) });
  if (!values["check-reproducible"]) return;
  const second = await buildRelease({ bytecode, outDir: `${first.outDir}-again` });
  const a = readFileSync(join(first.outDir, "checksums.txt"), "utf8");
  const b = readFileSync(join(second.outDir, "checksums.txt"), "utf8");
  if (a === b) {
    console.error("reproducible: both builds have identical checksums.txt");
    rmSync(second.outDir, { recursive: true, force: true });
    rmSync(manifestPath(second.outDir), { force: true });
    return;
  }
  console.error(`NOT reproducible: checksums differ\n--- ${first.outDir}\n${a}--- ${second.outDir}\n${b}`);
  process.exit(1);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`release: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
