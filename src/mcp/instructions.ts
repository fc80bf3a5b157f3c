// Plain-words descriptions of the active policy, for the server instructions and the tool descriptions.
// This module only writes text: every decision is made by the policy gate in src/policy.
import type { Config, Connection, Policy } from "../config/schema.ts";
import { formatDuration, formatSize } from "../config/values.ts";
import { classesNeedingConsent } from "../policy/consent.ts";
import type { Touch } from "../policy/decide.ts";

export const TOOL_NAMES = [
  "s3_list_buckets",
  "s3_list_objects",
  "s3_get_object",
  "s3_get_object_metadata",
  "s3_put_object",
  "s3_delete_object",
  "s3_copy_object",
  "s3_presign_url",
  "s3_list_connections",
] as const;

export const RESOURCE_TEMPLATE = "s3://{connection}/{bucket}/{+key}";

export function defaultConnection(config: Config): Connection {
  const conn = config.connections[config.default_connection];
  if (conn === undefined)
    throw new Error(`default connection ${config.default_connection} is not configured`);
  return conn;
}

function list(items: readonly string[]): string {
  return items.join(", ");
}

/** The rules of one policy, one line per topic, in a fixed order. */
export function policyLines(p: Policy): string[] {
  const lines: string[] = [];
  lines.push(
    p.read_only
      ? "Read-only: writes are disabled. s3_put_object, s3_copy_object, s3_delete_object and s3_presign_url with method PUT return ReadOnlyMode."
      : "Writes are allowed: s3_put_object, s3_copy_object and s3_delete_object change stored data (an existing object is overwritten without warning); confirm with the user before overwriting or deleting.",
  );
  lines.push(
    p.size_limits
      ? `Size limits: one read returns at most ${formatSize(p.max_get_size)} (${p.max_get_size} bytes); read larger objects in pages with offset/length. A write may be at most ${formatSize(p.max_put_size)} (${p.max_put_size} bytes, decoded size), and a copy of a larger object is refused. Over a limit: EntityTooLarge.`
      : "Size limits are off: reads and writes of any size are attempted (large reads are slow and use memory).",
  );
  if (!p.prefix_acl) {
    lines.push("No prefix ACL: every key in an accessible bucket can be used.");
  } else {
    const parts: string[] = [];
    if (p.denied_prefixes.length > 0)
      parts.push(`keys under ${list(p.denied_prefixes)} are denied (deny wins over allow)`);
    if (p.allowed_prefixes.length > 0)
      parts.push(`only keys under ${list(p.allowed_prefixes)} are accessible`);
    else parts.push("every key not denied is accessible");
    lines.push(
      `Prefix ACL: ${parts.join("; ")}. Listings leave refused keys and folders out; naming a refused key or prefix returns PrefixDenied. Keys are compared byte for byte (case-sensitive, no path normalisation). A copy needs both its source and destination allowed.`,
    );
  }
  if (p.allowed_buckets.length === 0 && p.denied_buckets.length === 0) {
    lines.push("No bucket lists: every bucket the credentials can reach can be used.");
  } else {
    const parts: string[] = [];
    const n = (items: readonly string[], one: string, many: string) => (items.length === 1 ? one : many);
    if (p.allowed_buckets.length > 0)
      parts.push(
        `only ${n(p.allowed_buckets, "the bucket", "the buckets")} ${list(p.allowed_buckets)} ${n(p.allowed_buckets, "is", "are")} accessible`,
      );
    if (p.denied_buckets.length > 0)
      parts.push(
        `${n(p.denied_buckets, "the bucket", "the buckets")} ${list(p.denied_buckets)} ${n(p.denied_buckets, "is", "are")} denied`,
      );
    lines.push(
      `Buckets: ${parts.join("; ")} (refused buckets return BucketDenied and are hidden from s3_list_buckets).`,
    );
  }
  const lifetime = `last at most ${formatDuration(p.presign_max_expiry_seconds * 1000)} (default ${formatDuration(Math.min(3600, p.presign_max_expiry_seconds) * 1000)})`;
  lines.push(
    p.presign === "off"
      ? "Presigned URLs are disabled by the administrator: s3_presign_url returns PresignDisabled for GET and PUT."
      : p.presign === "get"
        ? `Presigned URLs: download (GET) URLs only, they ${lifetime}; upload (PUT) URLs are disabled by the administrator and return PresignDisabled.`
        : `Presigned URLs (GET, and PUT where writes are allowed) ${lifetime}.`,
  );
  lines.push(consentLine(p));
  return lines;
}

/** Each tool call that may need consent, with the touches it declares (classified by the one classifier). */
const CONSENT_CALLS: readonly [string, readonly Touch[]][] = [
  ["s3_put_object", [{ access: "write", bucket: "b", key: "k" }]],
  ["s3_delete_object", [{ access: "delete", bucket: "b", key: "k" }]],
  [
    "s3_copy_object",
    [
      { access: "read", bucket: "b", key: "k" },
      { access: "write", bucket: "b", key: "k2" },
    ],
  ],
  ["s3_presign_url", [{ access: "read", bucket: "b", key: "k", presign: "GET" }]],
  ["s3_presign_url with method PUT", [{ access: "write", bucket: "b", key: "k", presign: "PUT" }]],
];

/** The calls that wait for a human's consent under this policy, in words. */
export function callsNeedingConsent(p: Policy): string[] {
  const calls = CONSENT_CALLS.filter(([, touches]) => classesNeedingConsent(p, touches).length > 0).map(
    ([name]) => name,
  );
  // "s3_presign_url" already covers its PUT form.
  return calls.includes("s3_presign_url")
    ? calls.filter((c) => c !== "s3_presign_url with method PUT")
    : calls;
}

