// The MCP Registry entry: valid against the registry's published schema (vendored, so offline),
// naming the npm package, every MCPB bundle with its SHA-256 and the container image, and
// consistent with the ownership proofs the official registry checks (npm mcpName, image label).
import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGE, MCP_SERVER_NAME, releaseAssetUrl, USER_SETTINGS } from "../../scripts/distribution.ts";
import { bundleName, MCPB_TARGETS } from "../../scripts/mcpb.ts";
import { mainPackageJson, NPM_MAIN_PACKAGE } from "../../scripts/npm.ts";
import {
  REGISTRY_SCHEMA_PATH,
  REGISTRY_SCHEMA_URL,
  registrySchemaProblems,
  SERVER_JSON,
  serverJson,
} from "../../scripts/registry.ts";
import { type ReleaseManifest, sha256File } from "../../scripts/release.ts";
import { ensureRelease, packageVersion, RELEASE_DIR, RELEASE_TESTS, ROOT } from "./helpers.ts";

const SHA = "fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce";
const sample = () =>
  serverJson({
    version: "1.2.3",
    description: "Secure-by-default MCP server for S3",
    bundles: MCPB_TARGETS.map((t) => ({ file: bundleName("1.2.3", t), sha256: SHA })),
  });

interface Pkg {
  registryType: string;
  identifier: string;
  version?: string;
  fileSha256?: string;
  transport: { type: string };
  environmentVariables?: Array<{ name: string; isSecret?: boolean; value?: string }>;
}

describe("server.json", () => {
  test("the vendored schema is the published 2025-12-11 one, unmodified", () => {
    const text = readFileSync(REGISTRY_SCHEMA_PATH, "utf8");
    expect(JSON.parse(text).$id).toBe(REGISTRY_SCHEMA_URL);
    // The hash recorded in packaging/registry/README.md, where it came from.
    const readme = readFileSync(join(ROOT, "packaging/registry/README.md"), "utf8");
    expect(readme).toContain(createHash("sha256").update(text).digest("hex"));
  });

  test("a generated entry is valid", () => {
    expect(registrySchemaProblems(sample())).toEqual([]);
  });

  // The validator must be able to say no: each row breaks one rule of the published schema.
  const broken: Array<[string, (s: Record<string, unknown>) => void, RegExp]> = [
    ["name without a namespace", (s) => Object.assign(s, { name: "mcp-s3" }), /\/name must match pattern/],
    [
      "description over 100 characters",
      (s) => Object.assign(s, { description: "x".repeat(101) }),
      /\/description/,
    ],
    ["no version", (s) => delete s.version, /must have required property 'version'/],
    [
      "bundle hash that is not SHA-256 hex",
      (s) => Object.assign((s.packages as Pkg[])[1] ?? {}, { fileSha256: "PLACEHOLDER_SHA256" }),
      /\/packages\/1\/fileSha256/,
    ],
    [
      "package version 'latest'",
      (s) => Object.assign((s.packages as Pkg[])[0] ?? {}, { version: "latest" }),
      /\/packages\/0\/version/,
    ],
    [
      "package without transport",
      (s) => delete (s.packages as Array<Partial<Pkg>>)[0]?.transport,
      /must have required property 'transport'/,
    ],
    [
      "repository that is not a URL",
      (s) => Object.assign(s, { repository: { url: "not a url", source: "github" } }),
      /\/repository\/url/,
    ],
  ];
  for (const [name, mutate, problem] of broken) {
    test(`rejects: ${name}`, () => {
      const s = sample();
      mutate(s);
      const problems = registrySchemaProblems(s);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join("\n")).toMatch(problem);
    });
  }

  test("names the npm package, every bundle by its release URL and the image at this version", () => {
    const s = sample();
    expect(s.name).toBe(MCP_SERVER_NAME);
    const pkgs = s.packages as Pkg[];
    expect(pkgs.map((p) => p.registryType)).toEqual(["npm", ...MCPB_TARGETS.map(() => "mcpb"), "oci"]);
    expect(pkgs[0]).toMatchObject({
      identifier: NPM_MAIN_PACKAGE,
      version: "1.2.3",
      transport: { type: "stdio" },
    });
    const bundles = pkgs.filter((p) => p.registryType === "mcpb");
    expect(bundles.map((b) => b.identifier)).toEqual(
      MCPB_TARGETS.map((t) => releaseAssetUrl("1.2.3", bundleName("1.2.3", t))),
    );
    for (const b of bundles) {
      // The official registry takes MCPB files from GitHub releases only, and only if the URL says "mcp".
      expect(b.identifier).toStartWith("https://github.com/txn2/mcp-s3/releases/download/v1.2.3/");
      expect(b.identifier).toContain("mcp");
      expect(b.fileSha256).toBe(SHA);
    }
    expect(pkgs.at(-1)).toMatchObject({ identifier: `${IMAGE}:1.2.3`, transport: { type: "stdio" } });
  });

  test("npm and the image declare the same settings as the bundles; secrets are marked", () => {
    for (const p of (sample().packages as Pkg[]).filter((x) => x.registryType !== "mcpb")) {
      const vars = p.environmentVariables ?? [];
      expect(vars.map((v) => v.name)).toEqual([...USER_SETTINGS.map((x) => x.env), "MCP_S3_EXT_PREFIXACL"]);
      const secrets = vars.filter((v) => v.isSecret).map((v) => v.name);
      expect(secrets.sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]);
    }
  });

  test("the ownership proofs say the same name: npm mcpName and the image label", () => {
    expect(mainPackageJson("1.2.3").mcpName).toBe(MCP_SERVER_NAME);
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toContain(`io.modelcontextprotocol.server.name="${MCP_SERVER_NAME}"`);
  });
});

describe.skipIf(!RELEASE_TESTS)("server.json of the release", () => {
  const version = packageVersion();
  let m: ReleaseManifest;
  let entry: Record<string, unknown> = {};
  beforeAll(async () => {
    m = await ensureRelease();
    entry = JSON.parse(readFileSync(join(RELEASE_DIR, SERVER_JSON), "utf8")) as Record<string, unknown>;
  }, 900_000);

  test("is valid against the registry schema and describes this version", () => {
    expect(registrySchemaProblems(entry)).toEqual([]);
    expect(entry.version).toBe(version);
    expect(entry.$schema).toBe(REGISTRY_SCHEMA_URL);
    expect(m.registry).toBe(SERVER_JSON);
  });

  test("every bundle's fileSha256 is the SHA-256 of the bundle file in the release", async () => {
    const bundles = (entry.packages as Pkg[]).filter((p) => p.registryType === "mcpb");
    expect(bundles).toHaveLength(MCPB_TARGETS.length);
    for (const t of MCPB_TARGETS) {
      const b = bundles.find((x) => x.identifier === releaseAssetUrl(version, bundleName(version, t)));
      expect(b?.fileSha256).toBe(await sha256File(join(RELEASE_DIR, bundleName(version, t))));
    }
  }, 120_000);

  test("the npm package it names is the one in dist/release/npm", () => {
    const npm = (entry.packages as Pkg[]).find((p) => p.registryType === "npm");
    expect(npm?.identifier).toBe(NPM_MAIN_PACKAGE);
    expect(npm?.version).toBe(version);
    expect(m.npm.some((n) => n.file.endsWith(`/${NPM_MAIN_PACKAGE}-${version}.tgz`))).toBe(true);
  });
});
