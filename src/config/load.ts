// Builds the one frozen Config from flags > environment > YAML file > defaults, collecting every
// problem on the way. Nothing here falls back to a default when the user wrote something invalid.
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  type Stats,
  statSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { errnoOf, fileKind, foreignOwner, O_NOCTTY, O_NONBLOCK } from "../owned-files.ts";
import { interpolate } from "./interpolate.ts";
import { Problems, parseString } from "./problems.ts";
import {
  type Config,
  type Connection,
  DEFAULT_CONNECTION_NAME,
  DEFAULT_POLICY,
  DEFAULT_REGION,
  DEFAULT_TIMEOUT_MS,
  type Policy,
  PRESIGN_HARD_MAX_SECONDS,
} from "./schema.ts";
import {
  DURATION_ACCEPTED,
  type Parsed,
  parseBoolean,
  parseDuration,
  parseList,
  parseSize,
} from "./values.ts";
import {
  type YamlConnection,
  YamlConnectionSchema,
  type YamlFile,
  YamlFileSchema,
  type YamlPolicy,
} from "./yaml-schema.ts";

export type Env = Readonly<Record<string, string | undefined>>;

/** Values given on the command line; they win over everything else. */
export interface ConfigFlags {
  readonly config?: string | undefined;
  readonly connection?: string | undefined;
  readonly read_only?: string | boolean | undefined;
  readonly max_get_size?: string | undefined;
  readonly max_put_size?: string | undefined;
  readonly audit?: string | boolean | undefined;
}

export interface ConfigSources {
  readonly env: Env;
  readonly flags?: ConfigFlags;
}

type PolicyLayer = Partial<{ -readonly [K in keyof Policy]: Policy[K] }>;

interface ConnectionDraft {
  name: string;
  where: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  path_style?: boolean | undefined;
  access_key_id?: string | undefined;
  secret_access_key?: string | undefined;
  session_token?: string | undefined;
  profile?: string | undefined;
  timeout_ms?: number | undefined;
  public_endpoint?: string | undefined;
  policy: PolicyLayer;
}

const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const parseRegion = (v: unknown): Parsed<string> =>
  typeof v === "string" && /^[a-z0-9-]{1,64}$/.test(v)
    ? { ok: true, value: v }
    : { ok: false, accepted: "an AWS region name such as us-east-1 (lowercase letters, digits, dashes)" };
const parseBucketList = (v: unknown) => parseList(v);
/** A presign expiry is a duration of at most 7 days, the most a SigV4 presigned URL allows. */
const parsePresignExpiry = (v: unknown): Parsed<number> => {
  const r = parseDuration(v);
  if (!r.ok || r.value <= PRESIGN_HARD_MAX_SECONDS * 1000) return r;
  return { ok: false, accepted: `${DURATION_ACCEPTED}, at most 7d (the most a SigV4 presigned URL allows)` };
};

export function loadConfig(sources: ConfigSources): Config {
  const problems = new Problems();
  const env = sources.env;
  const flags = sources.flags ?? {};

  const file = locateConfigFile(env, flags, problems);
  const yaml = file === undefined ? undefined : readYamlFile(file, env, problems);

  const yamlPolicy = mergeLayers(
    policyLayer(yaml?.policy, "policy", problems),
    legacyExtensionsPolicy(yaml, problems),
  );
  const envPolicy = envPolicyLayer(env, problems);
  const flagPolicy = flagPolicyLayer(flags, problems);

  const drafts = collectConnections(yaml, env, problems);
  const defaultName = chooseDefault(yaml, env, flags, drafts, problems);
  applyEnvToDefault(drafts, defaultName, env, problems);

  const connections: Record<string, Connection> = {};
  for (const draft of drafts.values()) {
    const policy = finishPolicy(
      mergeLayers(yamlPolicy, draft.policy, envPolicy, flagPolicy),
      draft.where,
      problems,
    );
    connections[draft.name] = finishConnection(draft, policy, env, problems);
  }

  const audit = {
    enabled:
      problems.take("--audit", flags.audit, parseBoolean) ??
      takeEnv(env, problems, parseBoolean, "MCP_S3_EXT_AUDIT") ??
      problems.take("audit.enabled", yaml?.audit?.enabled, parseBoolean) ??
      problems.take("extensions.audit", yaml?.extensions?.audit, parseBoolean) ??
      false,
    file:
      takeEnv(env, problems, parseString, "MCP_S3_AUDIT_FILE") ??
      problems.take("audit.file", yaml?.audit?.file, parseString) ??
      problems.take("extensions.audit_file", yaml?.extensions?.audit_file, parseString),
  };
  const logging =
    takeEnv(env, problems, parseBoolean, "MCP_S3_EXT_LOGGING") ??
    problems.take("logging", yaml?.logging, parseBoolean) ??
    problems.take("extensions.logging", yaml?.extensions?.logging, parseBoolean) ??
    false;

  if (problems.list.length > 0) throw new ConfigError(problems.list);
  return deepFreeze({
    default_connection: defaultName,
    connections,
    audit:
      audit.file === undefined ? { enabled: audit.enabled } : { enabled: audit.enabled, file: audit.file },
    logging,
    ...(file === undefined ? {} : { config_file: file }),
  });
}