function consentLine(p: Policy): string {
  const calls = callsNeedingConsent(p);
  if (calls.length === 0) return "No operation waits for a human's consent.";
  return `Consent (confirm: ${p.confirm.join(", ")}): ${list(calls)} run only after the user approves that exact call in a prompt the server sends (MCP elicitation) and wait for the answer (up to ${formatDuration(p.consent_timeout_ms)}). Declined or unanswered: ConsentDeclined; a client that cannot show the prompt: ConsentRequired. Do not retry a declined call unless the user asks for it.`;
}

/**
 * The note added to a tool's description when its calls wait for consent (on the connections that
 * want it). `touches` is what one call declares.
 */
export function consentNote(
  config: Config,
  touches: readonly Touch[],
  subject = "A call",
  verb = "runs",
): string {
  const conns = Object.values(config.connections);
  const asking = conns.filter((c) => classesNeedingConsent(c.policy, touches).length > 0);
  if (asking.length === 0) return "";
  const where =
    asking.length === conns.length ? "" : ` on the connection ${list(asking.map((c) => `"${c.name}"`))}`;
  return ` ${subject} ${verb} only after the user approves it${where}: the server asks them (elicitation) and waits; declined → ConsentDeclined, a client without elicitation → ConsentRequired.`;
}

/** What the presign setting allows, for the presign tool's description (default connection first). */
export function presignNote(config: Config): string {
  const def = defaultConnection(config);
  const says = (p: Policy) =>
    p.presign === "off"
      ? "no presigned URLs (PresignDisabled)"
      : p.presign === "get"
        ? "download (GET) URLs only; PUT returns PresignDisabled"
        : "GET and PUT URLs";
  const others = Object.values(config.connections).filter(
    (c) => c.name !== def.name && c.policy.presign !== def.policy.presign,
  );
  const first =
    def.policy.presign === "get_put"
      ? ""
      : ` The administrator allows ${says(def.policy)}${others.length > 0 ? " on the default connection" : ""}.`;
  const rest = others.map((c) => ` On the connection "${c.name}": ${says(c.policy)}.`).join("");
  return `${first}${rest}`;
}

function connectionLine(c: Connection, isDefault: boolean): string {
  const where = c.endpoint === undefined ? `AWS region ${c.region}` : `${c.endpoint}, region ${c.region}`;
  return `"${c.name}"${isDefault ? " (default)" : ""}: ${where}`;
}

/** The server instructions: what this server is and the rules it enforces, before any call is made. */
export function buildInstructions(config: Config): string {
  const conns = Object.values(config.connections);
  const def = defaultConnection(config);
  const out: string[] = [
    `mcp-s3 gives access to Amazon S3 and S3-compatible object storage under a policy that the server enforces on every call. Tools: ${list(TOOL_NAMES)}. Objects can also be read as resources ${RESOURCE_TEMPLATE}.`,
    "",
    `Connections: ${conns.map((c) => connectionLine(c, c.name === def.name)).join("; ")}.${conns.length > 1 ? " Pass `connection` to use another than the default." : ""}`,
  ];
  // Rules shared by every connection are stated once; where connections differ, each one's rule.
  const byConn = conns.map((c) => ({ c, lines: policyLines(c.policy) }));
  const topics = byConn[0]?.lines.length ?? 0;
  const common: string[] = [];
  const differing: string[] = [];
  for (let t = 0; t < topics; t++) {
    const texts = byConn.map((b) => b.lines[t] as string);
    if (texts.every((x) => x === texts[0])) common.push(`- ${texts[0]}`);
    else
      for (const b of byConn) {
        differing.push(`- "${b.c.name}"${b.c.name === def.name ? " (default)" : ""}: ${b.lines[t]}`);
      }
  }
  if (common.length > 0) out.push("", conns.length > 1 ? "Policy (all connections):" : "Policy:", ...common);
  if (differing.length > 0) out.push("", "Policy per connection:", ...differing);
  out.push(
    "",
    config.audit.enabled
      ? "Every call, refused ones included, is written to an audit log."
      : "Audit logging is off.",
    "Failures are tool results with isError: true and structuredContent {error, message, hint}. A policy refusal (ReadOnlyMode, PrefixDenied, BucketDenied, EntityTooLarge, PresignDisabled, ConsentRequired, ConsentDeclined) names the rule that refused; retrying will not help, so tell the user which rule applies instead of looking for a way around it.",
  );
  return out.join("\n");
}

/**
 * The note added to a write tool's description: disabled when the default connection is read-only,
 * naming any connection that does allow writes.
 */
export function writeNote(config: Config, subject = "This tool is", calling = "calling it"): string {
  const def = defaultConnection(config);
  const writable = Object.values(config.connections)
    .filter((c) => !c.policy.read_only)
    .map((c) => `"${c.name}"`);
  if (def.policy.read_only) {
    return writable.length === 0
      ? ` ${subject} currently disabled: this server is read-only; ${calling} returns ReadOnlyMode.`
      : ` ${subject} currently disabled: this server is read-only on the default connection (${calling} returns ReadOnlyMode there); the connection ${list(writable)} allows writes.`;
  }
  const readOnly = Object.values(config.connections)
    .filter((c) => c.policy.read_only)
    .map((c) => `"${c.name}"`);
  return readOnly.length === 0 ? "" : ` Read-only (ReadOnlyMode) on the connection ${list(readOnly)}.`;
}
