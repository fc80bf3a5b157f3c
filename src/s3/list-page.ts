// One ListObjectsV2 page, sent by the SDK as any other request (signing, retries, timeouts, errors)
// but with its success body read by a small parser made for this one document: the SDK's generic
// XML and schema deserialisation of a cold 1,000-key page cost 60-75 ms of CPU, about all of what
// `ls` of 1,000 keys spent over rclone (bench/NOTES.md §8). Anything the parser does not recognise
// exactly goes back to the SDK's own deserialiser, so an odd server costs speed, never correctness.
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { HttpResponse } from "@smithy/types";

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** ISO 8601, or null when the server sent none (or one that is not a date). */
  readonly lastModified: string | null;
  readonly etag: string | undefined;
  readonly storageClass: string | undefined;
}

export interface ListPage {
  readonly objects: ListedObject[];
  readonly prefixes: string[];
  readonly truncated: boolean;
}

/** Sends one ListObjectsV2 request and returns its page. */
export async function listPage(
  client: S3Client,
  input: ListObjectsV2CommandInput,
  options: { abortSignal?: AbortSignal },
): Promise<ListPage> {
  const command = new ListObjectsV2Command(input);
  let parsed: ListPage | undefined;
  // Innermost in the deserialize step: sees the raw response before the SDK's deserialiser, which
  // then gets an empty document (or, when this parser declines, the same bytes).
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as HttpResponse;
      if (response.statusCode !== 200) return result;
      const bytes = await collect(response.body);
      parsed = parseListObjectsV2(new TextDecoder().decode(bytes));
      response.body = parsed === undefined ? bytes : EMPTY_RESULT;
      return result;
    },
    { step: "deserialize", priority: "low", name: "mcpS3ListPage" },
  );
  const out = await client.send(command, options);
  return parsed ?? fromSdk(out);
}

const EMPTY_RESULT = new TextEncoder().encode(
  '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ListBucketResult>',
);

function fromSdk(out: ListObjectsV2CommandOutput): ListPage {
  return {
    objects: (out.Contents ?? [])
      .filter((o): o is typeof o & { Key: string } => typeof o.Key === "string")
      .map((o) => ({
        key: o.Key,
        size: o.Size ?? 0,
        lastModified: o.LastModified?.toISOString() ?? null,
        etag: o.ETag,
        storageClass: o.StorageClass,
      })),
    prefixes: (out.CommonPrefixes ?? [])
      .map((p) => p.Prefix)
      .filter((p): p is string => typeof p === "string"),
    truncated: out.IsTruncated ?? false,
  };
}

async function collect(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const CONTENTS = /<Contents>([\s\S]*?)<\/Contents>/g;
const PREFIXES = /<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g;

/**
 * A ListBucketResult document as S3 and RGW write it, or undefined for anything else: elements
 * with attributes or namespace prefixes, an unknown entity, an entry without its key, a count that
 * does not add up. Text is taken byte for byte, entities decoded, nothing trimmed.
 */
export function parseListObjectsV2(xml: string): ListPage | undefined {
  if (!/^(<\?xml[^>]*\?>)?\s*<ListBucketResult[\s>]/.test(xml) || /<\/?[\w.-]+:/.test(xml)) return undefined;
  const objects: ListedObject[] = [];
  for (const [, entry] of xml.matchAll(CONTENTS)) {
    const key = field(entry as string, "Key");
    const size = field(entry as string, "Size");
    if (key === undefined || key === null || size === undefined || !/^\d+$/.test(size ?? ""))
      return undefined;
    const modified = field(entry as string, "LastModified");
    const etag = field(entry as string, "ETag");
    const storageClass = field(entry as string, "StorageClass");
    if (modified === undefined || etag === undefined || storageClass === undefined) return undefined;
    objects.push({
      key,
      size: Number(size),
      lastModified: isoDate(modified),
      etag: etag ?? undefined,
      storageClass: storageClass ?? undefined,
    });
  }
  const prefixes: string[] = [];
  for (const [, entry] of xml.matchAll(PREFIXES)) {
    const prefix = field(entry as string, "Prefix");
    if (prefix === undefined || prefix === null) return undefined;
    prefixes.push(prefix);
  }
  // Every entry was read: as many as the document opens, and as many as it says it holds.
  if (count(xml, "<Contents") !== objects.length || count(xml, "<CommonPrefixes") !== prefixes.length) {
    return undefined;
  }
  const rest = xml.replace(CONTENTS, "").replace(PREFIXES, "");
  const keyCount = field(rest, "KeyCount");
  if (
    keyCount === undefined ||
    (keyCount !== null && Number(keyCount) !== objects.length + prefixes.length)
  ) {
    return undefined;
  }
  const truncated = field(rest, "IsTruncated");
  if (truncated !== "true" && truncated !== "false" && truncated !== null) return undefined;
  return { objects, prefixes, truncated: truncated === "true" };
}

/**
 * The decoded text of the one `<name>` element in `xml`: null when there is none, undefined when it
 * cannot be read exactly (more than one, attributes, an entity we do not know).
 */
function field(xml: string, name: string): string | null | undefined {
  const open = `<${name}>`;
  const at = xml.indexOf(open);
  if (at < 0) {
    // <Name/> is an empty value; <Name attr=...> is not ours to read.
    if (xml.includes(`<${name}/>`)) return "";
    return xml.includes(`<${name} `) ? undefined : null;
  }
  const start = at + open.length;
  const end = xml.indexOf(`</${name}>`, start);
  if (end < 0 || xml.indexOf(open, end) >= 0) return undefined;
  const raw = xml.slice(start, end);
  // A raw CR would be a line end an XML parser normalises: leave such a document to the SDK.
  if (raw.includes("<") || raw.includes("\r")) return undefined;
  return raw.includes("&") ? decodeEntities(raw) : raw;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(raw: string): string | undefined {
  let ok = true;
  const text = raw.replace(/&([^;&]*)(;?)/g, (match, name: string, semicolon: string) => {
    const code = /^#[0-9]+$/.test(name)
      ? Number.parseInt(name.slice(1), 10)
      : /^#x[0-9a-fA-F]+$/.test(name)
        ? Number.parseInt(name.slice(2), 16)
        : undefined;
    const decoded =
      semicolon !== ";"
        ? undefined
        : code === undefined
          ? ENTITIES[name]
          : code <= 0x10ffff
            ? String.fromCodePoint(code)
            : undefined;
    if (decoded === undefined) ok = false;
    return decoded ?? match;
  });
  return ok ? text : undefined;
}

function isoDate(text: string | null): string | null {
  if (text === null) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function count(xml: string, open: string): number {
  let n = 0;
  for (let at = xml.indexOf(open); at >= 0; at = xml.indexOf(open, at + 1)) {
    const next = xml[at + open.length];
    if (next === ">" || next === " " || next === "/") n++;
  }
  return n;
}
