// mcp-s3 cp SRC DST: S3 to S3 is a server-side copy; local (or -) to S3 is a put; S3 to local (or
// -) is a get. Only s3:// arguments are S3 locations here.
import { isBulk, transferJob } from "../../bulk/jobs.ts";
import { runBulk } from "../../bulk/runner.ts";
import { copyObject } from "../../ops/copy-object.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { keyBaseName, parseAny, resolveKey } from "../location.ts";
import { doneLine, s3Url } from "../output.ts";
import { parseMetadata } from "../transfer/settings.ts";
import { downloadOne, uploadOne } from "../transfer/single.ts";

export async function run(cli: Cli): Promise<number | undefined> {
  const [srcText, dstText] = cli.args as [string, string];
  if (isBulk(cli, "cp", srcText)) return runBulk(cli, await transferJob(cli, "cp", srcText, dstText));
  const src = parseAny(srcText);
  const dst = parseAny(dstText);
  if (src.kind !== "s3" && dst.kind !== "s3") {
    throw usageError("cp needs an s3:// location on at least one side", "use cp(1) to copy local files");
  }
  if (src.kind === "s3" && src.key === "") {
    throw usageError(`${JSON.stringify(srcText)} names no object key`, "write the source as s3://bucket/key");
  }
  if (src.kind !== "s3" && dst.kind === "s3") {
    await uploadOne(cli, src.kind === "local" ? src.path : "-", dst);
    return undefined;
  }
  if (src.kind !== "s3") throw usageError("cp: unsupported combination of locations");
  if (dst.kind !== "s3") {
    await downloadOne(cli, src, dst.kind === "local" ? dst.path : "-");
    return undefined;
  }

  const result = await copyObject(
    await cli.ops(),
    {
      source_bucket: src.bucket,
      source_key: src.key,
      dest_bucket: dst.bucket,
      dest_key: resolveKey(dst.key, keyBaseName(src.key)),
      metadata: parseMetadata(cli.options.metadata),
      signal: cli.cancellation().signal,
    },
    "s3_copy_object",
  );
  await cli.out.done(
    result,
    doneLine(
      "copied",
      s3Url(result.source_bucket, result.source_key),
      s3Url(result.dest_bucket, result.dest_key),
    ),
  );
  return undefined;
}
