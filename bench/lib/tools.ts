// The tools under test: mcp-s3 and the peers (aws-cli, rclone, s3cmd), each with a temporary
// configuration pointing at the same loopback endpoint with path-style addressing, and the exact
// command line each one uses for every measure.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "../../scripts/rgw.ts";
import { awsBulkOps, type BulkOpsCommands, mcpS3BulkOps, rcloneBulkOps, s3cmdBulkOps } from "./bulk-ops.ts";
import { awsTree, mcpS3Tree, rcloneTree, s3cmdTree, type TreeCommands } from "./bulk-transfer.ts";
import { probe } from "./proc.ts";
import type { S3Target } from "./s3.ts";

/** "mcp-s3", a peer, or "mcp-s3:LABEL" for an extra mcp-s3 binary compared in the same run (--variant). */
export type ToolId = "mcp-s3" | "rclone" | "aws-cli" | "s3cmd" | `mcp-s3:${string}`;
export const TOOL_IDS: readonly ToolId[] = ["mcp-s3", "rclone", "aws-cli", "s3cmd"];
export const PEER_IDS: readonly ToolId[] = ["rclone", "aws-cli", "s3cmd"];

export const INSTALL_HINT = "apt-get update && apt-get install -y awscli rclone s3cmd";

export interface Commands {
  version(): string[];
  /** Non-recursive listing of one "directory" (prefix ending in /). */
  ls(bucket: string, prefix: string): string[];
  lsRecursive(bucket: string, prefix: string): string[];
  putFile(file: string, bucket: string, key: string): string[];
  /** Upload reading the body from stdin. */
  putStdin(bucket: string, key: string): string[];
  getFile(bucket: string, key: string, file: string): string[];
  /** Download writing the body to stdout. */
  getStdout(bucket: string, key: string): string[];
  cat(bucket: string, key: string): string[];
}

export interface Tool {
  id: ToolId;
  version: string;
  binary: string;
  env: Record<string, string>;
  cmd: Commands;
  /** rm -r and du (bench/lib/bulk-ops.ts). */
  bulkOps?: BulkOpsCommands;
  /** Tree uploads, downloads and sync (bench/lib/bulk-transfer.ts). */
  tree?: TreeCommands;
}

export interface MissingTool {
  id: ToolId;
  reason: string;
}

function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TMPDIR: home,
  };
}

/** Environment of mcp-s3 (SPEC §2.1): writes allowed, size limits on but large enough for 1 GB. */
export function ourEnv(
  t: S3Target,
  home: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...baseEnv(home),
    S3_ENDPOINT: t.endpoint,
    S3_USE_PATH_STYLE: "true",
    AWS_REGION: t.region,
    AWS_ACCESS_KEY_ID: t.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.secretAccessKey,
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_MAX_GET_SIZE: "2GiB",
    MCP_S3_MAX_PUT_SIZE: "2GiB",
    ...extra,
  };
}

export function mcpS3Tool(binary: string, t: S3Target, home: string, label?: string): Tool {
  const u = (b: string, k: string) => `s3://${b}/${k}`;
  return {
    id: label === undefined ? "mcp-s3" : `mcp-s3:${label}`,
    binary,
    version: probe([binary, "version"]) ?? "(version failed)",
    env: ourEnv(t, home),
    cmd: {
      version: () => [binary, "version"],
      ls: (b, p) => [binary, "ls", u(b, p)],
      lsRecursive: (b, p) => [binary, "ls", "--recursive", u(b, p)],
      putFile: (f, b, k) => [binary, "put", f, u(b, k)],
      putStdin: (b, k) => [binary, "put", "-", u(b, k)],
      getFile: (b, k, f) => [binary, "get", u(b, k), f],
      getStdout: (b, k) => [binary, "get", u(b, k), "-"],
      cat: (b, k) => [binary, "cat", u(b, k)],
    },
    bulkOps: mcpS3BulkOps(binary),
    tree: mcpS3Tree(binary),
  };
}

/** aws-cli v2 from Debian is /usr/bin/aws; an `aws` earlier on PATH may be a v1 shim. */
function findAws(): { bin: string; version: string } | MissingTool {
  const candidates = ["/usr/bin/aws", findExecutable("aws")].filter((x): x is string => x !== undefined);
  for (const bin of candidates) {
    const v = probe([bin, "--version"]);
    if (v?.startsWith("aws-cli/")) return { bin, version: v.split(/\s+/)[0] ?? v };
  }
  return { id: "aws-cli", reason: "aws (aws-cli) not found" };
}

