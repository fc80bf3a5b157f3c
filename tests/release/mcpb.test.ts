// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is MCPB manifest syntax, not a template
// MCP Bundles: the manifest each bundle carries (checked everywhere, against `mcpb validate` and
// the MCPB JSON schema), the bundles of the release (contents, canonical zip form, the same binary
// as the archive), and, on linux-x64, the bundle used the way an MCPB host uses it: unpacked by
// `mcpb unpack`, its command resolved from user settings by @anthropic-ai/mcpb's own
// getMcpConfigForManifest(), then run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getMcpConfigForManifest, type McpbManifestAny } from "@anthropic-ai/mcpb";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { RELEASE_TARGETS, type ReleaseTarget } from "../../scripts/build.ts";
import { FIXED_ENV, USER_SETTINGS } from "../../scripts/distribution.ts";
import {
  bundleBinary,
  bundleManifest,
  bundleName,
  MCPB_CLI,
  MCPB_PLATFORMS,
  MCPB_TARGETS,
  serverTools,
  type ToolSummary,
  validateManifest,
} from "../../scripts/mcpb.ts";
import { archiveName, type ReleaseManifest, sha256File } from "../../scripts/release.ts";
import { readZipEntries } from "../../scripts/zip.ts";
import {
  cleanEnv,
  ensureRelease,
  memberNames,
  memberSha256,
  packageVersion,
  RELEASE_DIR,
  RELEASE_TESTS,
  ROOT,
  run,
  tempDir,
} from "./helpers.ts";

const MCPB_SCHEMA = join(ROOT, "node_modules/@anthropic-ai/mcpb/schemas/mcpb-manifest-v0.3.schema.json");
const TOOL_NAMES = [
  "s3_copy_object",
  "s3_delete_object",
  "s3_get_object",
  "s3_get_object_metadata",
  "s3_list_buckets",
  "s3_list_connections",
  "s3_list_objects",
  "s3_presign_url",
  "s3_put_object",
];

function target(bunTarget: string): ReleaseTarget {
  const t = RELEASE_TARGETS.find((x) => x.bunTarget === bunTarget);
  if (!t) throw new Error(`no target ${bunTarget}`);
  return t;
}

/** The mcp_config an MCPB host would run for `manifest` installed at `dir` with these settings. */
async function hostConfig(manifest: object, dir: string, userConfig: Record<string, string | boolean>) {
  const config = await getMcpConfigForManifest({
    manifest: manifest as McpbManifestAny,
    extensionPath: dir,
    systemDirs: { HOME: "/home/user", DESKTOP: "/home/user/Desktop", DOCUMENTS: "/home/user/Documents" },
    userConfig,
    pathSeparator: "/",
  });
  if (!config) throw new Error("the host would not start the server (missing required configuration)");
  return { command: config.command, args: config.args ?? [], env: config.env ?? {} };
}

