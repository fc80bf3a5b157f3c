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

/** Asymmetric JWS algorithms an access token may be signed with (never `none`, never HMAC). */
export const TOKEN_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;
export const DEFAULT_TOKEN_ALGORITHMS: readonly (typeof TOKEN_ALGORITHMS)[number][] = [
  "RS256",
  "ES256",
  "EdDSA",
];

/** Who a caller over HTTP is: every given condition must hold (§8 `http.principals[].match`). */
export const PrincipalMatchSchema = z.object({
  sub: z.string().optional(),
  client_id: z.string().optional(),
  /** Scopes the token must carry, all of them. */
  scope: z.array(z.string()).readonly().optional(),
  /** Claim name -> value; a claim that is an array matches when it contains the value. */
  claims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const PrincipalSchema = z.object({
  match: PrincipalMatchSchema,
  /** Connections this caller sees; all when absent. */
  connections: z.array(z.string()).readonly().optional(),
  /** Policy fields laid over the caller's connections' policy. */
  policy: PolicySchema.partial(),
});
export type Principal = Readonly<z.infer<typeof PrincipalSchema>>;

/** `serve --http` (§8). Present when anything HTTP was configured. */
export const HttpSchema = z.object({
  listen: z.object({ host: z.string(), port: z.number().int().min(0).max(65535) }).optional(),
  allowed_hosts: z.array(z.string()).readonly(),
  allowed_origins: z.array(z.string()).readonly(),
  /** Deadline of one MCP request (a tool call, a resource read). */
  call_timeout_ms: z.number().int().positive(),
  auth: z.object({
    mode: z.enum(["oauth", "none"]),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    jwks_uri: z.string().optional(),
    required_scopes: z.array(z.string()).readonly(),
    algorithms: z.array(z.enum(TOKEN_ALGORITHMS)).readonly(),
  }),
  principals: z.array(PrincipalSchema).readonly(),
  require_principal: z.boolean(),
});
export type HttpSettings = Readonly<z.infer<typeof HttpSchema>>;
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

export const ConfigSchema = z.object({
  default_connection: z.string(),
  connections: z.record(z.string(), ConnectionSchema),
  audit: z.object({ enabled: z.boolean(), file: z.string().optional() }),
  logging: z.boolean(),
  http: HttpSchema.optional(),
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
