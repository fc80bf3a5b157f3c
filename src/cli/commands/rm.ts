// mcp-s3 rm s3://bucket/key
import { deleteObject } from "../../ops/delete-object.ts";
import type { Cli } from "../context.ts";
import { parseObject } from "../location.ts";
import { doneLine, s3Url } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const { bucket, key } = parseObject(cli.args[0] as string);
  const { signal } = cli.cancellation();
  const result = await deleteObject(await cli.ops(), { bucket, key, signal }, "s3_delete_object");
  await cli.out.done(result, doneLine("deleted", s3Url(bucket, key)));
  return undefined;
}
