// The release directory as a user downloads it: names, checksums, archive contents and metadata,
// the executable format of every binary, the SBOM, and that a rebuild gives the same bytes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { RELEASE_TARGETS } from "../../scripts/build.ts";
import { bundleManifest, bundleName, MCPB_TARGETS, makeBundle, serverTools } from "../../scripts/mcpb.ts";
import {
  NPM_MAIN_PACKAGE,
  NPM_PLATFORMS,
  npmPack,
  npmPlatformOf,
  npmTarballName,
  stageMainPackage,
  stagePlatformPackage,
} from "../../scripts/npm.ts";
import {
  ARCHIVE_DOCS,
  archiveName,
  makeArchive,
  NPM_DIR,
  publishedFiles,
  type ReleaseManifest,
  sbomName,
  sha256File,
  stageTarget,
} from "../../scripts/release.ts";
import {
  ensureRelease,
  gitShortHead,
  packageVersion,
  RELEASE_DIR,
  RELEASE_TESTS,
  ROOT,
  tempDir,
} from "./helpers.ts";

interface TarEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: number;
  type: string;
  data: Buffer;
}

const octal = (b: Buffer, start: number, len: number): number =>
  Number.parseInt(
    b
      .subarray(start, start + len)
      .toString("latin1")
      .replace(/\0.*$/s, "")
      .trim() || "0",
    8,
  );
const cstr = (b: Buffer, start: number, len: number): string =>
  b
    .subarray(start, start + len)
    .toString("utf8")
    .replace(/\0.*$/s, "");

