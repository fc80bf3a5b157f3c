// mcp-s3 cat s3://bucket/key [--range A-B]: the object (or a byte range) streamed to stdout.
import { getObject } from "../../ops/get-object.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { parseObject, type S3Location } from "../location.ts";
import { memoryGovernor, TRANSFERS } from "../memory.ts";

export async function run(cli: Cli): Promise<undefined> {
  const loc = parseObject(cli.args[0] as string);
  await toStdout(cli, loc, parseRange(cli.options.range));
  return undefined;
}

export interface ByteRange {
  readonly offset: number;
  readonly length?: number | undefined;
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

/** Streams an object to stdout with back-pressure: memory stays constant whatever its size. */
export async function toStdout(cli: Cli, loc: S3Location, range?: ByteRange): Promise<void> {
  const { signal } = cli.cancellation();
  const ctx = await cli.ops();
  const govern = memoryGovernor(TRANSFERS);
  let done = 0;
  await getObject(
    ctx,
    { bucket: loc.bucket, key: loc.key, offset: range?.offset, length: range?.length, signal },
    (chunk) => {
      done += chunk.byteLength;
      govern(done);
      return cli.io.write(chunk);
    },
    "s3_get_object",
  );
  await cli.io.flush();
}