export function peerTools(t: S3Target, work: string): { tools: Tool[]; missing: MissingTool[] } {
  const tools: Tool[] = [];
  const missing: MissingTool[] = [];
  const home = join(work, "home");
  mkdirSync(home, { recursive: true });

  // rclone
  const rclone = findExecutable("rclone");
  if (rclone === undefined) missing.push({ id: "rclone", reason: "rclone not found" });
  else {
    const conf = join(work, "rclone.conf");
    writeFileSync(
      conf,
      [
        "[rgw]",
        "type = s3",
        "provider = Ceph",
        "env_auth = false",
        `access_key_id = ${t.accessKeyId}`,
        `secret_access_key = ${t.secretAccessKey}`,
        `endpoint = ${t.endpoint}`,
        `region = ${t.region}`,
        "force_path_style = true",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const r = (...a: string[]) => [rclone, "--config", conf, ...a];
    const loc = (b: string, k: string) => `rgw:${b}/${k}`;
    tools.push({
      id: "rclone",
      binary: rclone,
      version: (probe([rclone, "version"]) ?? "rclone ?").split("\n")[0] ?? "rclone ?",
      env: baseEnv(home),
      cmd: {
        version: () => [rclone, "version"],
        ls: (b, p) => r("ls", "--max-depth", "1", loc(b, p)),
        lsRecursive: (b, p) => r("ls", loc(b, p)),
        putFile: (f, b, k) => r("copyto", f, loc(b, k)),
        putStdin: (b, k) => r("rcat", loc(b, k)),
        getFile: (b, k, f) => r("copyto", loc(b, k), f),
        getStdout: (b, k) => r("cat", loc(b, k)),
        cat: (b, k) => r("cat", loc(b, k)),
      },
      bulkOps: rcloneBulkOps(r, loc),
      tree: rcloneTree(r, loc),
    });
  }

  // aws-cli
  const aws = findAws();
  if ("reason" in aws) missing.push(aws);
  else {
    const dir = join(work, "aws");
    mkdirSync(dir, { recursive: true });
    const config = join(dir, "config");
    const creds = join(dir, "credentials");
    writeFileSync(config, `[default]\nregion = ${t.region}\ns3 =\n    addressing_style = path\n`, {
      mode: 0o600,
    });
    writeFileSync(
      creds,
      `[default]\naws_access_key_id = ${t.accessKeyId}\naws_secret_access_key = ${t.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const a = (...x: string[]) => [aws.bin, "--endpoint-url", t.endpoint, "s3", ...x];
    const q = ["--only-show-errors", "--no-progress"];
    tools.push({
      id: "aws-cli",
      binary: aws.bin,
      version: aws.version,
      env: {
        ...baseEnv(home),
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: creds,
        AWS_PAGER: "",
        AWS_EC2_METADATA_DISABLED: "true",
      },
      cmd: {
        version: () => [aws.bin, "--version"],
        ls: (b, p) => a("ls", `s3://${b}/${p}`),
        lsRecursive: (b, p) => a("ls", "--recursive", `s3://${b}/${p}`),
        putFile: (f, b, k) => a("cp", ...q, f, `s3://${b}/${k}`),
        putStdin: (b, k) => a("cp", ...q, "-", `s3://${b}/${k}`),
        getFile: (b, k, f) => a("cp", ...q, `s3://${b}/${k}`, f),
        getStdout: (b, k) => a("cp", ...q, `s3://${b}/${k}`, "-"),
        cat: (b, k) => a("cp", ...q, `s3://${b}/${k}`, "-"),
      },
      bulkOps: awsBulkOps(a),
      tree: awsTree(a),
    });
  }

  // s3cmd
  const s3cmd = findExecutable("s3cmd");
  if (s3cmd === undefined) missing.push({ id: "s3cmd", reason: "s3cmd not found" });
  else {
    const conf = join(work, "s3cfg");
    const host = t.endpoint.replace(/^https?:\/\//, "");
    writeFileSync(
      conf,
      [
        "[default]",
        `access_key = ${t.accessKeyId}`,
        `secret_key = ${t.secretAccessKey}`,
        `host_base = ${host}`,
        // host_bucket without %(bucket)s = path-style addressing
        `host_bucket = ${host}`,
        `bucket_location = ${t.region}`,
        "use_https = False",
        "signature_v2 = False",
        "progress_meter = False",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const s = (...x: string[]) => [s3cmd, "-c", conf, ...x];
    tools.push({
      id: "s3cmd",
      binary: s3cmd,
      version: probe([s3cmd, "--version"]) ?? "s3cmd ?",
      env: baseEnv(home),
      cmd: {
        version: () => [s3cmd, "--version"],
        ls: (b, p) => s("ls", `s3://${b}/${p}`),
        lsRecursive: (b, p) => s("ls", "--recursive", `s3://${b}/${p}`),
        putFile: (f, b, k) => s("put", f, `s3://${b}/${k}`),
        putStdin: (b, k) => s("put", "-", `s3://${b}/${k}`),
        getFile: (b, k, f) => s("get", "--force", `s3://${b}/${k}`, f),
        getStdout: (b, k) => s("get", `s3://${b}/${k}`, "-"),
        cat: (b, k) => s("get", `s3://${b}/${k}`, "-"),
      },
      bulkOps: s3cmdBulkOps(s),
      tree: s3cmdTree(s),
    });
  }
  return { tools, missing };
}