function readTarGz(path: string): { gzipHeader: Buffer; entries: TarEntry[] } {
  const gz = readFileSync(path);
  const tar = gunzipSync(gz);
  const entries: TarEntry[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = octal(h, 124, 12);
    entries.push({
      name: cstr(h, 0, 100),
      mode: octal(h, 100, 8),
      uid: octal(h, 108, 8),
      gid: octal(h, 116, 8),
      size,
      mtime: octal(h, 136, 12),
      type: String.fromCharCode(h[156] ?? 0),
      uname: cstr(h, 265, 32),
      gname: cstr(h, 297, 32),
      data: tar.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return { gzipHeader: gz.subarray(0, 10), entries };
}

interface ZipEntry {
  name: string;
  method: number;
  dosTime: number;
  dosDate: number;
  extraLength: number;
  unixMode: number;
  data: () => Buffer;
}

function readZip(path: string): ZipEntry[] {
  const z = readFileSync(path);
  let eocd = -1;
  for (let i = z.length - 22; i >= Math.max(0, z.length - 22 - 65535); i--) {
    if (z.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: no end of central directory`);
  const count = z.readUInt16LE(eocd + 10);
  let off = z.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (z.readUInt32LE(off) !== 0x02014b50) throw new Error(`${path}: bad central directory entry`);
    const method = z.readUInt16LE(off + 10);
    const csize = z.readUInt32LE(off + 20);
    const nlen = z.readUInt16LE(off + 28);
    const elen = z.readUInt16LE(off + 30);
    const clen = z.readUInt16LE(off + 32);
    const local = z.readUInt32LE(off + 42);
    entries.push({
      name: z.subarray(off + 46, off + 46 + nlen).toString("utf8"),
      method,
      dosTime: z.readUInt16LE(off + 12),
      dosDate: z.readUInt16LE(off + 14),
      extraLength: elen,
      unixMode: z.readUInt32LE(off + 38) >>> 16,
      data: () => {
        const start = local + 30 + z.readUInt16LE(local + 26) + z.readUInt16LE(local + 28);
        const raw = z.subarray(start, start + csize);
        return method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
      },
    });
    off += 46 + nlen + elen + clen;
  }
  return entries;
}

/**
 * What kind of executable the bytes are: format, machine, and for ELF the program interpreter
 * (glibc or musl); for Mach-O the "interpreter" field says whether a code signature is embedded.
 */
function executableFormat(b: Buffer): { format: string; machine: string; interpreter?: string } {
  if (b.readUInt32BE(0) === 0x7f454c46) {
    const eMachine = b.readUInt16LE(18);
    const machine = eMachine === 0x3e ? "x86_64" : eMachine === 0xb7 ? "aarch64" : `elf-${eMachine}`;
    const phoff = Number(b.readBigUInt64LE(0x20));
    const phentsize = b.readUInt16LE(0x36);
    const phnum = b.readUInt16LE(0x38);
    for (let i = 0; i < phnum; i++) {
      const ph = phoff + i * phentsize;
      if (b.readUInt32LE(ph) === 3) {
        const o = Number(b.readBigUInt64LE(ph + 8));
        const n = Number(b.readBigUInt64LE(ph + 32));
        return {
          format: "elf",
          machine,
          interpreter: b
            .subarray(o, o + n)
            .toString("latin1")
            .replace(/\0.*$/s, ""),
        };
      }
    }
    return { format: "elf", machine };
  }
  if (b.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = b.readUInt32LE(4);
    const machine = cpu === 0x01000007 ? "x86_64" : cpu === 0x0100000c ? "arm64" : `cpu-${cpu}`;
    // macOS on Apple silicon refuses to run an executable without at least an ad-hoc signature:
    // look for LC_CODE_SIGNATURE pointing at a code-signing SuperBlob.
    let off = 32;
    for (let i = 0; i < b.readUInt32LE(16); i++) {
      if (b.readUInt32LE(off) === 0x1d) {
        const blob = b.readUInt32LE(off + 8);
        return {
          format: "macho",
          machine,
          interpreter: b.readUInt32BE(blob) === 0xfade0cc0 ? "signed" : "bad signature",
        };
      }
      off += b.readUInt32LE(off + 4);
    }
    return { format: "macho", machine, interpreter: "unsigned" };
  }
  if (b.toString("latin1", 0, 2) === "MZ") {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString("latin1", pe, pe + 4) === "PE\0\0") {
      return { format: "pe", machine: b.readUInt16LE(pe + 4) === 0x8664 ? "x86_64" : "other" };
    }
  }
  return { format: "unknown", machine: "unknown" };
}

const EXPECTED_FORMAT: Record<string, { format: string; machine: string; interpreter?: string }> = {
  "bun-linux-x64": { format: "elf", machine: "x86_64", interpreter: "/lib64/ld-linux-x86-64.so.2" },
  "bun-linux-arm64": { format: "elf", machine: "aarch64", interpreter: "/lib/ld-linux-aarch64.so.1" },
  "bun-linux-x64-musl": { format: "elf", machine: "x86_64", interpreter: "/lib/ld-musl-x86_64.so.1" },
  "bun-darwin-x64": { format: "macho", machine: "x86_64", interpreter: "signed" },
  "bun-darwin-arm64": { format: "macho", machine: "arm64", interpreter: "signed" },
  "bun-windows-x64": { format: "pe", machine: "x86_64" },
};

describe.skipIf(!RELEASE_TESTS)("release artifacts", () => {
  let m: ReleaseManifest;
  const version = packageVersion();

  beforeAll(async () => {
    m = await ensureRelease();
  }, 900_000);

  test("the manifest describes this checkout", () => {
    expect(m.version).toBe(version);
    expect(m.commit).toBe(gitShortHead());
    expect(m.bytecode).toBe(true);
  });

  test("dist/release holds exactly six archives, five bundles, the SBOM, server.json, npm/ and checksums.txt", () => {
    const expected = [
      `mcp-s3_${version}_darwin_amd64.tar.gz`,
      `mcp-s3_${version}_darwin_arm64.tar.gz`,
      `mcp-s3_${version}_linux_amd64.tar.gz`,
      `mcp-s3_${version}_linux_amd64_musl.tar.gz`,
      `mcp-s3_${version}_linux_arm64.tar.gz`,
      `mcp-s3_${version}_windows_amd64.zip`,
      `mcp-s3_${version}_darwin_amd64.mcpb`,
      `mcp-s3_${version}_darwin_arm64.mcpb`,
      `mcp-s3_${version}_linux_amd64.mcpb`,
      `mcp-s3_${version}_linux_arm64.mcpb`,
      `mcp-s3_${version}_windows_amd64.mcpb`,
      `mcp-s3_${version}_sbom.cdx.json`,
      "server.json",
      NPM_DIR,
      "checksums.txt",
    ].sort();
    expect(readdirSync(RELEASE_DIR).sort()).toEqual(expected);
    expect(RELEASE_TARGETS.map((t) => archiveName(version, t)).sort()).toEqual(
      expected.filter((f) => f.endsWith(".tar.gz") || f.endsWith(".zip")),
    );
    expect(MCPB_TARGETS.map((t) => bundleName(version, t)).sort()).toEqual(
      expected.filter((f) => f.endsWith(".mcpb")),
    );
    expect(readdirSync(join(RELEASE_DIR, NPM_DIR)).sort()).toEqual(
      [NPM_MAIN_PACKAGE, ...NPM_PLATFORMS.map((p) => p.name)].map((n) => npmTarballName(n, version)).sort(),
    );
  });

  test("sha256sum -c checksums.txt verifies every published file", async () => {
    const r = spawnSync("sha256sum", ["--strict", "-c", "checksums.txt"], {
      cwd: RELEASE_DIR,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // Every file, the npm tarballs in npm/ included.
    const published = publishedFiles(RELEASE_DIR).filter((f) => f !== "checksums.txt");
    expect(published).toContain(`${NPM_DIR}/${npmTarballName(NPM_MAIN_PACKAGE, version)}`);
    expect(r.stdout.trim().split("\n")).toEqual(published.map((f) => `${f}: OK`));
    // The file is in sha256sum's text format, sorted, one line per file, and the hashes are right.
    const lines = readFileSync(join(RELEASE_DIR, "checksums.txt"), "utf8").trimEnd().split("\n");
    for (const [i, line] of lines.entries()) {
      const [hash, name] = line.split("  ");
      expect(line).toMatch(/^[0-9a-f]{64} {2}[\w./@-]+$/);
      expect(name).toBe(published[i] ?? "");
      expect(hash).toBe(await sha256File(join(RELEASE_DIR, name ?? "")));
    }
  }, 120_000);

  test("sha256sum -c detects a tampered archive", () => {
    const { dir, cleanup } = tempDir("tamper");
    try {
      const sums = readFileSync(join(RELEASE_DIR, "checksums.txt"), "utf8");
      const first = m.archives[0]?.file ?? "";
      const bytes = Buffer.from(readFileSync(join(RELEASE_DIR, first)));
      bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
      writeFileSync(join(dir, "checksums.txt"), sums);
      writeFileSync(join(dir, first), bytes);
      const r = spawnSync("sha256sum", ["-c", "--ignore-missing", "checksums.txt"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain(`${first}: FAILED`);
    } finally {
      cleanup();
    }
  }, 120_000);

  for (const t of RELEASE_TARGETS) {
    test(`${t.os}_${t.arch}: ${t.archive} holds the binary, LICENSE and README.md with fixed metadata`, () => {
      const path = join(RELEASE_DIR, archiveName(version, t));
      const license = readFileSync(join(ROOT, "LICENSE"));
      const readme = readFileSync(join(ROOT, "README.md"));
      const expectedNames = [...ARCHIVE_DOCS, t.binary].sort();
      let binary: Buffer;
      if (t.archive === "tar.gz") {
        const { gzipHeader, entries } = readTarGz(path);
        // gzip -n: no file name, zero mtime.
        expect(gzipHeader[0]).toBe(0x1f);
        expect(gzipHeader[1]).toBe(0x8b);
        expect((gzipHeader[3] ?? 0) & 0x08).toBe(0);
        expect(gzipHeader.readUInt32LE(4)).toBe(0);
        expect(entries.map((e) => e.name)).toEqual(expectedNames);
        for (const e of entries) {
          expect(e.type).toBe("0");
          expect([e.uid, e.gid, e.uname, e.gname]).toEqual([0, 0, "", ""]);
          expect(e.mtime).toBe(m.sourceDateEpoch);
          expect(e.mode).toBe(e.name === t.binary ? 0o755 : 0o644);
        }
        const byName = new Map(entries.map((e) => [e.name, e.data]));
        expect(byName.get("LICENSE")?.equals(license)).toBe(true);
        expect(byName.get("README.md")?.equals(readme)).toBe(true);
        binary = byName.get(t.binary) ?? Buffer.alloc(0);
      } else {
        const entries = readZip(path);
        expect(entries.map((e) => e.name)).toEqual(expectedNames);
        const d = new Date(Math.max(m.sourceDateEpoch, 315532800) * 1000);
        const dosDate = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
        const dosTime = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
        for (const e of entries) {
          expect(e.extraLength).toBe(0);
          expect([e.dosDate, e.dosTime]).toEqual([dosDate, dosTime]);
          expect(e.unixMode & 0o777).toBe(e.name === t.binary ? 0o755 : 0o644);
        }
        const byName = new Map(entries.map((e) => [e.name, e]));
        expect(byName.get("LICENSE")?.data().equals(license)).toBe(true);
        expect(byName.get("README.md")?.data().equals(readme)).toBe(true);
        binary = byName.get(t.binary)?.data() ?? Buffer.alloc(0);
      }
      expect(binary.length).toBeGreaterThan(10 * 1024 * 1024);
      expect(executableFormat(binary)).toEqual(EXPECTED_FORMAT[t.bunTarget] ?? { format: "?", machine: "?" });
      // The build info is compiled in as string constants.
      const text = binary.toString("latin1");
      expect(text).toContain(JSON.stringify(m.commit));
      expect(text).toContain(JSON.stringify(t.bunTarget));
    }, 120_000);
  }

  test("the SBOM is CycloneDX for mcp-s3 with every production dependency and no dev tools", () => {
    const bom = JSON.parse(readFileSync(join(RELEASE_DIR, sbomName(version)), "utf8")) as {
      bomFormat: string;
      specVersion: string;
      serialNumber?: string;
      metadata: { timestamp?: string; component: { name: string; version: string; purl?: string } };
      components: Array<{
        type: string;
        name: string;
        group?: string;
        version: string;
        components?: unknown[];
      }>;
    };
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.specVersion).toBe("1.6");
    // Reproducible: no random serial number, no timestamp.
    expect(bom.serialNumber).toBeUndefined();
    expect(bom.metadata.timestamp).toBeUndefined();
    expect(bom.metadata.component.name).toBe("mcp-s3");
    expect(bom.metadata.component.version).toBe(version);

    const all: Array<{ name: string; version: string; type: string }> = [];
    const walk = (list: unknown[] | undefined): void => {
      for (const c of (list ?? []) as Array<{
        type: string;
        name: string;
        group?: string;
        version: string;
        components?: unknown[];
      }>) {
        all.push({ name: c.group ? `${c.group}/${c.name}` : c.name, version: c.version, type: c.type });
        walk(c.components);
      }
    };
    walk(bom.components);
    const names = new Set(all.map((c) => `${c.name}@${c.version}`));
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [name, v] of Object.entries(pkg.dependencies)) expect(names).toContain(`${name}@${v}`);
    // No development tool is listed as a library (the `bun` entry below is the embedded runtime). A
    // devDependency that production code also needs (ajv: the MCP SDK's) is not dev-only: the
    // lockfile, not package.json, says which packages only development pulls in.
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const libraries = new Set(all.filter((c) => c.type === "library").map((c) => c.name));
    for (const dev of Object.keys(pkg.devDependencies)) {
      if (lock.packages[`node_modules/${dev}`]?.dev !== true) continue;
      expect([dev, libraries.has(dev)]).toEqual([dev, false]);
    }
    // The Bun runtime that every binary embeds.
    expect(all).toContainEqual({ name: "bun", version: Bun.version, type: "platform" });
  });

  // Reproducibility: compile one tar.gz and the zip again from scratch and compare with the release;
  // for linux-x64 also its npm package, the main npm package and its MCPB bundle.
  describe("a second build of the same commit is byte-identical", () => {
    let tmp: { dir: string; cleanup: () => void } | undefined;
    beforeAll(() => {
      tmp = tempDir("rebuild");
    });
    afterAll(() => tmp?.cleanup());
    for (const bunTarget of ["bun-linux-x64", "bun-windows-x64"]) {
      const what = bunTarget === "bun-linux-x64" ? "archive, npm packages and MCPB bundle" : "archive";
      test(`${bunTarget}: ${what}`, async () => {
        const t = RELEASE_TARGETS.find((x) => x.bunTarget === bunTarget);
        if (!t) throw new Error(`no target ${bunTarget}`);
        const dir = tmp?.dir ?? "";
        const stage = await stageTarget(t, join(dir, "work"), {
          version: m.version,
          commit: m.commit,
          bytecode: true,
        });
        const out = join(dir, archiveName(m.version, t));
        await makeArchive(t, stage, out, m.sourceDateEpoch);
        const expected = m.archives.find((a) => a.bunTarget === bunTarget)?.sha256;
        expect(await sha256File(out)).toBe(expected ?? "missing");
        if (bunTarget !== "bun-linux-x64") return;

        // The npm packages and the MCPB bundle made from the same binary are byte-identical too.
        const sums = new Map(
          readFileSync(join(RELEASE_DIR, "checksums.txt"), "utf8")
            .trimEnd()
            .split("\n")
            .map((l) => [l.slice(66), l.slice(0, 64)] as const),
        );
        const binary = { path: join(stage, t.binary), target: t };
        const npmOut = join(dir, "npm");
        for (const pkgDir of [
          stagePlatformPackage(npmPlatformOf(bunTarget), m.version, binary, join(dir, "npm-stage")),
          stageMainPackage(m.version, join(dir, "npm-stage")),
        ]) {
          const file = await npmPack(pkgDir, npmOut, join(dir, "npm-home"));
          expect([file, await sha256File(join(npmOut, file))]).toEqual([
            file,
            sums.get(`${NPM_DIR}/${file}`) ?? "",
          ]);
        }
        const bundle = join(dir, bundleName(m.version, t));
        await makeBundle({
          target: t,
          binary: binary.path,
          manifest: bundleManifest(m.version, t, await serverTools()),
          workDir: join(dir, "mcpb-work"),
          outPath: bundle,
          epoch: m.sourceDateEpoch,
        });
        expect(await sha256File(bundle)).toBe(sums.get(bundleName(m.version, t)) ?? "");
      }, 300_000);
    }
  });
});
