// The one table of policy fields: for each field of Policy, its YAML key, its environment
// variables, its command-line flag and how its value is parsed and shown. Loading (YAML, env,
// flags), the YAML schema and `config show` are all driven from here, so a new policy field is one
// row. The keys are typed against Policy: a field without a row does not compile.
import type { ConfigFlags } from "./load.ts";
import {
  CONSENT_CLASSES,
  type ConsentClass,
  type Policy,
  PRESIGN_HARD_MAX_SECONDS,
  PRESIGN_MODES,
  type PresignMode,
} from "./schema.ts";
import {
  DURATION_ACCEPTED,
  formatDuration,
  formatSize,
  type Parsed,
  parseBoolean,
  parseDuration,
  parseList,
  parseSize,
} from "./values.ts";

export interface PolicyFieldRow<T> {
  /** Key under `policy:` (and a connection's `policy:`) in the YAML file. */
  readonly yaml: string;
  /** Environment variables, the first set one wins (aliases after the main name). */
  readonly env: readonly string[];
  /** The ConfigFlags entry holding its command-line flag, and the flag as written (for messages). */
  readonly flag?: { readonly key: keyof ConfigFlags; readonly name: string };
  readonly parse: (v: unknown) => Parsed<T>;
  /** The value as `config show` prints it (default: as stored). */
  readonly show?: (v: T) => unknown;
}

export type PolicyFields = { readonly [K in keyof Policy]: PolicyFieldRow<Policy[K]> };

/** A presign expiry is a duration of at most 7 days (the SigV4 maximum), stored in whole seconds. */
function parsePresignExpiry(v: unknown): Parsed<number> {
  const r = parseDuration(v);
  if (!r.ok) return r;
  if (r.value > PRESIGN_HARD_MAX_SECONDS * 1000) {
    return {
      ok: false,
      accepted: `${DURATION_ACCEPTED}, at most 7d (the most a SigV4 presigned URL allows)`,
    };
  }
  return { ok: true, value: Math.ceil(r.value / 1000) };
}

export const PRESIGN_ACCEPTED = "one of off, get, get_put (off: no presigned URLs; get: download URLs only)";

export function parsePresignMode(v: unknown): Parsed<PresignMode> {
  // YAML 1.1 habits: `presign: false` means off.
  if (v === false) return { ok: true, value: "off" };
  const word = typeof v === "string" ? v.trim().toLowerCase() : undefined;
  return PRESIGN_MODES.includes(word as PresignMode)
    ? { ok: true, value: word as PresignMode }
    : { ok: false, accepted: PRESIGN_ACCEPTED };
}

export const CONFIRM_ACCEPTED = `a comma-separated list (env) or a YAML list of the classes ${CONSENT_CLASSES.join(", ")}`;

/** Consent classes, each at most once, in the table's order; an unknown class is an error, never ignored. */
export function parseConsentClasses(v: unknown): Parsed<ConsentClass[]> {
  const list = parseList(v);
  if (!list.ok) return { ok: false, accepted: CONFIRM_ACCEPTED };
  const words = list.value.map((w) => w.trim().toLowerCase());
  if (!words.every((w) => CONSENT_CLASSES.includes(w as ConsentClass))) {
    return { ok: false, accepted: CONFIRM_ACCEPTED };
  }
  return { ok: true, value: CONSENT_CLASSES.filter((c) => words.includes(c)) };
}

const list = (v: readonly string[]) => [...v];

export const POLICY_FIELDS: PolicyFields = {
  read_only: {
    yaml: "read_only",
    env: ["MCP_S3_EXT_READONLY"],
    flag: { key: "read_only", name: "--read-only" },
    parse: parseBoolean,
  },
  size_limits: { yaml: "size_limits", env: ["MCP_S3_EXT_SIZELIMIT"], parse: parseBoolean },
  max_get_size: {
    yaml: "max_get_size",
    env: ["MCP_S3_MAX_GET_SIZE"],
    flag: { key: "max_get_size", name: "--max-get-size" },
    parse: parseSize,
    show: formatSize,
  },
  max_put_size: {
    yaml: "max_put_size",
    env: ["MCP_S3_MAX_PUT_SIZE"],
    flag: { key: "max_put_size", name: "--max-put-size" },
    parse: parseSize,
    show: formatSize,
  },
  prefix_acl: {
    yaml: "prefix_acl",
    env: ["MCP_S3_EXT_PREFIXACL", "MCP_S3_EXT_PREFIX_ACL"],
    parse: parseBoolean,
  },
  allowed_prefixes: {
    yaml: "allowed_prefixes",
    env: ["MCP_S3_ALLOWED_PREFIXES"],
    parse: parseList,
    show: list,
  },
  denied_prefixes: { yaml: "denied_prefixes", env: ["MCP_S3_DENIED_PREFIXES"], parse: parseList, show: list },
  allowed_buckets: { yaml: "allowed_buckets", env: ["MCP_S3_ALLOWED_BUCKETS"], parse: parseList, show: list },
  denied_buckets: { yaml: "denied_buckets", env: ["MCP_S3_DENIED_BUCKETS"], parse: parseList, show: list },
  presign_max_expiry_seconds: {
    yaml: "presign_max_expiry",
    env: ["MCP_S3_PRESIGN_MAX_EXPIRY"],
    parse: parsePresignExpiry,
    show: (s) => formatDuration(s * 1000),
  },
  presign: { yaml: "presign", env: ["MCP_S3_PRESIGN"], parse: parsePresignMode },
  confirm: { yaml: "confirm", env: ["MCP_S3_CONFIRM"], parse: parseConsentClasses, show: list },
  consent_timeout_ms: {
    yaml: "consent_timeout",
    env: ["MCP_S3_CONSENT_TIMEOUT"],
    parse: parseDuration,
    show: formatDuration,
  },
};

/** The rows with their Policy key, in table order. */
export function policyFieldRows(): [keyof Policy, PolicyFieldRow<unknown>][] {
  return Object.entries(POLICY_FIELDS) as [keyof Policy, PolicyFieldRow<unknown>][];
}

/** The policy as `config show` prints it: YAML keys, sizes and durations in words. */
export function showPolicy(policy: Policy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, row] of policyFieldRows()) {
    const value = policy[key];
    out[row.yaml] = row.show === undefined ? value : row.show(value);
  }
  return out;
}
