// mcp-s3 __complete connections | location TEXT: what the shell completion scripts offer after
// `-c` and for an s3:// word. One candidate per line; any failure prints nothing (a completion
// must never show an error in the middle of the user's command line). Listings go through the ops,
// so the policy decides what is offered, exactly as for `ls`.
import { listBuckets } from "../../ops/list-buckets.ts";
import { listObjects } from "../../ops/list-objects.ts";
import type { Cli } from "../context.ts";

/** Enough for a screen of candidates; one listing page at most. */
const MAX_CANDIDATES = 200;

export async function run(cli: Cli): Promise<undefined> {
  const [what, text = ""] = cli.args as [string, string?];
  let candidates: string[] = [];
  try {
    candidates = what === "connections" ? await connections(cli) : await locations(cli, text);
  } catch {
    candidates = [];
  }
  if (candidates.length > 0) await cli.io.write(`${candidates.join("\n")}\n`);
  return undefined;
}

async function connections(cli: Cli): Promise<string[]> {
  return Object.keys((await cli.config()).connections).sort();
}

/** `s3://`, `s3://bu`, `s3://bucket/`, `s3://bucket/dir/fi` → buckets, then one folder level of keys. */
async function locations(cli: Cli, text: string): Promise<string[]> {
  // "", "s", "s3", "s3:" and "s3:/" are all on the way to "s3://": offer the buckets.
  const rest = "s3://".startsWith(text) ? "" : text.replace(/^s3:\/?\/?/, "");
  const slash = rest.indexOf("/");
  const ops = await cli.ops();
  if (slash === -1) {
    const { buckets } = await listBuckets(ops, {}, "s3_list_buckets");
    return buckets
      .map((b) => b.name)
      .filter((name) => name.startsWith(rest))
      .slice(0, MAX_CANDIDATES)
      .map((name) => `s3://${name}/`);
  }
  const bucket = rest.slice(0, slash);
  const prefix = rest.slice(slash + 1);
  const page = await listObjects(
    ops,
    { bucket, prefix, delimiter: "/", max_keys: MAX_CANDIDATES },
    "s3_list_objects",
  );
  return [...page.common_prefixes, ...page.objects.map((o) => o.key)]
    .sort()
    .map((key) => `s3://${bucket}/${key}`);
}