describe("bundle manifests", () => {
  const tmp = tempDir("manifest");
  afterAll(() => tmp.cleanup());
  let tools: ToolSummary[] = [];
  beforeAll(async () => {
    tools = await serverTools();
  }, 60_000);

  test("the tools are the server's nine, with the server's own descriptions", () => {
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
    for (const t of tools) {
      expect(t.description.length).toBeGreaterThan(40);
      // Described as capabilities, not as the current policy of the machine that built the release.
      expect(t.description).not.toContain("currently disabled");
    }
  });

  for (const bunTarget of Object.keys(MCPB_PLATFORMS)) {
    test(`${bunTarget}: mcpb validate and the MCPB JSON schema accept it`, async () => {
      const t = target(bunTarget);
      const manifest = bundleManifest(packageVersion(), t, tools);
      const dir = join(tmp.dir, bunTarget);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
      await validateManifest(join(dir, "manifest.json"));
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(MCPB_SCHEMA, "utf8")));
      expect(validate(manifest) ? [] : validate.errors).toEqual([]);
    }, 60_000);
  }

  test("mcpb validate rejects a broken manifest (the check can fail)", async () => {
    const manifest = {
      ...bundleManifest(packageVersion(), target("bun-linux-x64"), tools),
      server: { type: "exe" },
    };
    writeFileSync(join(tmp.dir, "broken.json"), JSON.stringify(manifest));
    await expect(validateManifest(join(tmp.dir, "broken.json"))).rejects.toThrow(/server/);
  });

  test("a binary server for its own platform, started from the bundle directory", () => {
    for (const [bunTarget, platform] of Object.entries(MCPB_PLATFORMS)) {
      const t = target(bunTarget);
      const m = bundleManifest("1.2.3", t, tools) as Record<string, unknown>;
      expect(m.server).toMatchObject({
        type: "binary",
        entry_point: bundleBinary(t),
        mcp_config: { command: `\${__dirname}/${bundleBinary(t)}`, args: [] },
      });
      expect(m.compatibility).toEqual({ platforms: [platform] });
      expect(m.version).toBe("1.2.3");
    }
    expect(bundleBinary(target("bun-windows-x64"))).toBe("server/mcp-s3.exe");
  });

  test("every setting becomes its environment variable; secrets are sensitive; nothing is required", () => {
    const m = bundleManifest("1.2.3", target("bun-darwin-arm64"), tools) as {
      user_config: Record<string, { type: string; required: boolean; sensitive?: boolean; default: unknown }>;
      server: { mcp_config: { env: Record<string, string> } };
    };
    expect(Object.keys(m.user_config)).toEqual(USER_SETTINGS.map((s) => s.key));
    for (const s of USER_SETTINGS) {
      expect(m.server.mcp_config.env[s.env]).toBe(`\${user_config.${s.key}}`);
      expect(m.user_config[s.key]).toMatchObject({ type: s.type, required: false, default: s.default });
    }
    const sensitive = Object.entries(m.user_config).filter(([, v]) => v.sensitive === true);
    expect(sensitive.map(([k]) => k).sort()).toEqual([
      "aws_access_key_id",
      "aws_secret_access_key",
      "aws_session_token",
    ]);
    // The list: region, endpoint, profile or keys, read-only, prefixes, audit file.
    const envs = USER_SETTINGS.map((s) => s.env);
    for (const v of [
      "AWS_REGION",
      "S3_ENDPOINT",
      "AWS_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "MCP_S3_EXT_READONLY",
      "MCP_S3_ALLOWED_PREFIXES",
      "MCP_S3_DENIED_PREFIXES",
      "MCP_S3_AUDIT_FILE",
    ]) {
      expect(envs).toContain(v);
    }
    expect(m.user_config.read_only?.default).toBe(true);
    expect(m.server.mcp_config.env).toMatchObject(FIXED_ENV);
  });

  test("with nothing filled in, the host passes defaults and empty strings, never a ${...} placeholder", async () => {
    const manifest = bundleManifest("1.2.3", target("bun-linux-x64"), tools);
    const { command, env } = await hostConfig(manifest, "/opt/ext/mcp-s3", {});
    expect(command).toBe("/opt/ext/mcp-s3/server/mcp-s3");
    expect(Object.values(env).filter((v) => v.includes("${"))).toEqual([]);
    expect(env).toMatchObject({ AWS_REGION: "us-east-1", MCP_S3_EXT_READONLY: "true", AWS_PROFILE: "" });
    // Without a default the host leaves the placeholder in: what every default above prevents.
    const noDefault = structuredClone(manifest) as { user_config: Record<string, { default?: unknown }> };
    delete noDefault.user_config.aws_profile?.default;
    expect((await hostConfig(noDefault, "/opt/ext/mcp-s3", {})).env.AWS_PROFILE).toBe(
      "${user_config.aws_profile}",
    );
  });
});

