// mcp-s3 mb s3://bucket: create a bucket (a write on that bucket for the policy).
import { previewItem } from "../../bulk/preview.ts";
import { BulkReport, itemLine } from "../../bulk/report.ts";
import { createBucket, createBucketSpec } from "../../ops/buckets.ts";
import type { Cli } from "../context.ts";
import { parseBucket } from "../location.ts";

export async function run(cli: Cli): Promise<number> {
  const bucket = parseBucket(cli.args[0] as string);
  const ops = await cli.ops();
  const item = { op: "create-bucket", source: `s3://${bucket}`, dest: null, size: null };
  if (cli.options["dry-run"] === true) {
    const report = new BulkReport(cli);
    await previewItem(report, ops, createBucketSpec({ bucket }), item);
    return report.finish();
  }
  await createBucket(ops, { bucket, signal: cli.cancellation().signal });
  const record = { ...item, status: "done" as const };
  await cli.out.done(record, itemLine(record));
  return 0;
}
