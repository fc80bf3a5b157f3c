// mcp-s3 ls [s3://bucket[/prefix]]: every page fetched as needed, printed as it arrives.
import { listObjects, type ObjectSummary } from "../../ops/list-objects.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { paint } from "../io.ts";
import { parseS3 } from "../location.ts";
import { shortDate } from "../output.ts";

type Entry = { type: "object"; object: ObjectSummary } | { type: "prefix"; key: string };

export async function run(cli: Cli): Promise<undefined> {
  const where = cli.args[0];
  if (where === undefined) return (await import("./buckets.ts")).run(cli);
  const { bucket, key: prefix } = parseS3(where);
  const max = parseMax(cli.options.max);
  const recursive = cli.options.recursive === true;
  const ctx = await cli.ops();

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
function merge(objects: readonly ObjectSummary[], prefixes: readonly string[]): Entry[] {
  const out: Entry[] = [];
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

async function print(cli: Cli, bucket: string, entries: readonly Entry[]): Promise<void> {
  if (entries.length === 0) return;
  if (cli.out.json) {
    const lines = entries.map((e) =>
      JSON.stringify(
        e.type === "prefix"
          ? { type: "prefix", bucket, key: e.key }
          : {
              type: "object",
              bucket,
              key: e.object.key,
              size: e.object.size,
              last_modified: e.object.last_modified,
              etag: e.object.etag,
              storage_class: e.object.storage_class,
            },
      ),
    );
    await cli.io.write(`${lines.join("\n")}\n`);
    return;
  }
  // The columns of `aws s3 ls`: date and time (UTC), size in bytes, key; folders as PRE lines.
  const color = cli.io.stdoutColor;
  const lines = entries.map((e) =>
    e.type === "prefix"
      ? `${" ".repeat(26)} PRE ${paint(color, "blue", e.key)}`
      : `${shortDate(e.object.last_modified).padEnd(19)} ${String(e.object.size).padStart(10)} ${e.object.key}`,
  );
  await cli.out.lines(lines);
}
