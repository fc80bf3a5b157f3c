// The policy gate: a pure decision over (policy, one thing an operation touches).
// Every operation, MCP or CLI, declares its touches and passes them through here before S3 sees
// anything. Deny by default wherever a value is missing.
import type { Policy } from "../config/schema.ts";
import { formatSize } from "../config/values.ts";
import type { ErrorCode } from "../errors.ts";

export type Access = "list" | "read" | "write" | "delete";

export interface Touch {
  readonly access: Access;
  /** Absent only when listing buckets. */
  readonly bucket?: string | undefined;
  /** The object key, for read/write/delete. */
  readonly key?: string | undefined;
  /** The listing prefix, for list of a bucket ("" = bucket root). */
  readonly prefix?: string | undefined;
  /** Bytes that will flow through us: the decoded body of a write, the object or range of a read. */
  readonly size?: number | undefined;
  /** The bucket itself, not an object in it: creating (write) or removing (delete) it. No key. */
  readonly wholeBucket?: boolean | undefined;
}

export type Refusal = {
  readonly allowed: false;
  readonly code: Extract<
    ErrorCode,
    | "ReadOnlyMode"
    | "PrefixDenied"
    | "BucketDenied"
    | "EntityTooLarge"
    | "InvalidArgument"
    | "InvalidBucketName"
  >;
  readonly message: string;
  readonly hint: string;
  readonly touch: Touch;
};
export type Decision = { readonly allowed: true } | Refusal;

/** Loose enough for legacy names (uppercase, '_'), strict enough that no name can change the request path. */
export const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

const ALLOW: Decision = Object.freeze({ allowed: true });

/** Decides every touch; the first refusal wins. An operation passes only if all its touches pass. */
export function decideAll(policy: Policy, touches: readonly Touch[]): Decision {
  for (const touch of touches) {
    const d = decide(policy, touch);
    if (!d.allowed) return d;
  }
  return ALLOW;
}

export function decide(policy: Policy, touch: Touch): Decision {
  const refuse = (code: Refusal["code"], message: string, hint: string): Refusal => ({
    allowed: false,
    code,
    message,
    hint,
    touch,
  });

  if ((touch.access === "write" || touch.access === "delete") && policy.read_only) {
    return refuse(
      "ReadOnlyMode",
      `${touch.access} refused: this connection is read-only`,
      "writes are off by default; set MCP_S3_EXT_READONLY=false (or policy.read_only: false, or --read-only=false) to allow them",
    );
  }

  if (touch.bucket === undefined || touch.bucket === "") {
    // Only a bucket listing may omit the bucket; anything else (an empty name too) is malformed and refused.
    return touch.access === "list" &&
      touch.bucket === undefined &&
      touch.key === undefined &&
      touch.prefix === undefined
      ? ALLOW
      : refuse("InvalidArgument", "a bucket is required", "name the bucket");
  }
  if (!BUCKET_NAME.test(touch.bucket)) {
    // With path-style addressing a bucket named ".." (or containing "/") would address another bucket
    // than the one the lists were checked against.
    return refuse(
      "InvalidBucketName",
      `${JSON.stringify(touch.bucket)} is not a valid bucket name`,
      "bucket names are letters, digits, '.', '_' and '-', starting with a letter or digit",
    );
  }
  if (!bucketAllowed(policy, touch.bucket)) {
    const denied = policy.denied_buckets.includes(touch.bucket);
    return refuse(
      "BucketDenied",
      denied
        ? `bucket ${JSON.stringify(touch.bucket)} is in the denied bucket list`
        : `bucket ${JSON.stringify(touch.bucket)} is not in the allowed bucket list (${policy.allowed_buckets.join(", ")})`,
      denied
        ? "remove it from policy.denied_buckets to allow access"
        : "add it to policy.allowed_buckets to allow access",
    );
  }

  if (touch.wholeBucket === true) return bucketTouch(policy, touch, refuse);
  if (touch.access === "list") {
    if (touch.key !== undefined) return refuse("InvalidArgument", "a listing takes a prefix, not a key", "");
    const dots = dotSegmentRefusal(policy, "prefix", touch.prefix ?? "");
    if (dots !== undefined) return refuse("InvalidArgument", dots, DOT_SEGMENT_HINT);
    const refusal = listingRefusal(policy, touch.prefix ?? "");
    if (refusal !== undefined) return refuse("PrefixDenied", refusal, prefixHint(policy));
  } else {
    if (touch.key === undefined || touch.key === "") {
      return refuse("InvalidArgument", "an object key is required", "name the object key");
    }
    const dots = dotSegmentRefusal(policy, "key", touch.key);
    if (dots !== undefined) return refuse("InvalidArgument", dots, DOT_SEGMENT_HINT);
    const refusal = keyRefusal(policy, touch.key);
    if (refusal !== undefined) return refuse("PrefixDenied", refusal, prefixHint(policy));
  }

  if (policy.size_limits && touch.size !== undefined) {
    const limit =
      touch.access === "read"
        ? policy.max_get_size
        : touch.access === "write"
          ? policy.max_put_size
          : undefined;
    if (limit !== undefined && touch.size > limit) {
      const reading = touch.access === "read";
      return refuse(
        "EntityTooLarge",
        `${reading ? "read" : "write"} of ${formatSize(touch.size)} (${touch.size} bytes) exceeds the ${reading ? "get" : "put"} limit of ${formatSize(limit)} (${limit} bytes)`,
        reading
          ? "read a smaller range (offset/length, or --range), or raise MCP_S3_MAX_GET_SIZE / --max-get-size"
          : "raise MCP_S3_MAX_PUT_SIZE / --max-put-size to allow larger writes",
      );
    }
  }
  return ALLOW;
}

