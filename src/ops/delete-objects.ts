// Many deletes in one request (S3 DeleteObjects, at most 1000 keys), each key declared to the gate
// and audited on its own line under s3_delete_object, exactly as single deletes would be: a refused
// key is audited `denied` and never sent. The result is per key.
import { DeleteObjectCommand, DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { toS3ToolError } from "../s3/errors.ts";
import { type DeleteObjectResult, deleteObjectSpec } from "./delete-object.ts";
import {
  type Execution,
  type ItemOutcome,
  invalidArgument,
  type OpsContext,
  runBatchOperation,
} from "./run.ts";

/** S3's limit on the keys of one DeleteObjects request. */
export const MAX_DELETE_BATCH = 1000;

export interface DeleteObjectsArgs {
  readonly bucket: string;
  readonly keys: readonly string[];
  readonly connection?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export async function deleteObjects(
  ctx: OpsContext,
  args: DeleteObjectsArgs,
  tool = "s3_delete_object",
): Promise<ItemOutcome<DeleteObjectResult>[]> {
  if (args.keys.length > MAX_DELETE_BATCH) {
    throw invalidArgument(
      `at most ${MAX_DELETE_BATCH} keys can be deleted in one request, got ${args.keys.length}`,
    );
  }
  if (args.keys.length === 0) return [];
  const items = args.keys.map((key) => {
    const spec = deleteObjectSpec({ bucket: args.bucket, key, connection: args.connection }, tool);
    return { bucket: spec.bucket, key: spec.key, touches: spec.touches };
  });
  return runBatchOperation(
    ctx,
    { tool, connection: args.connection, items, signal: args.signal },
    async (run, allowed) => {
      const keys = allowed.map((i) => args.keys[i] as string);
      const results = new Map<string, ItemOutcome<DeleteObjectResult>>();
      const batchable = keys.filter(xmlSafe);
      await Promise.all([
        batchable.length === 0 ? undefined : deleteBatch(run, args.bucket, batchable, results),
        // A key XML 1.0 cannot carry (most control characters) goes as its own DeleteObject.
        ...keys.filter((k) => !xmlSafe(k)).map((k) => deleteOne(run, args.bucket, k, results)),
      ]);
      return keys.map(
        (key) =>
          results.get(key) ?? {
            ok: false,
            error: toS3ToolError(
              { name: "InternalError", message: "S3 returned no result for this key" },
              { bucket: args.bucket, key },
            ),
          },
      );
    },
  );
}

async function deleteBatch(
  run: Execution,
  bucket: string,
  keys: readonly string[],
  results: Map<string, ItemOutcome<DeleteObjectResult>>,
): Promise<void> {
  const out = await run.client.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      // Quiet would list only failures; the full answer lets every key be accounted for.
      Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false },
    }),
    run.http,
  );
  for (const d of out.Deleted ?? []) {
    if (d.Key !== undefined) results.set(d.Key, { ok: true, value: { bucket, key: d.Key, deleted: true } });
  }
  for (const e of out.Errors ?? []) {
    if (e.Key === undefined) continue;
    results.set(e.Key, {
      ok: false,
      error: toS3ToolError({ Code: e.Code ?? "InternalError", message: e.Message }, { bucket, key: e.Key }),
    });
  }
}

async function deleteOne(
  run: Execution,
  bucket: string,
  key: string,
  results: Map<string, ItemOutcome<DeleteObjectResult>>,
): Promise<void> {
  try {
    await run.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), run.http);
    results.set(key, { ok: true, value: { bucket, key, deleted: true } });
  } catch (e) {
    results.set(key, { ok: false, error: toS3ToolError(e, { bucket, key }) });
  }
}

/** XML 1.0 characters only (no C0 controls but tab, LF, CR; no lone surrogates, no U+FFFE/U+FFFF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML cannot carry
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/u;

function xmlSafe(key: string): boolean {
  return !NOT_XML.test(key);
}
