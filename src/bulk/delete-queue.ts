// Deletes fed one key at a time, sent as DeleteObjects batches of up to 1000 keys with a bounded
// number of requests in flight (back-pressure on the producer, so a listing streams straight into
// the batches and memory stays bounded). Each key gets its own gate decision, audit line and result
// record; with --dry-run each key gets the gate's decision only.
import { deleteObjectSpec } from "../ops/delete-object.ts";
import { deleteObjects, MAX_DELETE_BATCH } from "../ops/delete-objects.ts";
import type { OpsContext } from "../ops/run.ts";
import { previewItem } from "./preview.ts";
import type { BulkProgress } from "./progress.ts";
import type { BulkReport } from "./report.ts";

export interface DeleteQueueOptions {
  /** DeleteObjects requests in flight at once. */
  readonly concurrency: number;
  readonly connection?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly dryRun?: boolean;
  /** Keys per request (at most 1000, S3's limit). */
  readonly batchSize?: number;
  readonly tool?: string;
  /** The progress line on a terminal (objects deleted out of those found, rate, time left). */
  readonly progress?: BulkProgress | undefined;
}

interface Pending {
  readonly bucket: string;
  readonly keys: string[];
  readonly sizes: (number | null)[];
}

export class DeleteQueue {
  private readonly ctx: OpsContext;
  private readonly report: BulkReport;
  private readonly options: DeleteQueueOptions;
  private readonly batchSize: number;
  private pending: Pending | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** A failure that must end the command (the audit log cannot be written). */
  private fatal: unknown;

  constructor(ctx: OpsContext, report: BulkReport, options: DeleteQueueOptions) {
    this.ctx = ctx;
    this.report = report;
    this.options = options;
    this.batchSize = Math.min(Math.max(1, options.batchSize ?? MAX_DELETE_BATCH), MAX_DELETE_BATCH);
  }

  /** Queues one key; waits when the requests in flight are at the limit. */
  async add(bucket: string, key: string, size: number | null): Promise<void> {
    this.check();
    if (this.options.dryRun === true) {
      await this.preview(bucket, key, size);
      return;
    }
    if (this.pending !== undefined && this.pending.bucket !== bucket) await this.send();
    this.options.progress?.found(0);
    this.pending ??= { bucket, keys: [], sizes: [] };
    this.pending.keys.push(key);
    this.pending.sizes.push(size);
    if (this.pending.keys.length >= this.batchSize) await this.send();
  }

  /** Sends what is queued and waits for every request in flight. */
  async flush(): Promise<void> {
    if (this.pending !== undefined) await this.send();
    await Promise.all(this.inFlight);
    this.check();
  }

  /** The failure that ended the queue (the audit log could not be written), if one did. */
  get fatalError(): unknown {
    return this.fatal;
  }

  private check(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }

  private async send(): Promise<void> {
    const batch = this.pending;
    this.pending = undefined;
    if (batch === undefined || batch.keys.length === 0) return;
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    this.check();
    const p: Promise<void> = this.run(batch).then(
      () => {
        this.inFlight.delete(p);
      },
      (e) => {
        this.fatal ??= e;
        this.inFlight.delete(p);
      },
    );
    this.inFlight.add(p);
  }

  private async run(batch: Pending): Promise<void> {
    const outcomes = await deleteObjects(
      this.ctx,
      {
        bucket: batch.bucket,
        keys: batch.keys,
        connection: this.options.connection,
        signal: this.options.signal,
      },
      this.options.tool,
    );
    for (const [i, outcome] of outcomes.entries()) {
      const source = `s3://${batch.bucket}/${batch.keys[i]}`;
      const size = batch.sizes[i] ?? null;
      const record = { op: "delete", source, dest: null, size };
      this.options.progress?.itemDone();
      this.options.progress?.clear();
      if (outcome.ok) await this.report.item({ ...record, status: "done" });
      else await this.report.failure(record, outcome.error);
    }
  }

  private async preview(bucket: string, key: string, size: number | null): Promise<void> {
    const spec = deleteObjectSpec({ bucket, key, connection: this.options.connection }, this.options.tool);
    await previewItem(this.report, this.ctx, spec, {
      op: "delete",
      source: `s3://${bucket}/${key}`,
      dest: null,
      size,
    });
  }
}
