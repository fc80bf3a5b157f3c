// mcp-s3 rm s3://bucket/key
import { deleteObject } from "../../ops/delete-object.ts";
import type { Cli } from "../context.ts";
import { parseObject } from "../location.ts";
import { s3Url } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const { bucket, key } = parseObject(cli.args[0] as string);
  const result = await deleteObject(await cli.ops(), { bucket, key }, "s3_delete_object");
  if (cli.out.json) await cli.out.record(result);
  else await cli.out.status(`deleted ${s3Url(bucket, key)}`);
  return undefined;
}
