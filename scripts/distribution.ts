// What every install channel (npm, MCPB bundles, the MCP Registry entry, the container image) says
// about mcp-s3 in the same words: names, addresses, and the settings a client may ask the user for.
// scripts/npm.ts, scripts/mcpb.ts and scripts/registry.ts build their files from this module.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./build.ts";

/** GitHub repository, also the npm scope's owner and the registry namespace. */
export const REPOSITORY = "txn2/mcp-s3";
export const REPOSITORY_URL = `https://github.com/${REPOSITORY}`;
/** Name in the MCP Registry; npm's `mcpName` and the image label must say the same. */
export const MCP_SERVER_NAME = "io.github.txn2/mcp-s3";
/** Container image (without tag), pushed by .github/workflows/release.yml. */
export const IMAGE = "ghcr.io/txn2/mcp-s3";
export const LICENSE = "Apache-2.0";

/** The one-line description of package.json (at most 100 characters: the registry's limit). */
export function packageDescription(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { description: string })
    .description;
}

/** Download address of a file attached to the GitHub release of `version`. */
export function releaseAssetUrl(version: string, file: string): string {
  return `${REPOSITORY_URL}/releases/download/v${version}/${file}`;
}

/**
 * One setting a client can ask the user for, and the environment variable it becomes (SPEC §2.1).
 * Every setting is optional and has a default: an MCPB host leaves `${user_config.x}` unreplaced
 * when x has no value, so an empty default is what turns "not filled in" into an empty variable,
 * which mcp-s3 treats as unset.
 */
export interface UserSetting {
  /** Key in the MCPB manifest's user_config. */
  readonly key: string;
  readonly env: string;
  readonly title: string;
  readonly description: string;
  readonly type: "string" | "boolean";
  readonly default: string | boolean;
  /** MCPB "sensitive": the host masks the input and stores the value securely. */
  readonly sensitive?: true;
}

export const USER_SETTINGS: readonly UserSetting[] = Object.freeze([
  {
    key: "aws_region",
    env: "AWS_REGION",
    title: "AWS region",
    description: "Region of the S3 connection, e.g. us-east-1 or eu-central-1.",
    type: "string",
    default: "us-east-1",
  },
  {
    key: "s3_endpoint",
    env: "S3_ENDPOINT",
    title: "S3 endpoint",
    description:
      "Custom endpoint for S3-compatible storage (MinIO, Ceph, Cloudflare R2, ...), e.g. https://s3.example.com. Leave empty for AWS.",
    type: "string",
    default: "",
  },
  {
    key: "s3_path_style",
    env: "S3_USE_PATH_STYLE",
    title: "Path-style addressing",
    description: "Address buckets as https://endpoint/bucket (most S3-compatible servers need this).",
    type: "boolean",
    default: false,
  },
  {
    key: "aws_profile",
    env: "AWS_PROFILE",
    title: "AWS profile",
    description:
      "Profile from ~/.aws/config to take credentials from (SSO, roles, ...). Leave empty to use access keys below or the AWS default chain.",
    type: "string",
    default: "",
  },
  {
    key: "aws_access_key_id",
    env: "AWS_ACCESS_KEY_ID",
    title: "AWS access key ID",
    description: "Static access key ID. Prefer a profile; leave empty when using one.",
    type: "string",
    default: "",
    sensitive: true,
  },
  {
    key: "aws_secret_access_key",
    env: "AWS_SECRET_ACCESS_KEY",
    title: "AWS secret access key",
    description: "Secret of the access key above. Never shown in any output, log or audit line.",
    type: "string",
    default: "",
    sensitive: true,
  },
  {
    key: "aws_session_token",
    env: "AWS_SESSION_TOKEN",
    title: "AWS session token",
    description: "Session token, only for temporary credentials.",
    type: "string",
    default: "",
    sensitive: true,
  },
  {
    key: "read_only",
    env: "MCP_S3_EXT_READONLY",
    title: "Read-only",
    description:
      "Refuse every write, delete, copy and presigned upload URL. Switch off only where the assistant must change data.",
    type: "boolean",
    default: true,
  },
  {
    key: "allowed_prefixes",
    env: "MCP_S3_ALLOWED_PREFIXES",
    title: "Allowed key prefixes",
    description:
      "Comma-separated key prefixes; if set, only keys under one of them can be used, e.g. reports/,public/.",
    type: "string",
    default: "",
  },
  {
    key: "denied_prefixes",
    env: "MCP_S3_DENIED_PREFIXES",
    title: "Denied key prefixes",
    description:
      "Comma-separated key prefixes that are never listed, read or written; they win over allowed ones.",
    type: "string",
    default: "",
  },
  {
    key: "audit",
    env: "MCP_S3_EXT_AUDIT",
    title: "Audit log",
    description:
      "Record every tool call, refusals included, as one JSON line (to the audit file, else to the client's server log).",
    type: "boolean",
    default: false,
  },
  {
    key: "audit_file",
    env: "MCP_S3_AUDIT_FILE",
    title: "Audit file",
    description: "Absolute path of the file the audit log is appended to, e.g. /Users/me/mcp-s3-audit.jsonl.",
    type: "string",
    default: "",
  },
]);

/**
 * Fixed variables every packaged configuration sets. Prefix ACLs are switched on so that the two
 * prefix settings take effect as soon as they are filled in; with both empty they restrict nothing.
 */
export const FIXED_ENV: Readonly<Record<string, string>> = Object.freeze({ MCP_S3_EXT_PREFIXACL: "true" });
