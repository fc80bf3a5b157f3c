// One object moved between S3 and the local side, as `put`, `get`, `cat` and a non-recursive `cp`
// do it: a progress bar for large bodies, cleanup on Ctrl-C, and the one result line or record.
import { statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { downloadToFile } from "../../ops/download.ts";
import { getObject } from "../../ops/get-object.ts";
import { putObject } from "../../ops/put-object.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { fileBaseName, keyBaseName, resolveKey, type S3Location } from "../location.ts";
import { memoryGovernor, TO_STDOUT } from "../memory.ts";
import { doneLine, downloadRecord, s3Url } from "../output.ts";
import { NO_PROGRESS, type Progress } from "../progress.ts";
import { guessContentType } from "./content-type.ts";
import { lazyFile, lazyStdin, uploadSize } from "./local.ts";
import { uploadSettings } from "./settings.ts";

/** Uploads a local file, or stdin for "-", to `dest` (a key ending in "/" gets the file's name). */
export async function uploadOne(cli: Cli, source: string, dest: S3Location): Promise<void> {
  const fromStdin = source === "-";
  const key = resolveKey(dest.key, fromStdin ? undefined : fileBaseName(source));
  const size = fromStdin ? undefined : uploadSize(source);
  const settings = uploadSettings(cli.options);
  const cancel = cli.cancellation();
  const ctx = await cli.ops();
  const progress = cli.progress(fromStdin ? key : fileBaseName(source), size);
  try {
    const result = await putObject(
      ctx,
      {
        bucket: dest.bucket,
        key,
        body: fromStdin ? lazyStdin(cancel.signal) : lazyFile(source),
        size,
        reopen: fromStdin ? undefined : () => lazyFile(source),
        multipart_threshold: settings.multipartThreshold,
        content_type: settings.contentType ?? guessContentType(key),
        metadata: settings.metadata,
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

/** Downloads `source` to `dest` (a file, a directory, "-" or undefined for ./<base name>). */
export async function downloadOne(cli: Cli, source: S3Location, dest: string | undefined): Promise<void> {
  if (dest === "-") {
    await toStdout(cli, source);
    return;
  }
  const path = targetPath(source, dest);
  const cancel = cli.cancellation();
  const ctx = await cli.ops();
  let progress: Progress = NO_PROGRESS; // replaced once the size is known
  try {
    const result = await downloadToFile(
      ctx,
      {
        bucket: source.bucket,
        key: source.key,
        path,
        signal: cancel.signal,
        onStart: (total) => {
          progress = cli.progress(keyBaseName(source.key), total);
        },
        onProgress: (done) => progress.update(done),
        onTempFile: (tmp) => cancel.onForcedExit(() => removeSync(tmp)),
      },
      "s3_get_object",
    );
    progress.finish();
    await cli.out.done(
      downloadRecord(result),
      doneLine("downloaded", s3Url(source.bucket, source.key), path, result.size),
    );
  } finally {
    progress.finish();
  }
}

export interface ByteRange {
  readonly offset: number;
  readonly length?: number | undefined;
}

/** Streams an object to stdout with back-pressure: memory stays constant whatever its size. */
export async function toStdout(cli: Cli, loc: S3Location, range?: ByteRange): Promise<void> {
  const { signal } = cli.cancellation();
  const ctx = await cli.ops();
  const govern = memoryGovernor(TO_STDOUT);
  let done = 0;
  await getObject(
    ctx,
    {
      bucket: loc.bucket,
      key: loc.key,
      offset: range?.offset,
      length: range?.length,
      signal,
      copier: cli.io.stdoutCopier,
    },
    (chunk) => {
      done += chunk.byteLength;
      govern(done);
      return cli.io.write(chunk);
    },
    "s3_get_object",
  );
  await cli.io.flush();
}

function targetPath(source: S3Location, dest: string | undefined): string {
  const base = keyBaseName(source.key);
  const needName = dest === undefined || dest.endsWith("/") || isDirectory(dest);
  if (!needName) return dest as string;
  if (base === "") {
    throw usageError(
      `the key ${JSON.stringify(source.key)} ends in "/", so it has no file name`,
      "name the destination file: mcp-s3 get s3://bucket/key FILE",
    );
  }
  return dest === undefined ? base : join(dest, base);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** For a forced exit: the temporary file of a download in flight goes too. */
export function removeSync(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
