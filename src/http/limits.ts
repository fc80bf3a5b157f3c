// The largest request body a caller could legitimately send: the base64 of the largest upload one
// of its connections allows, plus room for the JSON-RPC envelope. A caller whose connections are
// all read-only can upload nothing, so its limit is the envelope alone (§3: an upload while
// read-only is refused without being buffered).
import type { Config } from "../config/schema.ts";

/** Room for the JSON-RPC envelope, metadata and a batch of small requests. */
export const ENVELOPE_BYTES = 1024 * 1024;
/** Ceiling when size limits are off (a JavaScript string cannot hold much more). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;

export function bodyLimit(config: Config): number {
  let largest = 0;
  for (const c of Object.values(config.connections)) {
    if (c.policy.read_only) continue;
    const put = c.policy.size_limits ? c.policy.max_put_size : MAX_BODY_BYTES;
    largest = Math.max(largest, Math.ceil(put / 3) * 4);
  }
  return Math.min(largest + ENVELOPE_BYTES, MAX_BODY_BYTES);
}
