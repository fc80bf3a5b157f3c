// mcp-s3 put FILE|- s3://bucket/key: streamed upload (multipart for large bodies). The policy gate
// decides before anything is read: a refused put never reads stdin and never reaches S3.
import { createReadStream, fstatSync, read, statSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { parseSize, SIZE_ACCEPTED } from "../../config/values.ts";
import { S3ToolError } from "../../errors.ts";
import { putObject, type ReadsInto } from "../../ops/put-object.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { fileBaseName, parseS3, resolveKey, type S3Location } from "../location.ts";
import { doneLine, s3Url } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  await upload(cli, cli.args[0] as string, parseS3(cli.args[1] as string));
  return undefined;
}

/** Uploads a local file, or stdin for "-", to `dest` (a key ending in "/" gets the file's name). */
export async function upload(cli: Cli, source: string, dest: S3Location): Promise<void> {
  const fromStdin = source === "-";
  const key = resolveKey(dest.key, fromStdin ? undefined : fileBaseName(source));
  const size = fromStdin ? undefined : fileSize(source);
  const cancel = cli.cancellation();
  const body = fromStdin ? lazyStdin(cancel.signal) : lazyFile(source);
  const contentType = stringOption(cli.options["content-type"]) ?? guessContentType(key);
  const metadata = parseMetadata(cli.options.metadata);
  const threshold = parseThreshold(cli.options["multipart-threshold"]);
  const ctx = await cli.ops();
  const progress = cli.progress(fromStdin ? key : fileBaseName(source), size);
  try {
    const result = await putObject(
      ctx,
      {
        bucket: dest.bucket,
        key,
        body,
        size,
        reopen: fromStdin ? undefined : () => lazyFile(source),
        multipart_threshold: threshold,
        content_type: contentType,
        metadata,
        signal: cancel.signal,
        onProgress: (sent) => progress.update(sent),
      },
      "s3_put_object",
    );
    progress.finish();
    await cli.out.done(
      result,
      doneLine("uploaded", fromStdin ? "stdin" : source, s3Url(dest.bucket, key), result.size),
    );
  } finally {
    progress.finish();
  }
}

function parseThreshold(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseSize(value);
  if (!parsed.ok)
    throw usageError(
      `--multipart-threshold ${JSON.stringify(value)} is not valid; expected ${SIZE_ACCEPTED}`,
    );
  return parsed.value;
}

function fileSize(path: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw code === "ENOENT" || code === "ENOTDIR"
      ? usageError(
          `cannot read ${JSON.stringify(path)}: no such file`,
          "name an existing file, or - for stdin",
        )
      : new S3ToolError(
          "InternalError",
          `cannot read ${JSON.stringify(path)}: ${code}`,
          "check the file's permissions",
        );
  }
  if (!st.isFile())
    throw usageError(`${JSON.stringify(path)} is not a regular file`, "name a file, or - for stdin");
  return st.size;
}

/**
 * Opened only when the upload starts reading, i.e. after the policy gate allowed it. Read as a stream
 * (one PutObject) or straight into the part buffers of a multipart upload.
 */
function lazyFile(path: string): AsyncIterable<Uint8Array> & ReadsInto {
  let file: Promise<FileHandle> | undefined;
  let position = 0;
  return {
    async *[Symbol.asyncIterator]() {
      yield* createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
    },
    async readInto(into) {
      file ??= open(path, "r");
      const { bytesRead } = await (await file).read(into, 0, into.byteLength, position);
      position += bytesRead;
      return bytesRead;
    },
    async close() {
      await (await file?.catch(() => undefined))?.close().catch(() => {});
    },
  };
}

/**
 * stdin is not touched unless the upload is allowed: a refused put leaves it unread. A file
 * redirected to stdin (`< big.bin`) is read like a file; Bun's process.stdin holds on to far more
 * memory in that case.
 */
function lazyStdin(signal: AbortSignal): AsyncIterable<Uint8Array> {
  if (stdinIsFile()) return stdinFile();
  return {
    [Symbol.asyncIterator]: () => {
      const source = process.stdin;
      // Interrupted while a pipe is idle: let go of stdin, or the process could not exit.
      signal.addEventListener("abort", () => source.destroy(), { once: true });
      return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    },
  };
}

/** stdin redirected from a file, from where its offset stands; fd 0 stays open (not ours). */
function stdinFile(): AsyncIterable<Uint8Array> & ReadsInto {
  return {
    async *[Symbol.asyncIterator]() {
      yield* createReadStream("", {
        fd: 0,
        autoClose: false,
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Uint8Array>;
    },
    readInto: (into) =>
      new Promise((resolve, reject) =>
        read(0, into, 0, into.byteLength, null, (e, n) => (e === null ? resolve(n) : reject(e))),
      ),
    close: async () => {},
  };
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

function stringOption(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `--metadata k=v` (repeatable). */
export function parseMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const out: Record<string, string> = {};
  for (const item of list) {
    const text = String(item);
    const eq = text.indexOf("=");
    if (eq <= 0) throw usageError(`--metadata ${JSON.stringify(text)} is not valid; expected NAME=VALUE`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  txt: "text/plain; charset=utf-8",
  log: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  tsv: "text/tab-separated-values; charset=utf-8",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  jsonl: "application/x-ndjson",
  ndjson: "application/x-ndjson",
  xml: "application/xml",
  yaml: "application/yaml",
  yml: "application/yaml",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  tar: "application/x-tar",
  zst: "application/zstd",
  parquet: "application/vnd.apache.parquet",
  wasm: "application/wasm",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  mp4: "video/mp4",
  mp3: "audio/mpeg",
};

/** A Content-Type from the key's extension; undefined lets S3 use its default. */
export function guessContentType(key: string): string | undefined {
  const dot = key.lastIndexOf(".");
  if (dot === -1 || dot < key.lastIndexOf("/")) return undefined;
  return CONTENT_TYPES[key.slice(dot + 1).toLowerCase()];
}
