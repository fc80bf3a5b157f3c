// The views of the configuration that may be shown to anyone: secrets replaced, never included.
import { showPolicy } from "./policy-fields.ts";
import type { Config, Connection, ConsentClass, Policy, PresignMode } from "./schema.ts";
import { formatDuration } from "./values.ts";

export const REDACTED = "********";

export interface PolicySummary {
  read_only: boolean;
  size_limits: boolean;
  max_get_size: number;
  max_put_size: number;
  prefix_acl: boolean;
  allowed_prefixes: string[];
  denied_prefixes: string[];
  allowed_buckets: string[];
  denied_buckets: string[];
  presign_max_expiry_seconds: number;
  presign: PresignMode;
  confirm: ConsentClass[];
  consent_timeout_ms: number;
}

export interface ConnectionSummary {
  name: string;
  region: string;
  endpoint?: string;
  path_style: boolean;
  /** Where the credentials come from; never the credentials. */
  credentials: string;
  policy: PolicySummary;
}

export function policySummary(p: Policy): PolicySummary {
  return {
    ...p,
    allowed_prefixes: [...p.allowed_prefixes],
    denied_prefixes: [...p.denied_prefixes],
    allowed_buckets: [...p.allowed_buckets],
    denied_buckets: [...p.denied_buckets],
    confirm: [...p.confirm],
  };
}

export function credentialSource(c: Connection): string {
  if (c.access_key_id !== undefined)
    return c.session_token === undefined ? "static keys" : "static keys + session token";
  if (c.profile !== undefined) return `profile ${c.profile}`;
  return "AWS default chain";
}

export function connectionSummary(c: Connection): ConnectionSummary {
  return {
    name: c.name,
    region: c.region,
    ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
    path_style: c.path_style,
    credentials: credentialSource(c),
    policy: policySummary(c.policy),
  };
}

/** The effective configuration as YAML-shaped data, secrets redacted (for `config show`). */
export function redactedConfig(config: Config): Record<string, unknown> {
  const connections: Record<string, unknown> = {};
  for (const c of Object.values(config.connections)) {
    connections[c.name] = {
      region: c.region,
      ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
      path_style: c.path_style,
      ...(c.access_key_id === undefined ? {} : { access_key_id: maskKeyId(c.access_key_id) }),
      ...(c.secret_access_key === undefined ? {} : { secret_access_key: REDACTED }),
      ...(c.session_token === undefined ? {} : { session_token: REDACTED }),
      ...(c.profile === undefined ? {} : { profile: c.profile }),
      timeout: formatDuration(c.timeout_ms),
      ...(c.public_endpoint === undefined ? {} : { public_endpoint: c.public_endpoint }),
      policy: showPolicy(c.policy),
    };
  }
  return {
    ...(config.config_file === undefined ? {} : { config_file: config.config_file }),
    default_connection: config.default_connection,
    connections,
    audit: {
      enabled: config.audit.enabled,
      ...(config.audit.file === undefined ? {} : { file: config.audit.file }),
    },
    logging: config.logging,
  };
}

/** Access key IDs are not secret, but showing only the last 4 characters is what people expect. */
function maskKeyId(id: string): string {
  return id.length <= 4 ? REDACTED : `${REDACTED}${id.slice(-4)}`;
}