/**
 * Creating or removing a bucket (read-only and the bucket lists were checked above). While the prefix
 * ACL limits keys at all, the whole bucket is not the caller's to create or remove: refused.
 */
function bucketTouch(
  policy: Policy,
  touch: Touch,
  refuse: (code: Refusal["code"], message: string, hint: string) => Refusal,
): Decision {
  if (
    (touch.access !== "write" && touch.access !== "delete") ||
    touch.key !== undefined ||
    touch.prefix !== undefined
  ) {
    return refuse("InvalidArgument", "only creating or removing a bucket touches the bucket itself", "");
  }
  if (policy.prefix_acl && (policy.allowed_prefixes.length > 0 || policy.denied_prefixes.length > 0)) {
    return refuse(
      "PrefixDenied",
      `${touch.access === "write" ? "creating" : "removing"} bucket ${JSON.stringify(touch.bucket)} is refused while the prefix ACL limits which keys may be used`,
      prefixHint(policy),
    );
  }
  return ALLOW;
}

export function bucketAllowed(policy: Policy, bucket: string): boolean {
  if (policy.denied_buckets.includes(bucket)) return false;
  return policy.allowed_buckets.length === 0 || policy.allowed_buckets.includes(bucket);
}

/**
 * Keys are compared as exact byte strings: no case folding, no normalisation of `..` or `//`.
 * A blank prefix entry fails closed: in the denied list it denies everything, in the allowed list
 * it matches nothing (config loading rejects blank entries, this is the second line of defence).
 */
function inside(key: string, prefix: string): boolean {
  return prefix.trim() === "" ? false : key.startsWith(prefix);
}
function deniedBy(policy: Policy, key: string): string | undefined {
  return policy.denied_prefixes.find((p) => p.trim() === "" || key.startsWith(p));
}

function keyRefusal(policy: Policy, key: string): string | undefined {
  if (!policy.prefix_acl) return undefined;
  const denied = deniedBy(policy, key);
  if (denied !== undefined)
    return `key ${JSON.stringify(key)} is under the denied prefix ${JSON.stringify(denied)}`;
  if (policy.allowed_prefixes.length > 0 && !policy.allowed_prefixes.some((p) => inside(key, p))) {
    return `key ${JSON.stringify(key)} is outside every allowed prefix (${policy.allowed_prefixes.join(", ")})`;
  }
  return undefined;
}