function locateConfigFile(env: Env, flags: ConfigFlags, problems: Problems): string | undefined {
  const explicit = flags.config ?? (env.MCP_S3_CONFIG || undefined);
  if (explicit !== undefined) {
    if (!existsSync(explicit)) {
      problems.add(
        flags.config !== undefined ? "--config" : "MCP_S3_CONFIG",
        `file ${JSON.stringify(explicit)} does not exist`,
      );
      return undefined;
    }
    return explicit;
  }
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  const implicit = join(base, "mcp-s3", "config.yaml");
  return existsSync(implicit) ? implicit : undefined;
}

function readYamlFile(path: string, env: Env, problems: Problems): YamlFile | undefined {
  let text: string;
  try {
    const read = readTrustedFile(path);
    if (typeof read === "object") {
      problems.add(path, read.problem);
      return undefined;
    }
    text = read;
  } catch (e) {
    problems.add(path, `cannot be read (${errnoOf(e)})`);
    return undefined;
  }
  try {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.add(path, `YAML syntax: ${e.message.split("\n")[0]}`);
      return undefined;
    }
    const raw = interpolate(doc.toJS() ?? {}, env, problems, "");
    const parsed = YamlFileSchema.safeParse(raw);
    if (!parsed.success) {
      reportZodIssues(parsed.error.issues, path, problems);
      // Keep checking the rest of the file, so one typo does not hide the other problems in it.
      const retry = YamlFileSchema.safeParse(withoutUnknownKeys(raw, parsed.error.issues));
      return retry.success ? retry.data : undefined;
    }
    return parsed.data;
  } catch (e) {
    problems.add(path, `cannot be read: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * The text of the config file, or why it cannot be trusted: it decides the policy, so it must be a
 * regular file that only its owner can write, and that owner must be the user running mcp-s3 or
 * root (as ssh requires of its config). A symbolic link is fine (ssh allows it too); its target is
 * what is checked. Looked at before opening (a FIFO or device is never opened), then checked again
 * on the open descriptor, which is what is read: a path swapped in between cannot slip through,
 * and O_NONBLOCK keeps a FIFO swapped in from blocking the open.
 */
function readTrustedFile(path: string): string | { problem: string } {
  const before = untrusted(statSync(path), path);
  if (before !== undefined) return { problem: before };
  const fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | O_NOCTTY);
  try {
    const problem = untrusted(fstatSync(fd), path);
    return problem === undefined ? readFileSync(fd, "utf8") : { problem };
  } finally {
    closeSync(fd);
  }
}

function untrusted(st: Stats, path: string): string | undefined {
  if (!st.isFile()) return `is ${fileKind(st)}, not a regular file`;
  if (process.platform !== "win32" && (st.mode & 0o022) !== 0) {
    return `is writable by group or others (mode ${(st.mode & 0o777).toString(8)}), so anyone could switch read-only off; run: chmod go-w ${path}`;
  }
  const owner = foreignOwner(st, true);
  return owner === undefined ? undefined : `${owner}, so its owner could switch read-only off`;
}

/** A copy of `raw` without the keys zod reported as unknown (they are already listed as problems). */
function withoutUnknownKeys(raw: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy = structuredClone(raw);
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const target = issue.path.reduce<unknown>(
      (o, k) => (o !== null && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined),
      copy,
    );
    if (target !== null && typeof target === "object") {
      for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
    }
  }
  return copy;
}

function reportZodIssues(issues: readonly z.core.$ZodIssue[], file: string, problems: Problems): void {
  for (const issue of issues) {
    const where = issue.path.map(String).join(".") || "(top level)";
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        problems.add(`${file}: ${where === "(top level)" ? key : `${where}.${key}`}`, "unknown key");
    } else {
      problems.add(`${file}: ${where}`, issue.message);
    }
  }
}

function policyLayer(p: YamlPolicy | undefined, at: string, problems: Problems): PolicyLayer {
  if (p === undefined) return {};
  return clean({
    read_only: problems.take(`${at}.read_only`, p.read_only, parseBoolean),
    size_limits: problems.take(`${at}.size_limits`, p.size_limits, parseBoolean),
    max_get_size: problems.take(`${at}.max_get_size`, p.max_get_size, parseSize),
    max_put_size: problems.take(`${at}.max_put_size`, p.max_put_size, parseSize),
    prefix_acl: problems.take(`${at}.prefix_acl`, p.prefix_acl, parseBoolean),
    allowed_prefixes: problems.take(`${at}.allowed_prefixes`, p.allowed_prefixes, parseList),
    denied_prefixes: problems.take(`${at}.denied_prefixes`, p.denied_prefixes, parseList),
    allowed_buckets: problems.take(`${at}.allowed_buckets`, p.allowed_buckets, parseBucketList),
    denied_buckets: problems.take(`${at}.denied_buckets`, p.denied_buckets, parseBucketList),
    presign_max_expiry_seconds: seconds(
      problems.take(`${at}.presign_max_expiry`, p.presign_max_expiry, parsePresignExpiry),
    ),
  });
}

function legacyExtensionsPolicy(yaml: YamlFile | undefined, problems: Problems): PolicyLayer {
  const x = yaml?.extensions;
  if (x === undefined) return {};
  return clean({
    read_only:
      problems.take("extensions.read_only", x.read_only, parseBoolean) ??
      problems.take("extensions.readonly", x.readonly, parseBoolean),
    size_limits:
      problems.take("extensions.size_limit", x.size_limit, parseBoolean) ??
      problems.take("extensions.sizelimit", x.sizelimit, parseBoolean) ??
      problems.take("extensions.size_limits", x.size_limits, parseBoolean),
    max_get_size: problems.take("extensions.max_get_size", x.max_get_size, parseSize),
    max_put_size: problems.take("extensions.max_put_size", x.max_put_size, parseSize),
    prefix_acl: problems.take("extensions.prefix_acl", x.prefix_acl, parseBoolean),
    allowed_prefixes: problems.take("extensions.allowed_prefixes", x.allowed_prefixes, parseList),
    denied_prefixes: problems.take("extensions.denied_prefixes", x.denied_prefixes, parseList),
  });
}

/** An env variable set to the empty string counts as unset, as shells and MCP client configs produce it. */
function envValue(env: Env, ...names: string[]): [string, string] | undefined {
  for (const name of names) {
    const v = env[name];
    if (v !== undefined && v !== "") return [name, v];
  }
  return undefined;
}

function takeEnv<T>(env: Env, problems: Problems, parse: (v: unknown) => Parsed<T>, ...names: string[]) {
  const found = envValue(env, ...names);
  return found === undefined ? undefined : problems.take(found[0], found[1], parse);
}

function envPolicyLayer(env: Env, problems: Problems): PolicyLayer {
  return clean({
    read_only: takeEnv(env, problems, parseBoolean, "MCP_S3_EXT_READONLY"),
    size_limits: takeEnv(env, problems, parseBoolean, "MCP_S3_EXT_SIZELIMIT"),
    max_get_size: takeEnv(env, problems, parseSize, "MCP_S3_MAX_GET_SIZE"),
    max_put_size: takeEnv(env, problems, parseSize, "MCP_S3_MAX_PUT_SIZE"),
    prefix_acl: takeEnv(env, problems, parseBoolean, "MCP_S3_EXT_PREFIXACL", "MCP_S3_EXT_PREFIX_ACL"),
    allowed_prefixes: takeEnv(env, problems, parseList, "MCP_S3_ALLOWED_PREFIXES"),
    denied_prefixes: takeEnv(env, problems, parseList, "MCP_S3_DENIED_PREFIXES"),
    allowed_buckets: takeEnv(env, problems, parseList, "MCP_S3_ALLOWED_BUCKETS"),
    denied_buckets: takeEnv(env, problems, parseList, "MCP_S3_DENIED_BUCKETS"),
    presign_max_expiry_seconds: seconds(
      takeEnv(env, problems, parsePresignExpiry, "MCP_S3_PRESIGN_MAX_EXPIRY"),
    ),
  });
}

function flagPolicyLayer(flags: ConfigFlags, problems: Problems): PolicyLayer {
  return clean({
    read_only: problems.take("--read-only", flags.read_only, parseBoolean),
    max_get_size: problems.take("--max-get-size", flags.max_get_size, parseSize),
    max_put_size: problems.take("--max-put-size", flags.max_put_size, parseSize),
  });
}

function finishPolicy(layer: PolicyLayer, where: string, problems: Problems): Policy {
  const policy = { ...DEFAULT_POLICY, ...layer };
  if (policy.presign_max_expiry_seconds > PRESIGN_HARD_MAX_SECONDS) {
    problems.add(`${where} presign_max_expiry`, "is longer than 7d, the most a SigV4 presigned URL allows");
  }
  return policy;
}

function collectConnections(
  yaml: YamlFile | undefined,
  env: Env,
  problems: Problems,
): Map<string, ConnectionDraft> {
  const drafts = new Map<string, ConnectionDraft>();
  /** `nameAt` says where the name was written (a YAML path or a variable), for the message. */
  const add = (name: string, raw: YamlConnection, where: string, nameAt = `${where} name`) => {
    if (!CONNECTION_NAME.test(name)) {
      problems.bad(
        nameAt,
        name,
        "letters, digits, '.', '_' or '-' (at most 63), starting with a letter or digit",
      );
      return;
    }
    drafts.set(name, connectionDraft(name, raw, where, problems));
  };

  const listed = yaml?.connections;
  if (Array.isArray(listed)) {
    listed.forEach((raw, i) => {
      const name = typeof raw.name === "string" ? raw.name : "";
      add(name, raw, `connections[${i}]`, `connections[${i}].name`);
    });
  } else if (listed !== undefined) {
    for (const [name, raw] of Object.entries(listed)) add(name, raw, `connections.${name}`);
  }
  if (yaml?.connection !== undefined) {
    const raw = yaml.connection;
    if (typeof raw.name === "string" && raw.name !== "") add(raw.name, raw, "connection", "connection.name");
    else add(env.S3_CONNECTION_NAME || DEFAULT_CONNECTION_NAME, raw, "connection", "S3_CONNECTION_NAME");
  }
  for (const [name, raw] of Object.entries(yaml?.additional_connections ?? {})) {
    add(name, raw, `additional_connections.${name}`);
  }

  // With no connection in the file, the environment describes the default connection.
  if (drafts.size === 0) {
    const name = env.S3_CONNECTION_NAME || DEFAULT_CONNECTION_NAME;
    const fromEnv: YamlConnection = {
      access_key_id: envValue(env, "AWS_ACCESS_KEY_ID")?.[1],
      secret_access_key: envValue(env, "AWS_SECRET_ACCESS_KEY")?.[1],
      session_token: envValue(env, "AWS_SESSION_TOKEN")?.[1],
      profile: envValue(env, "AWS_PROFILE")?.[1],
    };
    add(name, fromEnv, "environment (AWS_* variables)", "S3_CONNECTION_NAME");
  }

  const extra = envValue(env, "S3_ADDITIONAL_CONNECTIONS");
  if (extra !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extra[1]);
    } catch {
      // The engine's message quotes the text around the error, which may be a secret: never echo it.
      problems.add(
        "S3_ADDITIONAL_CONNECTIONS",
        'is not valid JSON; expected a JSON object such as {"name":{"endpoint":"https://...","region":"..."}}',
      );
      return drafts;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      problems.add(
        "S3_ADDITIONAL_CONNECTIONS",
        "must be a JSON object mapping connection names to connection settings",
      );
      return drafts;
    }
    for (const [name, raw] of Object.entries(parsed)) {
      const shape = YamlConnectionSchema.safeParse(raw);
      if (!shape.success) {
        reportZodIssues(
          shape.error.issues.map((i) => ({ ...i, path: [name, ...i.path] })),
          "S3_ADDITIONAL_CONNECTIONS",
          problems,
        );
        continue;
      }
      add(name, shape.data, `S3_ADDITIONAL_CONNECTIONS.${name}`);
    }
  }
  return drafts;
}

function connectionDraft(
  name: string,
  raw: YamlConnection,
  where: string,
  problems: Problems,
): ConnectionDraft {
  const at = (field: string) => `${where}.${field}`;
  const insecure = problems.take(at("disable_ssl"), raw.disable_ssl, parseBoolean) ?? false;
  const endpoint = problems.take(at("endpoint"), raw.endpoint, (v) => parseEndpoint(v, insecure));
  return {
    name,
    where,
    region: problems.take(at("region"), raw.region, parseRegion),
    endpoint,
    path_style:
      problems.take(at("path_style"), raw.path_style, parseBoolean) ??
      problems.take(at("use_path_style"), raw.use_path_style, parseBoolean),
    access_key_id: problems.take(at("access_key_id"), raw.access_key_id, parseString),
    secret_access_key: problems.take(at("secret_access_key"), raw.secret_access_key, parseString),
    session_token: problems.take(at("session_token"), raw.session_token, parseString),
    profile: problems.take(at("profile"), raw.profile, parseString),
    timeout_ms: problems.take(at("timeout"), raw.timeout, parseDuration),
    public_endpoint: problems.take(at("public_endpoint"), raw.public_endpoint, (v) =>
      parseEndpoint(v, false),
    ),
    policy: policyLayer(raw.policy, at("policy"), problems),
  };
}

function parseEndpoint(v: unknown, insecure: boolean): Parsed<string> {
  const accepted = "an http:// or https:// URL such as https://s3.example.com or http://127.0.0.1:8333";
  if (typeof v !== "string" || v.trim() === "") return { ok: false, accepted };
  const text = /^[a-z]+:\/\//i.test(v) ? v : `${insecure ? "http" : "https"}://${v}`;
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, accepted };
    if (url.username || url.password)
      return { ok: false, accepted: `${accepted}, without credentials in it` };
    return { ok: true, value: text.replace(/\/+$/, "") };
  } catch {
    return { ok: false, accepted };
  }
}

