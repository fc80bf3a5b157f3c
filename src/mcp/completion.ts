// completion/complete for the resource template s3://{connection}/{bucket}/{+key} (SPEC §5.1). Buckets
// and keys come from the listing operations, so the one gate decides what a completion may show,
// exactly as it decides what a listing shows; each completion is audited like the listing it is.
// A failure (a refused prefix, an unknown connection, S3 down) completes to nothing.

import { listBuckets, listObjects, type OpsContext } from "../ops/index.ts";
import type { CompleteResourceTemplateCallback } from "./sdk/server-mcp.ts";

/** The tool name completions are audited under. */
export const COMPLETION_TOOL_NAME = "completion/complete";
/** The most values one completion returns (the MCP limit; the SDK cuts longer lists and says hasMore). */
export const MAX_COMPLETIONS = 100;

type Context = Parameters<CompleteResourceTemplateCallback>[1];

/** The completers of the template's variables. */
export function resourceCompleters(ops: OpsContext): Record<string, CompleteResourceTemplateCallback> {
  return {
    connection: (value) =>
      complete(async () => {
        const typed = decoded(value);
        return Object.keys(ops.config.connections).filter((n) => n.startsWith(typed));
      }),
    bucket: (value, context) =>
      complete(async () => {
        const typed = decoded(value);
        const { buckets } = await listBuckets(
          ops,
          { connection: chosen(context, "connection") },
          COMPLETION_TOOL_NAME,
        );
        return buckets.map((b) => b.name).filter((n) => n.startsWith(typed));
      }),
    key: (value, context) =>
      complete(async () => {
        const bucket = chosen(context, "bucket");
        if (bucket === undefined) return [];
        const typed = decoded(value);
        // One folder level at a time, as a shell completes paths: what is typed is the prefix.
        const page = await listObjects(
          ops,
          {
            connection: chosen(context, "connection"),
            bucket,
            prefix: typed,
            delimiter: "/",
            // One more than is shown, so the answer can say there is more.
            max_keys: MAX_COMPLETIONS + 1,
          },
          COMPLETION_TOOL_NAME,
        );
        const found = [...page.common_prefixes, ...page.objects.map((o) => o.key)].sort();
        return found.map(encodeKey);
      }),
  };
}

async function complete(list: () => Promise<string[]>): Promise<string[]> {
  try {
    return await list();
  } catch {
    return [];
  }
}

/** A variable the client already chose, percent-decoded as a resource read decodes it. */
function chosen(context: Context, name: string): string | undefined {
  const raw = context?.arguments?.[name];
  if (raw === undefined || raw === "") return undefined;
  return decoded(raw);
}

/** What the user typed so far, percent-decoded; malformed encoding completes to nothing. */
function decoded(value: string): string {
  return decodeURIComponent(value);
}

/** A key as it is written in a resource URI: each segment percent-encoded, the slashes kept. */
function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}
