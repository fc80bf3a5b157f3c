// mcp-s3 rm LOCATION...: keys, patterns, or (-r) everything under a prefix. Listed keys stream into
// DeleteObjects batches (src/bulk/delete-queue.ts); every key is decided and audited on its own.

import { parseConcurrency } from "../../bulk/concurrency.ts";
import { DeleteQueue } from "../../bulk/delete-queue.ts";
import { compileFilters, filterRulesFromCli, type PathFilter } from "../../bulk/filter.ts";
import { folderPrefix, type MatchSource, matchObjects } from "../../bulk/listing.ts";
import { parseKeyPattern } from "../../bulk/pattern.ts";
import { createBulkProgress } from "../../bulk/progress.ts";
import { BulkReport } from "../../bulk/report.ts";
import { S3ToolError } from "../../errors.ts";
import { consentForMany } from "../../ops/consent.ts";
import { deleteObject, deleteObjectSpec } from "../../ops/delete-object.ts";
import { headObject } from "../../ops/head-object.ts";
import { dryRunContext, type OpsContext, previewOperation } from "../../ops/run.ts";
import { usageError } from "../args.ts";
import type { Cli } from "../context.ts";
import { folderHint } from "../folder-hint.ts";
import { parseS3 } from "../location.ts";
import { doneLine, s3Url } from "../output.ts";

/** DeleteObjects requests in flight (bench/NOTES.md: rm -r of 10,000 keys). */
export const DEFAULT_DELETE_CONCURRENCY = 8;

type Plan =
  | { readonly kind: "key"; readonly text: string; readonly bucket: string; readonly key: string }
  | {
      readonly kind: "match";
      readonly text: string;
      readonly source: MatchSource;
      readonly recursive: boolean;
    };

export async function run(cli: Cli): Promise<number> {
  const recursive = cli.options.recursive === true;
  const all = cli.options.all === true;
  const dryRun = cli.options["dry-run"] === true;
  if (all && !recursive) throw usageError("--all goes with -r: rm -r --all s3://bucket/");
  const filter = compileFilters(await filterRulesFromCli(cli));
  const plans = cli.args.map((text) => plan(text, { recursive, all, filter }));
  const concurrency = parseConcurrency(cli.options.concurrency, DEFAULT_DELETE_CONCURRENCY);

  const cancel = cli.cancellation();
  const ops = await cli.ops();
  const only = plans.length === 1 ? plans[0] : undefined;
  if (only?.kind === "key" && !dryRun) return deleteOne(cli, ops, only, cancel.signal);
  const ctx = dryRun ? dryRunContext(ops) : await askOnce(ops, plans, cancel.signal);
  const report = new BulkReport(cli);
  const progress = createBulkProgress(
    cli.io,
    cli.io.stderrIsTTY && !cli.globals.quiet && !cli.globals.json && !dryRun,
  );
  const queue = new DeleteQueue(ctx, report, { concurrency, signal: cancel.signal, dryRun, progress });
  for (const p of plans) {
    if (cancel.signal.aborted) break;
    try {
      if (p.kind === "key") await deleteKey(ctx, report, queue, p, { dryRun, signal: cancel.signal });
      else await deleteMatches(ctx, queue, p, cancel.signal);
    } catch (e) {
      if (e === queue.fatalError || cancel.signal.aborted) throw cli.interrupted() ?? e;
      report.locationError(e);
    }
  }
  progress.complete();
  await queue.flush().finally(() => progress.finish());
  const code = report.finish();
  const interrupted = cli.interrupted();
  if (interrupted !== undefined) throw interrupted;
  return code;
}

/**
 * With `confirm: [delete]`, one question for the whole command, naming how many objects (SPEC §6.1:
 * `delete 1,204 objects under s3://b/old/?`): the locations are listed once to count them (listings
 * only, audited as such), then the deletes run in a context that does not ask again. A "no" refuses
 * every item with ConsentDeclined, each audited. Without `delete` in `confirm` nothing is counted.
 */
async function askOnce(ops: OpsContext, plans: readonly Plan[], signal: AbortSignal): Promise<OpsContext> {
  if (!ops.clients.connection(undefined).policy.confirm.includes("delete")) return ops;
  let count = 0;
  for (const p of plans) {
    if (p.kind === "key") count++;
    else for await (const page of matchObjects(ops, p.source, { signal })) count += page.length;
  }
  const only = plans.length === 1 ? plans[0] : undefined;
  const where =
    only === undefined
      ? ` in ${plans.length} locations`
      : only.kind === "key"
        ? ` (${only.text})`
        : only.recursive
          ? ` under s3://${only.source.bucket}/${only.source.prefix}`
          : ` matching ${only.text}`;
  const asked = await consentForMany(ops, {
    tool: "s3_delete_object",
    classes: ["delete"],
    summary: `delete ${count.toLocaleString("en")} object${count === 1 ? "" : "s"}${where}`,
    signal,
  });
  return asked.ops;
}

