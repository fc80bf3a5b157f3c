// Continuation tokens of object listings, as handed to clients. S3's own NextContinuationToken is on
// RGW (and other S3-compatible servers) the last key it looked at, in plain text: handed back as is,
// `max_keys: 1` paging would spell out the keys the prefix ACL hides. So a client only ever sees a
// sealed token: the resume position, encrypted and authenticated (AES-256-GCM) with a key that lives
// in this process only, bound to the listing it came from (connection, bucket, prefix, delimiter).
// A client can neither read the position nor make one up; the position is only ever used as S3's
// StartAfter for that same, gate-checked listing, whose results are filtered again.
//
// Follow-up: with several replicas behind a load balancer (SPEC §8, MCP over HTTP), a token must open
// on any of them, so the key will have to be shared (configured) rather than drawn per process.
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { S3ToolError } from "../errors.ts";

/** What a token is bound to: a token opens only for the listing that issued it. */
export interface ListingScope {
  readonly connection: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter: string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

let processKey: Buffer | undefined;
/** Drawn on first use; never leaves the process, so tokens last as long as it runs. */
function key(): Buffer {
  processKey ??= randomBytes(32);
  return processKey;
}

/** The scope is authenticated as additional data: any difference makes the token fail to open. */
function additionalData(scope: ListingScope): Buffer {
  return Buffer.from(
    JSON.stringify([VERSION, scope.connection, scope.bucket, scope.prefix, scope.delimiter]),
    "utf8",
  );
}

/** An opaque token (base64url) carrying `position`, valid only for `scope`. */
export function sealToken(scope: ListingScope, position: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key(), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(scope));
  const sealed = Buffer.concat([cipher.update(position, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, sealed, cipher.getAuthTag()]).toString("base64url");
}

/** The position sealed in `token`; InvalidArgument if it was not issued for this very listing. */
export function openToken(scope: ListingScope, token: string): string {
  const raw = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url") : Buffer.alloc(0);
  if (raw.length >= 1 + IV_BYTES + TAG_BYTES && raw[0] === VERSION) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", key(), raw.subarray(1, 1 + IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(additionalData(scope));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return plain.toString("utf8");
    } catch {
      // Altered, forged, from another listing or from another process: all the same to the client.
    }
  }
  throw new S3ToolError(
    "InvalidArgument",
    "continuation_token is not valid for this listing",
    "pass next_continuation_token from the previous page of the same listing (same bucket, prefix, delimiter and connection); tokens last for the life of the server process",
  );
}
