// The views of the configuration that may be shown to anyone: secrets replaced, never included.
import { showPolicy } from "./policy-fields.ts";
import { hideUrlCredentials } from "./problems.ts";
import type {
  Config,
  Connection,
  ConsentClass,
  HttpSettings,
  Policy,
  PresignMode,
  Principal,
} from "./schema.ts";
import { formatDuration, formatSize } from "./values.ts";

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
    ...(config.http === undefined ? {} : { http: httpView(config.http) }),
  };
}

/** The `http:` block as it could be written back (it holds no secret: tokens are never configured). */
function httpView(http: HttpSettings): Record<string, unknown> {
  const { auth } = http;
  return {
    ...(http.listen === undefined
      ? {}
      : {
          listen: `${http.listen.host.includes(":") ? `[${http.listen.host}]` : http.listen.host}:${http.listen.port}`,
        }),
    allowed_hosts: [...http.allowed_hosts],
    allowed_origins: [...http.allowed_origins],
    call_timeout: formatDuration(http.call_timeout_ms),
    auth: {
      mode: auth.mode,
      ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
      ...(auth.audience === undefined ? {} : { audience: auth.audience }),
      ...(auth.jwks_uri === undefined ? {} : { jwks_uri: hideUrlCredentials(auth.jwks_uri) }),
      required_scopes: [...auth.required_scopes],
      algorithms: [...auth.algorithms],
    },
    principals: http.principals.map((p) => ({
      match: { ...p.match, ...(p.match.scope === undefined ? {} : { scope: [...p.match.scope] }) },
      ...(p.connections === undefined ? {} : { connections: [...p.connections] }),
      policy: policyFieldsView(p.policy),
    })),
    require_principal: http.require_principal,
  };
}

/** Policy fields as they are written in YAML (sizes and durations with units). */
function policyFieldsView(p: Principal["policy"]): Record<string, unknown> {
  const { max_get_size, max_put_size, presign_max_expiry_seconds, ...rest } = p;
  return {
    ...rest,
    ...(max_get_size === undefined ? {} : { max_get_size: formatSize(max_get_size) }),
    ...(max_put_size === undefined ? {} : { max_put_size: formatSize(max_put_size) }),
    ...(presign_max_expiry_seconds === undefined
      ? {}
      : { presign_max_expiry: formatDuration(presign_max_expiry_seconds * 1000) }),
  };
}

/** Access key IDs are not secret, but showing only the last 4 characters is what people expect. */
function maskKeyId(id: string): string {
  return id.length <= 4 ? REDACTED : `${REDACTED}${id.slice(-4)}`;
}