function plan(text: string, opts: { recursive: boolean; all: boolean; filter: PathFilter }): Plan {
  const { bucket, key: keyText } = parseS3(text);
  const pattern = parseKeyPattern(keyText);
  if (pattern.wildcard) {
    if (/^\*{2,}$/.test(keyText) && !opts.all) {
      throw usageError(
        `${JSON.stringify(text)} matches every key in the bucket; add -r --all to delete them all`,
        `mcp-s3 rm -r --all s3://${bucket}/`,
      );
    }
    return {
      kind: "match",
      text,
      recursive: false,
      source: {
        bucket,
        prefix: pattern.literalPrefix,
        pattern,
        relative: pattern.relative,
        filter: opts.filter,
      },
    };
  }
  const key = pattern.literalPrefix;
  if (opts.recursive) {
    const prefix = folderPrefix(key);
    if (prefix === "" && !opts.all) {
      throw usageError(
        `rm -r ${JSON.stringify(text)} would delete every key in the bucket; add --all to mean it`,
        `mcp-s3 rm -r --all s3://${bucket}/`,
      );
    }
    return {
      kind: "match",
      text,
      recursive: true,
      source: { bucket, prefix, relative: (k) => k.slice(prefix.length), filter: opts.filter },
    };
  }
  if (key === "") {
    throw usageError(
      `${JSON.stringify(text)} names no object key`,
      `name the object (s3://${bucket}/key), or delete every key in the bucket with rm -r --all s3://${bucket}/`,
    );
  }
  return { kind: "key", text, bucket, key };
}

/**
 * `rm s3://bucket/key`, one key and nothing else: the single-object command as it always was (its
 * result as `{bucket, key, deleted}`, a failure as the one error line and its exit code).
 */
async function deleteOne(
  cli: Cli,
  ctx: OpsContext,
  p: Extract<Plan, { kind: "key" }>,
  signal: AbortSignal,
): Promise<number> {
  const mustExist = p.key.endsWith("/");
  try {
    const result = await deleteObject(ctx, { bucket: p.bucket, key: p.key }, "s3_delete_object", {
      mustExist,
      signal,
    });
    await cli.out.done(result, doneLine("deleted", s3Url(p.bucket, p.key)));
    return 0;
  } catch (e) {
    throw mustExist ? folderHint(e, p.bucket, p.key, "rm -r") : e;
  }
}

/**
 * One named key among several. S3 answers a delete of a missing key with success; for a key ending in "/" that
 * nearly always means the user meant the folder, so it is looked up first (HEAD) and a missing one
 * is "not found" with a hint to use -r. Other keys are batched like listed ones.
 */
async function deleteKey(
  ctx: OpsContext,
  report: BulkReport,
  queue: DeleteQueue,
  p: Extract<Plan, { kind: "key" }>,
  opts: { dryRun: boolean; signal: AbortSignal },
): Promise<void> {
  if (!p.key.endsWith("/")) {
    await queue.add(p.bucket, p.key, null);
    return;
  }
  const source = `s3://${p.bucket}/${p.key}`;
  const record = { op: "delete", source, dest: null, size: null };
  try {
    if (opts.dryRun) {
      const decision = previewOperation(
        ctx,
        deleteObjectSpec({ bucket: p.bucket, key: p.key }, undefined, true),
      );
      if (!decision.allowed) {
        await report.dryRun({ ...record, decision: "deny", error: decision.code, message: decision.message });
        return;
      }
      const meta = await headObject(ctx, { bucket: p.bucket, key: p.key });
      await report.dryRun({ ...record, size: meta.size, decision: "allow" });
      return;
    }
    await deleteObject(ctx, { bucket: p.bucket, key: p.key }, "s3_delete_object", {
      mustExist: true,
      signal: opts.signal,
    });
    await report.item({ ...record, status: "done" });
  } catch (e) {
    if (e instanceof S3ToolError && e.code === "NoSuchKey") throw folderHint(e, p.bucket, p.key, "rm -r");
    if (e instanceof S3ToolError && e.code !== "NoSuchBucket") await report.failure(record, e);
    else throw e;
  }
}

async function deleteMatches(
  ctx: OpsContext,
  queue: DeleteQueue,
  p: Extract<Plan, { kind: "match" }>,
  signal: AbortSignal,
): Promise<void> {
  const { bucket } = p.source;
  let matched = 0;
  for await (const page of matchObjects(ctx, p.source, { signal })) {
    for (const o of page) {
      if (signal.aborted) return;
      matched++;
      await queue.add(bucket, o.key, o.size);
    }
  }
  if (matched > 0 || signal.aborted) return;
  const where = `s3://${bucket}/${p.source.prefix}`;
  throw new S3ToolError(
    "NoSuchKey",
    p.recursive
      ? `nothing to delete under ${where}${p.text.endsWith("/") || p.source.prefix === "" ? "" : " (with -r a location names a folder; to delete one object, drop -r)"}`
      : `nothing matches ${p.text}`,
    p.recursive ? `mcp-s3 ls -r ${where}` : `mcp-s3 ls ${JSON.stringify(p.text)}`,
  );
}
