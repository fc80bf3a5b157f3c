// Where a command reads from or writes to: `s3://bucket/key` (or `bucket/key` where only S3 makes
// sense), a local path, or `-` for stdin/stdout.
import { basename } from "node:path";
import { usageError } from "./args.ts";

export interface S3Location {
  readonly bucket: string;
  /** The key or prefix; "" when only the bucket was named. */
  readonly key: string;
}

export type Location =
  | ({ readonly kind: "s3" } & S3Location)
  | { readonly kind: "local"; readonly path: string }
  | { readonly kind: "std" };

export function isS3Url(text: string): boolean {
  return /^s3:\/\//i.test(text);
}

/** `s3://bucket/key`, `s3://bucket`, `bucket/key` or `bucket`. Keys are kept byte for byte. */
export function parseS3(text: string): S3Location {
  const rest = isS3Url(text) ? text.slice(5) : text;
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? "" : rest.slice(slash + 1);
  if (bucket === "") {
    throw usageError(
      `${JSON.stringify(text)} names no bucket`,
      "write the location as s3://bucket/key (or bucket/key)",
    );
  }
  return { bucket, key };
}

/** A location that must name an object (not a bucket or a folder). */
export function parseObject(text: string): S3Location {
  const loc = parseS3(text);
  if (loc.key === "") {
    throw usageError(`${JSON.stringify(text)} names no object key`, "write the location as s3://bucket/key");
  }
  return loc;
}

/** A location that must name a bucket only: `s3://bucket`, `s3://bucket/` or `bucket`. */
export function parseBucket(text: string): string {
  const loc = parseS3(text);
  if (loc.key !== "") {
    throw usageError(
      `${JSON.stringify(text)} names an object key; this command takes a bucket`,
      "write the location as s3://bucket",
    );
  }
  return loc.bucket;
}

/** For cp: only s3:// is S3 there, since `a/b` is just as likely a local path. */
export function parseAny(text: string): Location {
  if (text === "-") return { kind: "std" };
  if (isS3Url(text)) return { kind: "s3", ...parseS3(text) };
  return { kind: "local", path: text };
}

/** A destination key ending in "/" (or empty) names a folder: the source's base name is appended. */
export function resolveKey(key: string, sourceName: string | undefined): string {
  if (key !== "" && !key.endsWith("/")) return key;
  if (sourceName === undefined || sourceName === "") {
    throw usageError(
      `the destination ${key === "" ? "names no key" : `key ${JSON.stringify(key)} is a folder`} and the source has no name to append`,
      "name the destination object: s3://bucket/key",
    );
  }
  return key + sourceName;
}

/** The last path segment of a key ("a/b/c.txt" → "c.txt"); "" for a folder key. */
export function keyBaseName(key: string): string {
  const i = key.lastIndexOf("/");
  return i === -1 ? key : key.slice(i + 1);
}

export function fileBaseName(path: string): string {
  return basename(path);
}
