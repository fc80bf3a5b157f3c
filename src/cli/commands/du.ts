// mcp-s3 du s3://bucket[/prefix|pattern]: object count and total bytes of what the policy lets a
// listing show. Pages stream through a counter: memory stays bounded whatever the number of keys.
import { displayText } from "../../bulk/display.ts";
import { compileFilters, filterRulesFromCli } from "../../bulk/filter.ts";
import { matchObjects } from "../../bulk/listing.ts";
import { parseKeyPattern } from "../../bulk/pattern.ts";
import { count } from "../../bulk/report.ts";
import type { Cli } from "../context.ts";
import { parseS3 } from "../location.ts";
import { memoryGovernor } from "../memory.ts";
import { humanSize } from "../output.ts";

export interface DiskUsage {
  bucket: string;
  prefix: string;
  objects: number;
  bytes: number;
}

export async function run(cli: Cli): Promise<undefined> {
  const { bucket, key } = parseS3(cli.args[0] as string);
  const pattern = parseKeyPattern(key);
  const filter = compileFilters(await filterRulesFromCli(cli));
  const ctx = await cli.ops();
  const govern = memoryGovernor({ step: 8, ceiling: 64 * 1024 * 1024 });
  const usage: DiskUsage = { bucket, prefix: key, objects: 0, bytes: 0 };
  let pages = 0;
  for await (const page of matchObjects(ctx, {
    bucket,
    prefix: pattern.literalPrefix,
    pattern: pattern.wildcard ? pattern : undefined,
    relative: pattern.relative,
    filter,
  })) {
    usage.objects += page.length;
    for (const o of page) usage.bytes += o.size;
    govern(++pages);
  }
  await cli.out.result(usage, () => [duLine(usage)]);
  return undefined;
}

/** `1,500 objects, 1.5 KiB (1,536 bytes) in s3://b/logs/` */
export function duLine(u: DiskUsage): string {
  return `${count(u.objects)} object${u.objects === 1 ? "" : "s"}, ${humanSize(u.bytes)} (${count(u.bytes)} bytes) in s3://${displayText(u.bucket)}/${displayText(u.prefix)}`;
}