function chooseDefault(
  yaml: YamlFile | undefined,
  env: Env,
  flags: ConfigFlags,
  drafts: Map<string, ConnectionDraft>,
  problems: Problems,
): string {
  const candidates: [string, unknown][] = [
    ["--connection", flags.connection],
    ["S3_CONNECTION_NAME", env.S3_CONNECTION_NAME || undefined],
    ["default_connection", yaml?.default_connection],
  ];
  for (const [where, value] of candidates) {
    if (value === undefined) continue;
    const name = problems.take(where, value, parseString);
    if (name === undefined) return DEFAULT_CONNECTION_NAME;
    if (!drafts.has(name)) {
      problems.add(
        where,
        `${problems.show(where, name)} is not a defined connection; defined: ${[...drafts.keys()].join(", ") || "(none)"}`,
      );
    }
    return name;
  }
  if (yaml?.connection !== undefined) {
    const legacy = yaml.connection.name;
    if (typeof legacy === "string" && drafts.has(legacy)) return legacy;
  }
  if (drafts.has(DEFAULT_CONNECTION_NAME)) return DEFAULT_CONNECTION_NAME;
  const first = drafts.keys().next();
  return first.done ? DEFAULT_CONNECTION_NAME : first.value;
}

/** Environment settings of the default connection win over the file's (precedence env > YAML). */
function applyEnvToDefault(
  drafts: Map<string, ConnectionDraft>,
  name: string,
  env: Env,
  problems: Problems,
): void {
  const draft = drafts.get(name);
  if (draft === undefined) return;
  const endpointVar = envValue(env, "S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
  if (endpointVar !== undefined) {
    draft.endpoint = problems.take(endpointVar[0], endpointVar[1], (v) => parseEndpoint(v, false));
  }
  draft.path_style = takeEnv(env, problems, parseBoolean, "S3_USE_PATH_STYLE") ?? draft.path_style;
  draft.timeout_ms = takeEnv(env, problems, parseDuration, "S3_TIMEOUT") ?? draft.timeout_ms;
  draft.region = takeEnv(env, problems, parseRegion, "AWS_REGION", "AWS_DEFAULT_REGION") ?? draft.region;
}

function finishConnection(draft: ConnectionDraft, policy: Policy, env: Env, problems: Problems): Connection {
  if ((draft.access_key_id === undefined) !== (draft.secret_access_key === undefined)) {
    problems.add(draft.where, "access_key_id and secret_access_key must be given together");
  }
  if (draft.session_token !== undefined && draft.access_key_id === undefined) {
    problems.add(draft.where, "session_token needs access_key_id and secret_access_key");
  }
  const region = draft.region ?? envValue(env, "AWS_REGION", "AWS_DEFAULT_REGION")?.[1] ?? DEFAULT_REGION;
  return clean({
    name: draft.name,
    region,
    endpoint: draft.endpoint,
    path_style: draft.path_style ?? false,
    access_key_id: draft.access_key_id,
    secret_access_key: draft.secret_access_key,
    session_token: draft.session_token,
    profile: draft.profile,
    timeout_ms: draft.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    public_endpoint: draft.public_endpoint,
    policy,
  }) as Connection;
}

function mergeLayers(...layers: PolicyLayer[]): PolicyLayer {
  return Object.assign({}, ...layers);
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/** Drops undefined fields so that spreading a layer never erases a lower layer's value. */
function clean<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