describe.skipIf(!RELEASE_TESTS)("MCPB bundles", () => {
  const version = packageVersion();
  let m: ReleaseManifest;
  beforeAll(async () => {
    m = await ensureRelease();
  }, 900_000);

  test("one bundle per desktop platform, listed in the manifest with its SHA-256", async () => {
    const bundles = readdirSync(RELEASE_DIR).filter((f) => f.endsWith(".mcpb"));
    expect(bundles.sort()).toEqual(MCPB_TARGETS.map((t) => bundleName(version, t)).sort());
    expect(bundles).toHaveLength(5);
    for (const b of m.bundles) expect(b.sha256).toBe(await sha256File(join(RELEASE_DIR, b.file)));
  }, 120_000);

  for (const t of MCPB_TARGETS) {
    test(`${bundleName(version, t)}: manifest.json, LICENSE and this platform's binary, nothing else`, async () => {
      const path = join(RELEASE_DIR, bundleName(version, t));
      expect(memberNames(path)).toEqual(["LICENSE", "manifest.json", bundleBinary(t)]);
      // Canonical zip: sorted, one time stamp, no extra fields, executable binary.
      const entries = readZipEntries(readFileSync(path));
      expect(new Set(entries.map((e) => `${e.dosDate}/${e.dosTime}`)).size).toBe(1);
      expect(entries.map((e) => [e.name, e.extraLength, e.mode])).toEqual([
        ["LICENSE", 0, 0o644],
        ["manifest.json", 0, 0o644],
        [bundleBinary(t), 0, 0o755],
      ]);
      expect(memberSha256(path, bundleBinary(t))).toBe(
        memberSha256(join(RELEASE_DIR, archiveName(version, t)), t.binary),
      );
      const tmp = tempDir("bundle-manifest");
      try {
        const unpacked = spawnSync("unzip", ["-q", path, "manifest.json", "-d", tmp.dir]);
        expect(unpacked.status).toBe(0);
        await validateManifest(join(tmp.dir, "manifest.json"));
        const manifest = JSON.parse(readFileSync(join(tmp.dir, "manifest.json"), "utf8")) as Record<
          string,
          unknown
        >;
        expect(manifest).toEqual(JSON.parse(JSON.stringify(bundleManifest(version, t, await serverTools()))));
      } finally {
        tmp.cleanup();
      }
    }, 120_000);
  }

  const CANNOT_RUN_HERE = process.platform !== "linux" || process.arch !== "x64";
  describe.skipIf(CANNOT_RUN_HERE)("linux-x64 bundle as an MCPB host runs it", () => {
    let tmp: { dir: string; cleanup: () => void } | undefined;
    let dir = "";
    let manifest: object = {};
    beforeAll(() => {
      tmp = tempDir("mcpb");
      dir = join(tmp.dir, "extension");
      const r = spawnSync(
        MCPB_CLI,
        ["unpack", join(RELEASE_DIR, bundleName(version, target("bun-linux-x64"))), dir],
        {
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      if (r.status !== 0) throw new Error(`mcpb unpack failed: ${r.stdout}${r.stderr}`);
      manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as object;
    }, 180_000);
    afterAll(() => tmp?.cleanup());

    test("the user's settings reach the configuration; the secret never appears in output", async () => {
      const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
      const { command, args, env } = await hostConfig(manifest, dir, {
        aws_region: "eu-central-1",
        s3_endpoint: "https://s3.example.com",
        s3_path_style: true,
        aws_access_key_id: "AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key: secret,
        read_only: false,
        allowed_prefixes: "reports/,public/",
        denied_prefixes: "reports/secret/",
        audit: true,
        audit_file: join(tmp?.dir ?? "", "audit.jsonl"),
      });
      const r = run(command, [...args, "config", "show", "--json"], {
        env: cleanEnv(join(tmp?.dir ?? "", "home"), env),
        cwd: tmp?.dir ?? "",
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(secret);
      const shown = JSON.parse(r.stdout) as {
        connections: { default: Record<string, unknown> & { policy: Record<string, unknown> } };
        audit: unknown;
      };
      const conn = shown.connections.default;
      expect(conn).toMatchObject({
        region: "eu-central-1",
        endpoint: "https://s3.example.com",
        path_style: true,
      });
      expect(conn.policy).toMatchObject({
        read_only: false,
        prefix_acl: true,
        allowed_prefixes: ["reports/", "public/"],
        denied_prefixes: ["reports/secret/"],
      });
      expect(shown.audit).toEqual({ enabled: true, file: join(tmp?.dir ?? "", "audit.jsonl") });
    }, 120_000);

    test("with the defaults the server starts read-only and offers the manifest's tools over MCP", async () => {
      const { command, args, env } = await hostConfig(manifest, dir, {});
      const check = run(command, [...args, "config", "show", "--json"], {
        env: cleanEnv(join(tmp?.dir ?? "", "home"), env),
      });
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout).connections.default.policy.read_only).toBe(true);

      const client = new Client({ name: "mcp-s3-mcpb-smoke", version: "1.0.0" });
      await client.connect(
        new StdioClientTransport({
          command,
          args,
          env: cleanEnv(join(tmp?.dir ?? "", "home"), env),
          cwd: tmp?.dir ?? "",
          stderr: "pipe",
        }),
      );
      try {
        const { tools } = await client.listTools();
        const declared = (manifest as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
        expect(tools.map((t) => t.name).sort()).toEqual([...declared].sort());
        expect(declared.sort()).toEqual(TOOL_NAMES);
      } finally {
        await client.close();
      }
    }, 120_000);
  });
});
