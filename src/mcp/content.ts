// Object bodies in and out of JSON: text when it is text, base64 otherwise, and strict base64 on input
// so that a malformed upload is refused instead of being stored as garbage.
import { Buffer, isUtf8 } from "node:buffer";
import { S3ToolError } from "../errors.ts";
import type { ContentBlock } from "./sdk/types.ts";

export interface EncodedContent {
  content: string;
  is_base64: boolean;
  /** Bytes the content stands for; less than the bytes read only when a split character was held back. */
  bytes: number;
}

const TEXTUAL_TYPES =
  /^(?:text\/|application\/(?:json|xml|javascript|ecmascript|x-javascript|yaml|x-yaml|toml|x-toml|csv|x-sh|x-shellscript|sql|graphql|x-ndjson|ndjson|jsonl|x-www-form-urlencoded|ld\+json)\b|[a-z]+\/[^;]*\+(?:json|xml|yaml)\b)/i;

/** Whether a Content-Type names text (text/*, JSON, XML, YAML, CSV, scripts, and +json/+xml/+yaml types). */
export function isTextualType(contentType: string | null | undefined): boolean {
  return contentType != null && TEXTUAL_TYPES.test(contentType.trim());
}

const UTF8_LABELS = new Set(["utf-8", "utf8", "unicode-1-1-utf-8"]);

function charsetOf(contentType: string | null | undefined): string | undefined {
  const m = contentType == null ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m?.[1]?.toLowerCase();
}

/** Decodes strictly; undefined when the bytes are not valid in that encoding (or it is unknown). */
function decodeStrict(bytes: Uint8Array, label: string): string | undefined {
  // A fatal TextDecoder allocates room for the whole text before it finds the first bad byte (18 MiB
  // for a 10 MiB binary body): binary is told apart first, without allocating.
  if (UTF8_LABELS.has(label) && !isUtf8(bytes)) return undefined;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so the text is exactly the stored bytes.
    return new TextDecoder(label as ConstructorParameters<typeof TextDecoder>[0], {
      fatal: true,
      ignoreBOM: true,
    }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Text when the bytes are valid UTF-8, or valid in the charset a textual Content-Type declares;
 * otherwise base64 (nothing is ever returned lossy). When `more` is true (the bytes are a range that
 * stops before the end of the object) and only a character split by the range end makes them invalid,
 * the incomplete character is held back: `bytes` then says how many bytes the text covers, so the next
 * page starts at offset + bytes.
 */
export function encodeContent(bytes: Uint8Array, contentType: string | null, more: boolean): EncodedContent {
  const charset = charsetOf(contentType);
  const label = charset !== undefined && isTextualType(contentType) ? charset : "utf-8";
  const text = decodeStrict(bytes, label);
  if (text !== undefined) return { content: text, is_base64: false, bytes: bytes.byteLength };
  if (label !== "utf-8" && label !== "utf8") {
    const utf8 = decodeStrict(bytes, "utf-8");
    if (utf8 !== undefined) return { content: utf8, is_base64: false, bytes: bytes.byteLength };
  }
  if (more) {
    const cut = incompleteUtf8Tail(bytes);
    if (cut > 0 && cut < bytes.byteLength) {
      const head = bytes.subarray(0, bytes.byteLength - cut);
      const headText = decodeStrict(head, "utf-8");
      if (headText !== undefined) return { content: headText, is_base64: false, bytes: head.byteLength };
    }
  }
  // A view, not Buffer.from(bytes), which would copy the whole body once more.
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { content: view.toString("base64"), is_base64: true, bytes: bytes.byteLength };
}

/**
 * The one content block that carries a read's content (SPEC §5.1): text as a text block; a whole image
 * as an image block; any other bytes (or part of an image) as an embedded resource blob named by `uri`.
 */
export function contentBlock(
  encoded: EncodedContent,
  contentType: string | null,
  whole: boolean,
  uri: string,
): ContentBlock {
  if (!encoded.is_base64) return { type: "text", text: encoded.content };
  const mimeType = contentType?.trim() || "application/octet-stream";
  if (whole && isImageType(contentType)) return { type: "image", data: encoded.content, mimeType };
  return { type: "resource", resource: { uri, mimeType, blob: encoded.content } };
}

/** image/* (SVG is XML, returned as text when it decodes). */
export function isImageType(contentType: string | null | undefined): boolean {
  return contentType != null && /^image\/[a-z0-9.+-]+\s*(?:;|$)/i.test(contentType.trim());
}

/** The object's URI in the resource template s3://{connection}/{bucket}/{+key} (the key percent-encoded, '/' kept). */
export function objectUri(connection: string, bucket: string, key: string): string {
  const part = (s: string) => encodeURIComponent(s);
  return `s3://${part(connection)}/${part(bucket)}/${part(key).replace(/%2F/g, "/")}`;
}

/** Length of a UTF-8 sequence cut off at the end of `bytes` (0 when the end is on a character boundary). */
function incompleteUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.byteLength;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

// Linear on purpose: the grouped form /^(?:[A-Za-z0-9+/]{4})*…$/ returns false (no match) on inputs of
// a few MB under JavaScriptCore, which refused valid bodies over ~6 MiB. Padding and canonical form
// are checked by the round trip below.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict standard base64 (RFC 4648 §4): alphabet A–Z a–z 0–9 + /, padded to a multiple of 4, no
 * whitespace, and canonical (unused bits zero), so exactly one byte string matches each input.
 */
export function decodeBase64Strict(input: string): Uint8Array {
  const bytes = input.length % 4 === 0 && BASE64.test(input) ? Buffer.from(input, "base64") : undefined;
  if (bytes === undefined || bytes.toString("base64") !== input) {
    throw new S3ToolError(
      "InvalidArgument",
      "content is not valid base64; nothing was written",
      "with is_base64: true, content must be standard base64 (A-Z a-z 0-9 + /, '=' padding to a multiple of 4, no whitespace or line breaks); send plain text with is_base64: false",
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
