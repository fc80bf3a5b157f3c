// mcp-s3 get s3://bucket/key [FILE|DIR|-]: download into a temporary file renamed on success
// (parallel ranged requests for large objects), or stream to stdout.
import { statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { downloadToFile } from "../../ops/download.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { folderHint } from "../folder-hint.ts";
import { keyBaseName, parseObject, type S3Location } from "../location.ts";
import { doneLine, downloadRecord, s3Url } from "../output.ts";
import { NO_PROGRESS, type Progress } from "../progress.ts";
import { toStdout } from "./cat.ts";

export async function run(cli: Cli): Promise<undefined> {
  const source = parseObject(cli.args[0] as string);
  await download(cli, source, cli.args[1]).catch((e: unknown) => {
    throw folderHint(e, source.bucket, source.key, "ls");
  });
  return undefined;
}

/** Downloads `source` to `dest` (a file, a directory, "-" or undefined for ./<base name>). */
export async function download(cli: Cli, source: S3Location, dest: string | undefined): Promise<void> {
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

function removeSync(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
