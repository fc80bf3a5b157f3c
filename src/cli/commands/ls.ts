// mcp-s3 ls [s3://bucket[/prefix]]: every page fetched as needed, printed as it arrives.
import { listObjects, type ObjectSummary } from "../../ops/list-objects.ts";
import { walkObjects } from "../../ops/walk-objects.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { parseS3 } from "../location.ts";
import { memoryGovernor } from "../memory.ts";
import { type ListEntry, listLine, listRecord } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const where = cli.args[0];
  if (where === undefined) return (await import("./buckets.ts")).run(cli);
  const { bucket, key: prefix } = parseS3(where);
  const max = parseMax(cli.options.max);
  const recursive = cli.options.recursive === true;
  const ctx = await cli.ops();
  if (recursive && max === undefined) {
    // Parsed pages are garbage as soon as they are printed; collect every 8 pages once the resident
    // set passes 64 MiB, which keeps a listing of any length near 130 MB (bench/NOTES.md).
    const govern = memoryGovernor({ step: 8, ceiling: 64 * 1024 * 1024 });
    let pages = 0;
    for await (const batch of walkObjects(ctx, { bucket, prefix }, { tool: "s3_list_objects" })) {
      await print(
        cli,
        bucket,
        batch.map((object) => ({ type: "object", object })),
      );
      govern(++pages);
    }
    return undefined;
  }

  let remaining = max ?? Number.POSITIVE_INFINITY;
  let token: string | undefined;
  do {
    const page = await listObjects(
      ctx,
      {
        bucket,
        prefix,
        delimiter: recursive ? undefined : "/",
        max_keys: Math.min(1000, remaining),
        continuation_token: token,
      },
      "s3_list_objects",
    );
    const entries = merge(page.objects, page.common_prefixes).slice(0, remaining);
    remaining -= entries.length;
    await print(cli, bucket, entries);
    token =
      page.is_truncated && page.next_continuation_token !== null ? page.next_continuation_token : undefined;
  } while (token !== undefined && remaining > 0);
  return undefined;
}

function parseMax(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw usageError(
      `--max ${JSON.stringify(value)} is not valid; expected a whole number of entries, at least 1`,
    );
  }
  return n;
}

/** S3 returns keys and folders of a page each sorted; show them interleaved in key order. */
function merge(objects: readonly ObjectSummary[], prefixes: readonly string[]): ListEntry[] {
  const out: ListEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < objects.length || j < prefixes.length) {
    const o = objects[i];
    const p = prefixes[j];
    if (o !== undefined && (p === undefined || o.key < p)) {
      out.push({ type: "object", object: o });
      i++;
    } else if (p !== undefined) {
      out.push({ type: "prefix", key: p });
      j++;
    }
  }
  return out;
}

async function print(cli: Cli, bucket: string, entries: readonly ListEntry[]): Promise<void> {
  const color = cli.io.stdoutColor;
  await cli.out.list(
    entries.map((e) => listRecord(bucket, e)),
    () => entries.map((e) => listLine(e, color)),
  );
}
