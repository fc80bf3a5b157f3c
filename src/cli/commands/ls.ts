// mcp-s3 ls [s3://bucket[/prefix]]: every page fetched as needed, printed as it arrives.

import { matchObjects } from "../../bulk/listing.ts";
import { type KeyPattern, parseKeyPattern } from "../../bulk/pattern.ts";
import { listObjects, type ObjectSummary } from "../../ops/list-objects.ts";
import type { OpsContext } from "../../ops/run.ts";
import { walkObjects } from "../../ops/walk-objects.ts";
import { usageError } from "../args.ts";
import { printBuckets } from "../bucket-list.ts";
import type { Cli } from "../context.ts";
import { parseS3 } from "../location.ts";
import { memoryGovernor } from "../memory.ts";
import { type ListEntry, listLine, listRecord } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const where = cli.args[0];
  if (where === undefined) {
    await printBuckets(cli);
    return undefined;
  }
  const { bucket, key } = parseS3(where);
  const pattern = parseKeyPattern(key);
  const prefix = pattern.literalPrefix;
  const max = parseMax(cli.options.max);
  const recursive = cli.options.recursive === true;
  const ctx = await cli.ops();
  if (pattern.wildcard) return listPattern(cli, ctx, bucket, pattern, { recursive, max });
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

/**
 * `ls 's3://b/logs/*.log'`: listed from the literal prefix, matching keys shown (none: empty output,
 * exit 0). A pattern that stays within one level (no `**`, no '/' after the literal prefix) is
 * listed with a delimiter, so only that level is read, and folders whose name matches are shown
 * too; any other pattern (or --recursive) walks every key under the literal prefix.
 */
async function listPattern(
  cli: Cli,
  ctx: OpsContext,
  bucket: string,
  pattern: KeyPattern,
  opts: { recursive: boolean; max: number | undefined },
): Promise<undefined> {
  let remaining = opts.max ?? Number.POSITIVE_INFINITY;
  const show = async (entries: ListEntry[]) => {
    const shown = entries.slice(0, remaining);
    remaining -= shown.length;
    await print(cli, bucket, shown);
  };
  if (opts.recursive || !pattern.singleLevel) {
    const govern = memoryGovernor({ step: 8, ceiling: 64 * 1024 * 1024 });
    let pages = 0;
    for await (const batch of matchObjects(ctx, {
      bucket,
      prefix: pattern.literalPrefix,
      pattern,
      relative: pattern.relative,
    })) {
      await show(batch.map((object) => ({ type: "object", object })));
      if (remaining <= 0) break;
      govern(++pages);
    }
    return undefined;
  }
  let token: string | undefined;
  do {
    const page = await listObjects(
      ctx,
      { bucket, prefix: pattern.literalPrefix, delimiter: "/", continuation_token: token },
      "s3_list_objects",
    );
    await show(
      merge(
        page.objects.filter((o) => pattern.matches(o.key)),
        page.common_prefixes.filter((p) => pattern.matches(p.slice(0, -1))),
      ),
    );
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
