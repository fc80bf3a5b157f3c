// Runs a bulk transfer: the plan's actions (streamed from a listing or a directory walk) with
// --concurrency of them in flight, one result per item, a summary and the exit code. A dry run asks
// the gate about each item instead, on an operation context that writes no audit line (its
// listings are still filtered by the policy, as every listing is).
//
// Ctrl-C / SIGTERM: nothing new starts, the items in flight stop (their operations abort the
// multipart upload or remove the temporary file), the summary says what was done, and the command
// exits 130 / 143. Items cut short by the interrupt are not reported as failures: running the same
// `sync` again finishes the job.
import type { Cli } from "../cli/context.ts";
import type { UploadSettings } from "../cli/transfer/settings.ts";
import { removeSync } from "../cli/transfer/single.ts";
import type { ConsentClass } from "../config/schema.ts";
import { consentForMany } from "../ops/consent.ts";
import { dryRunContext, type OpsContext } from "../ops/run.ts";
import { type Action, actionBytes, execute, preview, Semaphore } from "./actions.ts";
import { parseConcurrency } from "./concurrency.ts";
import { DestinationDirectories } from "./destination-dirs.ts";
import { forEachConcurrently } from "./pool.ts";
import { createBulkProgress } from "./progress.ts";
import { readAhead } from "./read-ahead.ts";
import { BulkReport } from "./report.ts";

/**
 * Objects in flight by default. On loopback RGW (bench/NOTES.md) a tree of 4 KiB files gained little
 * past 16 and 100 × 10 MiB none past 8; 16 also keeps well inside the HTTP agent's sockets.
 */
export const DEFAULT_CONCURRENCY = 16;
/** Multipart uploads in flight at once: each holds up to three 8 MiB parts. */
const MULTIPART_IN_FLIGHT = 2;
/** Actions read ahead of the transfers (what the progress line's totals count). */
const READ_AHEAD = 10_000;

export interface BulkJob {
  /** The actions, streamed, planned with the operation context the run uses. */
  readonly plan: (ops: OpsContext, signal: AbortSignal) => AsyncIterable<Action>;
  readonly settings: UploadSettings;
  readonly dryRun: boolean;
  /** Exit 4 when the plan has no item at all (a pattern or a prefix that matched nothing). */
  readonly nothingMatchedIs4: boolean;
}

export async function runBulk(cli: Cli, job: BulkJob): Promise<number> {
  const concurrency = parseConcurrency(cli.options.concurrency, DEFAULT_CONCURRENCY);
  const cancel = cli.cancellation();
  const opened = await cli.ops();
  // A dry run's listings pass the gate as always, but nothing it does is audited.
  const ops = job.dryRun ? dryRunContext(opened) : await askOnce(opened, job, cli.spec.name, cancel.signal);
  const report = new BulkReport(cli);
  const progress = createBulkProgress(
    cli.io,
    cli.io.stderrIsTTY && !cli.globals.quiet && !cli.globals.json && !job.dryRun,
  );
  const context = {
    ops,
    signal: cancel.signal,
    settings: job.settings,
    progress,
    onTempFile: (path: string) => cancel.onForcedExit(() => removeSync(path)),
    heavy: new Semaphore(MULTIPART_IN_FLIGHT),
    directories: new DestinationDirectories(),
  };
  const actions = readAhead(job.plan(ops, cancel.signal), READ_AHEAD, {
    onItem: (a) => {
      if (a.kind !== "note") progress.found(actionBytes(a));
    },
    onEnd: () => progress.complete(),
  });

  const work = async (a: Action): Promise<void> => {
    if (job.dryRun) {
      const record = preview(a, ops, job.settings);
      if (record !== undefined) await report.dryRun(record);
      else if (a.kind === "note" && a.quiet !== true) await report.item(a.record);
      return;
    }
    const outcome = await execute(a, context);
    if (a.kind !== "note") progress.itemDone();
    // An item stopped by Ctrl-C is neither done nor failed: the next run does it.
    if (cancel.signal.aborted && outcome.record.status === "failed") return;
    progress.clear();
    await report.item(outcome.record, { line: outcome.quiet !== true });
  };

  try {
    await forEachConcurrently(actions, job.dryRun ? 1 : concurrency, work, cancel.signal);
  } catch (e) {
    progress.finish();
    // The source itself failed (a listing refused, a missing bucket): say what was done before it.
    if (report.total > 0) report.finish();
    throw cli.interrupted() ?? e;
  }
  progress.finish();
  const code = report.finish({ nothingMatchedIs4: job.nothingMatchedIs4 });
  const interrupted = cli.interrupted();
  if (interrupted !== undefined) throw interrupted;
  return code;
}

/**
 * With a `confirm` list that names what this command does, one question for the whole command,
 * naming how many objects of which kind (SPEC §6.1: `upload 42 objects, delete 3 objects?`): the plan
 * is walked once to count (listings only), then the items run in a context that does not ask again.
 * A "no" refuses every item with ConsentDeclined, each audited. Without such a list nothing is counted.
 */
async function askOnce(
  ops: OpsContext,
  job: BulkJob,
  command: string,
  signal: AbortSignal,
): Promise<OpsContext> {
  const confirm = ops.clients.connection(undefined).policy.confirm;
  if (!confirm.some((c) => c === "write" || c === "copy" || c === "delete")) return ops;
  const counts = { upload: 0, copy: 0, delete: 0 };
  for await (const a of job.plan(ops, signal)) {
    if (a.kind === "upload") counts.upload++;
    else if (a.kind === "copy") counts.copy++;
    else if (a.kind === "delete") counts.delete++;
    if ((a.kind === "copy" || a.kind === "download") && a.move === true) counts.delete++;
  }
  const classes: ConsentClass[] = [];
  if (counts.upload > 0 || counts.copy > 0) classes.push("write");
  if (counts.copy > 0) classes.push("copy");
  if (counts.delete > 0) classes.push("delete");
  if (classes.length === 0) return ops;
  const n = (count: number, verb: string) =>
    count === 0 ? [] : [`${verb} ${count.toLocaleString("en")} object${count === 1 ? "" : "s"}`];
  const summary = [
    ...n(counts.upload, "upload"),
    ...n(counts.copy, "copy"),
    ...n(counts.delete, "delete"),
  ].join(", ");
  const asked = await consentForMany(ops, { tool: command, classes, summary, signal });
  return asked.ops;
}
