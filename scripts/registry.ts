// The MCP Registry entry (server.json): the npm package, the MCPB bundles (with their SHA-256) and
// the container image of one release, validated against the registry's published schema, which is
// vendored in packaging/registry/ so validation needs no network. The release workflow publishes
// the file with `mcp-publisher publish` after every package it names exists.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import { ROOT } from "./build.ts";
import {
  FIXED_ENV,
  IMAGE,
  MCP_SERVER_NAME,
  REPOSITORY_URL,
  releaseAssetUrl,
  USER_SETTINGS,
} from "./distribution.ts";
import { NPM_MAIN_PACKAGE } from "./npm.ts";

export const REGISTRY_SCHEMA_URL =
  "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
export const REGISTRY_SCHEMA_PATH = join(ROOT, "packaging", "registry", "server.schema.json");
export const SERVER_JSON = "server.json";

export interface BundleRef {
  readonly file: string;
  readonly sha256: string;
}

/** The environment variables a registry client may prompt for (npm and container packages). */
function environmentVariables(): object[] {
  return [
    ...USER_SETTINGS.map((s) => ({
      name: s.env,
      description: `${s.title}: ${s.description}`,
      isRequired: false,
      format: s.type === "boolean" ? "boolean" : "string",
      ...(s.default === "" ? {} : { default: String(s.default) }),
      ...(s.sensitive ? { isSecret: true } : {}),
    })),
    ...Object.entries(FIXED_ENV).map(([name, value]) => ({
      name,
      description: "Prefix ACLs on, so the allowed and denied prefixes take effect.",
      format: "boolean",
      value,
    })),
  ];
}

export function serverJson(o: {
  version: string;
  description: string;
  bundles: readonly BundleRef[];
}): Record<string, unknown> {
  const stdio = { type: "stdio" };
  return {
    $schema: REGISTRY_SCHEMA_URL,
    name: MCP_SERVER_NAME,
    title: "mcp-s3",
    description: o.description,
    repository: { url: REPOSITORY_URL, source: "github" },
    websiteUrl: REPOSITORY_URL,
    version: o.version,
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: NPM_MAIN_PACKAGE,
        version: o.version,
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: environmentVariables(),
      },
      ...o.bundles.map((b) => ({
        registryType: "mcpb",
        identifier: releaseAssetUrl(o.version, b.file),
        version: o.version,
        fileSha256: b.sha256,
        transport: stdio,
      })),
      {
        registryType: "oci",
        identifier: `${IMAGE}:${o.version}`,
        runtimeHint: "docker",
        transport: stdio,
        environmentVariables: environmentVariables(),
      },
    ],
  };
}

/** Problems of `doc` against the vendored registry schema, one line each; empty when valid. */
export function registrySchemaProblems(doc: unknown): string[] {
  const schema = JSON.parse(readFileSync(REGISTRY_SCHEMA_PATH, "utf8")) as { $id?: string };
  if (schema.$id !== REGISTRY_SCHEMA_URL) {
    throw new Error(`${REGISTRY_SCHEMA_PATH} is ${schema.$id}, expected ${REGISTRY_SCHEMA_URL}`);
  }
  // strict: false because the schema uses the OpenAPI "example" annotation, unknown to JSON Schema.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || "/"} ${e.message ?? "is invalid"} ${JSON.stringify(e.params)}`,
  );
}
