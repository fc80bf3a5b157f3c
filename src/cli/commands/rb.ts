// mcp-s3 rb s3://bucket: remove an empty bucket (a delete of that bucket for the policy).
import { previewItem } from "../../bulk/preview.ts";
import { BulkReport, itemLine } from "../../bulk/report.ts";
import { deleteBucket, deleteBucketSpec } from "../../ops/buckets.ts";
import type { Cli } from "../context.ts";
import { parseBucket } from "../location.ts";

export async function run(cli: Cli): Promise<number> {
  const bucket = parseBucket(cli.args[0] as string);
  const ops = await cli.ops();
  const item = { op: "delete-bucket", source: `s3://${bucket}`, dest: null, size: null };
  if (cli.options["dry-run"] === true) {
    const report = new BulkReport(cli);
    await previewItem(report, ops, deleteBucketSpec({ bucket }), item);
    return report.finish();
  }
  await deleteBucket(ops, { bucket, signal: cli.cancellation().signal });
  const record = { ...item, status: "done" as const };
  await cli.out.done(record, itemLine(record));
  return 0;
}
