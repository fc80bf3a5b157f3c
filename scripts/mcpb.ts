// MCP Bundles (.mcpb) for one-click installation in Claude Desktop and other MCPB hosts: one bundle
// per desktop platform, each holding manifest.json, LICENSE and that platform's binary as
// server/mcp-s3 (server/mcp-s3.exe on Windows). The manifest declares the binary, the settings the
// host asks the user for (scripts/distribution.ts) and the nine tools, whose names and descriptions
// come from the server itself. Packed with `mcpb pack` (@anthropic-ai/mcpb), which validates the
// manifest, then made reproducible with canonicalZip().
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { loadConfig } from "../src/config/load.ts";
import { createServer } from "../src/mcp/server.ts";
import { createOpsContext } from "../src/ops/index.ts";
import { RELEASE_TARGETS, type ReleaseTarget, ROOT } from "./build.ts";
import { FIXED_ENV, LICENSE, packageDescription, REPOSITORY_URL, USER_SETTINGS } from "./distribution.ts";
import { canonicalZip } from "./zip.ts";

export const MCPB_CLI = join(ROOT, "node_modules", ".bin", "mcpb");
export const MANIFEST_VERSION = "0.3";

/**
 * The targets that get a bundle and the MCPB platform name of each. MCPB hosts are desktop apps
 * (macOS, Windows, Linux desktops with glibc); the musl build is for containers and Alpine and
 * ships as an archive and an npm package only.
 */
export const MCPB_PLATFORMS: Readonly<Record<string, "darwin" | "win32" | "linux">> = Object.freeze({
  "bun-linux-x64": "linux",
  "bun-linux-arm64": "linux",
  "bun-darwin-x64": "darwin",
  "bun-darwin-arm64": "darwin",
  "bun-windows-x64": "win32",
});

export const MCPB_TARGETS: readonly ReleaseTarget[] = RELEASE_TARGETS.filter(
  (t) => t.bunTarget in MCPB_PLATFORMS,
);

export function bundleName(version: string, t: ReleaseTarget): string {
  return `mcp-s3_${version}_${t.os}_${t.arch}.mcpb`;
}

/** Path of the binary inside a bundle. */
export function bundleBinary(t: ReleaseTarget): string {
  return `server/${t.binary}`;
}

export interface ToolSummary {
  readonly name: string;
  readonly description: string;
}

/**
 * Names and descriptions of the tools, asked from the server over MCP (in memory, nothing reaches
 * S3). The configuration allows writes so that the descriptions say what each tool does rather
 * than "currently disabled"; the bundle itself is read-only unless the user switches it off.
 */
export async function serverTools(): Promise<ToolSummary[]> {
  const config = loadConfig({
    env: { MCP_S3_CONFIG: "", XDG_CONFIG_HOME: join(ROOT, "nonexistent"), MCP_S3_EXT_READONLY: "false" },
  });
  const ops = createOpsContext(config, { source: "mcp" });
  const server = createServer(config, ops);
  const client = new Client({ name: "mcp-s3-release", version: "1.0.0" });
  try {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    const { tools } = await client.listTools();
    return tools.map((t) => ({ name: t.name, description: t.description ?? "" }));
  } finally {
    await client.close();
    await server.close();
    ops.close();
  }
}

/** manifest.json of the bundle for `t`. */
export function bundleManifest(version: string, t: ReleaseTarget, tools: readonly ToolSummary[]): object {
  const platform = MCPB_PLATFORMS[t.bunTarget];
  if (platform === undefined) throw new Error(`no MCPB bundle for ${t.bunTarget}`);
  const env: Record<string, string> = { ...FIXED_ENV };
  const userConfig: Record<string, object> = {};
  for (const s of USER_SETTINGS) {
    env[s.env] = `\${user_config.${s.key}}`;
    userConfig[s.key] = {
      type: s.type,
      title: s.title,
      description: s.description,
      required: false,
      default: s.default,
      ...(s.sensitive ? { sensitive: true } : {}),
    };
  }
  return {
    manifest_version: MANIFEST_VERSION,
    name: "mcp-s3",
    display_name: "mcp-s3",
    version,
    description: packageDescription(),
    long_description:
      "Lists, reads and (when you allow it) writes objects in Amazon S3 or S3-compatible storage. " +
      "Read-only by default, with size limits, prefix allow and deny lists and an optional audit log, " +
      "enforced by the server on every tool call. Credentials come from an AWS profile, access keys " +
      "kept in the host's secure storage, or the AWS default chain; they never appear in any output.",
    author: { name: "txn2", url: "https://txn2.com" },
    repository: { type: "git", url: REPOSITORY_URL },
    homepage: REPOSITORY_URL,
    documentation: `${REPOSITORY_URL}/blob/main/docs/mcp.md`,
    support: `${REPOSITORY_URL}/issues`,
    license: LICENSE,
    keywords: ["s3", "aws", "object-storage", "minio", "ceph"],
    server: {
      type: "binary",
      entry_point: bundleBinary(t),
      mcp_config: { command: `\${__dirname}/${bundleBinary(t)}`, args: [], env },
    },
    tools: tools.map((x) => ({ name: x.name, description: x.description })),
    tools_generated: false,
    prompts_generated: false,
    compatibility: { platforms: [platform] },
    user_config: userConfig,
  };
}

function runMcpb(args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(MCPB_CLI, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`mcpb ${args.join(" ")} exited ${code}\n${out}`));
    });
  });
}

/** `mcpb validate` of a manifest file; throws with its report if the manifest is invalid. */
export async function validateManifest(path: string): Promise<void> {
  await runMcpb(["validate", path]);
}

/**
 * Builds `<outPath>` for target `t` from its compiled binary: stages the bundle directory, packs it
 * with `mcpb pack` (which validates the manifest first) and writes the canonical form of the result.
 */
export async function makeBundle(o: {
  target: ReleaseTarget;
  binary: string;
  manifest: object;
  workDir: string;
  outPath: string;
  epoch: number;
}): Promise<void> {
  const dir = join(o.workDir, `mcpb_${o.target.os}_${o.target.arch}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "server"), { recursive: true });
  const binary = join(dir, bundleBinary(o.target));
  copyFileSync(o.binary, binary);
  chmodSync(binary, 0o755);
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(o.manifest, null, 2)}\n`);
  copyFileSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
  for (const f of ["manifest.json", "LICENSE"]) chmodSync(join(dir, f), 0o644);
  const packed = `${dir}.packed.mcpb`;
  await runMcpb(["pack", dir, packed]);
  writeFileSync(o.outPath, canonicalZip(readFileSync(packed), o.epoch));
  rmSync(packed, { force: true });
}
