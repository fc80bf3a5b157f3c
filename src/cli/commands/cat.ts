// mcp-s3 cat s3://bucket/key [--range A-B]: the object (or a byte range) streamed to stdout.
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { folderHint } from "../folder-hint.ts";
import { parseObject } from "../location.ts";
import { type ByteRange, toStdout } from "../transfer/single.ts";

export async function run(cli: Cli): Promise<undefined> {
  const loc = parseObject(cli.args[0] as string);
  await toStdout(cli, loc, parseRange(cli.options.range)).catch((e: unknown) => {
    throw folderHint(e, loc.bucket, loc.key, "ls");
  });
  return undefined;
}

/** `A-B` (inclusive, as in HTTP) or `A-` (from A to the end). */
export function parseRange(value: unknown): ByteRange | undefined {
  if (value === undefined) return undefined;
  const m = typeof value === "string" ? /^(\d+)-(\d*)$/.exec(value) : null;
  const a = m?.[1] === undefined ? Number.NaN : Number(m[1]);
  const b = m?.[2] === undefined || m[2] === "" ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(a) || (b !== undefined && (!Number.isSafeInteger(b) || b < a))) {
    throw usageError(
      `--range ${JSON.stringify(value)} is not valid; expected A-B (bytes A to B inclusive, B >= A) or A- (from A to the end)`,
    );
  }
  return b === undefined ? { offset: a } : { offset: a, length: b - a + 1 };
}
