// mcp-s3 stat s3://bucket/key: the object's metadata (a HEAD).
import { headObject } from "../../ops/head-object.ts";
import type { Cli } from "../context.ts";
import { folderHint } from "../folder-hint.ts";
import { parseObject } from "../location.ts";
import { statLines } from "../output.ts";

export async function run(cli: Cli): Promise<undefined> {
  const { bucket, key } = parseObject(cli.args[0] as string);
  const { signal } = cli.cancellation();
  const meta = await headObject(await cli.ops(), { bucket, key, signal }, "s3_get_object_metadata").catch(
    (e: unknown) => {
      throw folderHint(e, bucket, key, "ls");
    },
  );
  await cli.out.result(meta, () => statLines(meta));
  return undefined;
}