/**
 * Defence in depth (SPEC §3). The gate compares exact bytes, which is what AWS and RGW do, but a proxy
 * or S3-compatible server that resolves "." and ".." path segments (s3rver does: "data/../secrets/x"
 * reads "secrets/x"), or collapses a leading "/" into the bucket path, would serve another key — or,
 * with path-style addressing, another bucket — than the one decided here. So while a prefix ACL or a
 * bucket list is in force, such keys and prefixes are not addressable at all. Names that merely
 * contain dots (".hidden", "...", "a..b") and empty segments ("data//x") are not dot segments.
 */
function dotSegmentRefusal(policy: Policy, what: "key" | "prefix", text: string): string | undefined {
  if (!policy.prefix_acl && policy.allowed_buckets.length === 0 && policy.denied_buckets.length === 0) {
    return undefined;
  }
  const quoted = JSON.stringify(text);
  if (text.startsWith("/")) return `${what} ${quoted} starts with "/"`;
  const segment = text.split("/").find((s) => s === "." || s === "..");
  return segment === undefined ? undefined : `${what} ${quoted} has a "${segment}" path segment`;
}

const DOT_SEGMENT_HINT =
  'while a prefix ACL or a bucket list is on, keys and prefixes may not start with "/" or have "." or ".." segments: a proxy or S3-compatible server that resolves them could turn an allowed key into a refused one; name the object without them (such keys can only be reached with policy.prefix_acl off and no bucket lists)';

/** A listing may name a parent of an allowed prefix (its results are filtered), never a denied area. */
function listingRefusal(policy: Policy, prefix: string): string | undefined {
  if (!policy.prefix_acl) return undefined;
  const denied = deniedBy(policy, prefix);
  if (denied !== undefined)
    return `prefix ${JSON.stringify(prefix)} lies inside the denied prefix ${JSON.stringify(denied)}`;
  if (
    policy.allowed_prefixes.length > 0 &&
    !policy.allowed_prefixes.some((p) => inside(prefix, p) || (p.trim() !== "" && p.startsWith(prefix)))
  ) {
    return `prefix ${JSON.stringify(prefix)} is outside every allowed prefix (${policy.allowed_prefixes.join(", ")})`;
  }
  return undefined;
}

/** Whether an object key may appear in a listing result. */
export function keyVisible(policy: Policy, key: string): boolean {
  return keyRefusal(policy, key) === undefined;
}

/** Whether a common prefix (a "folder") may appear in a listing result. */
export function commonPrefixVisible(policy: Policy, prefix: string): boolean {
  if (!policy.prefix_acl) return true;
  if (deniedBy(policy, prefix) !== undefined) return false;
  return (
    policy.allowed_prefixes.length === 0 ||
    policy.allowed_prefixes.some((p) => inside(prefix, p) || (p.trim() !== "" && p.startsWith(prefix)))
  );
}

/**
 * The denied prefix a hidden listing entry (key or common prefix) lies in, if any: everything that
 * sorts after the entry and still starts with it is hidden too, so a listing may skip over it.
 */
export function deniedAreaOf(policy: Policy, entry: string): string | undefined {
  if (!policy.prefix_acl) return undefined;
  return policy.denied_prefixes.find((p) => p.trim() !== "" && entry.startsWith(p));
}

function prefixHint(policy: Policy): string {
  const parts = [];
  if (policy.allowed_prefixes.length > 0)
    parts.push(`allowed prefixes: ${policy.allowed_prefixes.join(", ")}`);
  if (policy.denied_prefixes.length > 0) parts.push(`denied prefixes: ${policy.denied_prefixes.join(", ")}`);
  return `the prefix ACL is on (${parts.join("; ") || "no lists"}); change MCP_S3_ALLOWED_PREFIXES / MCP_S3_DENIED_PREFIXES or policy.allowed_prefixes / policy.denied_prefixes`;
}
