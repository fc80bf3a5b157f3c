// mcp-s3 presign s3://bucket/key [--method GET|PUT] [--expires 15m]
import { parseDuration } from "../../config/values.ts";
import { presignUrl } from "../../ops/presign.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { parseObject } from "../location.ts";

export async function run(cli: Cli): Promise<undefined> {
  const { bucket, key } = parseObject(cli.args[0] as string);
  const method = String(cli.options.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "PUT") {
    throw usageError(`--method ${JSON.stringify(cli.options.method)} is not valid; expected GET or PUT`);
  }
  let expiresIn: number | undefined;
  if (cli.options.expires !== undefined) {
    const parsed = parseDuration(cli.options.expires);
    if (!parsed.ok)
      throw usageError(
        `--expires ${JSON.stringify(cli.options.expires)} is not valid; expected ${parsed.accepted}`,
      );
    expiresIn = Math.ceil(parsed.value / 1000);
  }
  const result = await presignUrl(
    await cli.ops(),
    { bucket, key, method, expires_in: expiresIn },
    "s3_presign_url",
  );
  if (expiresIn !== undefined && result.expires_in_seconds < expiresIn && !cli.out.json && !cli.out.quiet) {
    cli.io.error(
      `mcp-s3: note: expiry capped at ${result.expires_in_seconds}s by the policy's presign_max_expiry`,
    );
  }
  await cli.out.result(result, () => [result.url]);
  return undefined;
}
