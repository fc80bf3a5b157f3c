// The resolved configuration: what every other module receives, parsed once and frozen.
// Types are derived from these schemas so the shape has one definition.
import { z } from "zod";

/** Which presigned URLs may be made: none, downloads only, or downloads and uploads. */
export const PRESIGN_MODES = ["off", "get", "get_put"] as const;
export type PresignMode = (typeof PRESIGN_MODES)[number];

/** Classes of operation that can be made to wait for a human's consent (SPEC §3 Consent). */
export const CONSENT_CLASSES = ["delete", "write", "presign", "copy"] as const;
export type ConsentClass = (typeof CONSENT_CLASSES)[number];

/** SigV4 presigned URLs cannot outlive 7 days. */
export const PRESIGN_HARD_MAX_SECONDS = 7 * 24 * 3600;

export const PolicySchema = z.object({
  read_only: z.boolean(),
  size_limits: z.boolean(),
  max_get_size: z.number().int().nonnegative(),
  max_put_size: z.number().int().nonnegative(),
  prefix_acl: z.boolean(),
  allowed_prefixes: z.array(z.string()).readonly(),
  denied_prefixes: z.array(z.string()).readonly(),
  allowed_buckets: z.array(z.string()).readonly(),
  denied_buckets: z.array(z.string()).readonly(),
  presign_max_expiry_seconds: z.number().int().positive().max(PRESIGN_HARD_MAX_SECONDS),
  presign: z.enum(PRESIGN_MODES),
  confirm: z.array(z.enum(CONSENT_CLASSES)).readonly(),
  consent_timeout_ms: z.number().int().positive(),
});
export type Policy = Readonly<z.infer<typeof PolicySchema>>;

export const ConnectionSchema = z.object({
  name: z.string(),
  region: z.string(),
  endpoint: z.string().optional(),
  path_style: z.boolean(),
  access_key_id: z.string().optional(),
  secret_access_key: z.string().optional(),
  session_token: z.string().optional(),
  profile: z.string().optional(),
  timeout_ms: z.number().int().positive(),
  public_endpoint: z.string().optional(),
  policy: PolicySchema,
});
export type Connection = Readonly<z.infer<typeof ConnectionSchema>>;

export const ConfigSchema = z.object({
  default_connection: z.string(),
  connections: z.record(z.string(), ConnectionSchema),
  audit: z.object({ enabled: z.boolean(), file: z.string().optional() }),
  logging: z.boolean(),
  /** Where the YAML came from, if any (shown by `config show`). */
  config_file: z.string().optional(),
});
export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export const DEFAULT_POLICY: Policy = Object.freeze({
  read_only: true,
  size_limits: true,
  max_get_size: 10 * 1024 * 1024,
  max_put_size: 100 * 1024 * 1024,
  prefix_acl: false,
  allowed_prefixes: [],
  denied_prefixes: [],
  allowed_buckets: [],
  denied_buckets: [],
  presign_max_expiry_seconds: 3600,
  presign: "get_put",
  confirm: [],
  consent_timeout_ms: 5 * 60_000,
});

export const DEFAULT_REGION = "us-east-1";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTION_NAME = "default";
