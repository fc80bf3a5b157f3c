// The single path every operation takes: resolve the connection, ask the policy gate about every
// declared touch, run, and write exactly one audit line for the attempt, whatever happened.
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type AuditRecord,
  type AuditStatus,
  AuditWriteError,
  type AuditWriter,
  NO_AUDIT,
} from "../audit/writer.ts";
import type { Config, Connection, Policy } from "../config/schema.ts";
import { PolicyRefusal, S3ToolError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type Decision, decideAll, type Touch } from "../policy/decide.ts";
import type { ClientPool } from "../s3/clients.ts";
import { toS3ToolError } from "../s3/errors.ts";

export interface OpsContext {
  readonly config: Config;
  readonly clients: ClientPool;
  readonly audit: AuditWriter;
  readonly log: Logger;
  readonly source: "mcp" | "cli";
}

/** What an operation names about itself for the audit line. */
export interface AuditFields {
  readonly bucket?: string | undefined;
  readonly key?: string | undefined;
  readonly prefix?: string | undefined;
  readonly dest_bucket?: string | undefined;
  readonly dest_key?: string | undefined;
}

export interface OperationSpec extends AuditFields {
  /** Tool name written to the audit log (CLI commands use the name of the tool they perform). */
  readonly tool: string;
  readonly connection?: string | undefined;
  /** Everything the operation touches; all are decided before anything is sent to S3. */
  readonly touches: readonly Touch[];
  readonly signal?: AbortSignal | undefined;
}

export interface Execution {
  readonly connection: Connection;
  readonly policy: Policy;
  readonly client: S3Client;
  readonly signal: AbortSignal | undefined;
  /** Options for `client.send`, carrying the abort signal when there is one. */
  readonly http: { abortSignal?: AbortSignal };
  /** Decides touches learnt during the run (sizes from a HEAD, bytes counted while streaming). */
  authorize(touches: readonly Touch[]): void;
  /** Bytes transferred, for the audit line. */
  count(bytes: number): void;
}

export async function runOperation<T>(
  ctx: OpsContext,
  spec: OperationSpec,
  exec: (run: Execution) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let bytes: number | undefined;
  let connectionName = spec.connection ?? ctx.config.default_connection;

  const finish = (status: AuditStatus, error?: S3ToolError) =>
    writeAudit(ctx, spec.tool, spec, { connection: connectionName, status, started, error, bytes });

  let result: T;
  try {
    // An audit log known to be broken refuses the operation before anything reaches S3.
    ctx.audit.check?.();
    const connection = ctx.clients.connection(spec.connection);
    connectionName = connection.name;
    const run = execution(ctx, connection, spec.signal, (n) => {
      bytes = (bytes ?? 0) + n;
    });
    run.authorize(spec.touches);
    result = await exec(run);
  } catch (e) {
    const error = toS3ToolError(e, { bucket: spec.bucket, key: spec.key });
    finish(error instanceof PolicyRefusal ? "denied" : "error", error);
    throw error;
  }
  try {
    finish("success");
  } catch (e) {
    throw carriedOutUnaudited(spec.tool, e);
  }
  return result;
}

/** One item of a batch: what it touches and what its own audit line names. */
export interface BatchItem extends AuditFields {
  readonly touches: readonly Touch[];
}

export interface BatchSpec {
  /** Tool name of every item's audit line: a batch is audited as the single operations it stands for. */
  readonly tool: string;
  readonly connection?: string | undefined;
  readonly items: readonly BatchItem[];
  readonly signal?: AbortSignal | undefined;
}

export type ItemOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: S3ToolError };

/**
 * runOperation for a request that carries several items (DeleteObjects): every item is decided on
 * its own and gets its own audit line, exactly as if it had been its own operation. Refused items
 * are audited `denied` and never handed to `exec`; `exec` gets the indices of the allowed ones and
 * returns one outcome per index, in the same order. An `exec` that throws fails every allowed item.
 * Throws only when nothing can be audited (the audit log is broken).
 */
export async function runBatchOperation<T>(
  ctx: OpsContext,
  spec: BatchSpec,
  exec: (run: Execution, allowed: readonly number[]) => Promise<readonly ItemOutcome<T>[]>,
): Promise<ItemOutcome<T>[]> {
  const started = performance.now();
  let connectionName = spec.connection ?? ctx.config.default_connection;
  const outcomes: ItemOutcome<T>[] = new Array(spec.items.length);
  const finish = (i: number, outcome: ItemOutcome<T>) => {
    outcomes[i] = outcome;
    const error = outcome.ok ? undefined : outcome.error;
    const status: AuditStatus = outcome.ok ? "success" : error instanceof PolicyRefusal ? "denied" : "error";
    writeAudit(ctx, spec.tool, spec.items[i] as BatchItem, {
      connection: connectionName,
      status,
      started,
      error,
    });
  };
  const failAll = (indices: Iterable<number>, e: unknown) => {
    for (const i of indices) {
      const item = spec.items[i] as BatchItem;
      finish(i, { ok: false, error: toS3ToolError(e, { bucket: item.bucket, key: item.key }) });
    }
  };

  ctx.audit.check?.();
  let run: Execution;
  try {
    const connection = ctx.clients.connection(spec.connection);
    connectionName = connection.name;
    run = execution(ctx, connection, spec.signal, () => {});
  } catch (e) {
    failAll(spec.items.keys(), e);
    return outcomes;
  }
  const allowed: number[] = [];
  spec.items.forEach((item, i) => {
    const decision = decideAll(run.policy, item.touches);
    if (decision.allowed) allowed.push(i);
    else finish(i, { ok: false, error: new PolicyRefusal(decision.code, decision.message, decision.hint) });
  });
  if (allowed.length === 0) return outcomes;

  let results: readonly ItemOutcome<T>[];
  try {
    results = await exec(run, allowed);
  } catch (e) {
    failAll(allowed, e);
    return outcomes;
  }
  try {
    allowed.forEach((i, n) => {
      finish(
        i,
        results[n] ?? {
          ok: false,
          error: new S3ToolError("InternalError", "S3 returned no result for this item", ""),
        },
      );
    });
  } catch (e) {
    throw carriedOutUnaudited(spec.tool, e);
  }
  return outcomes;
}

function execution(
  ctx: OpsContext,
  connection: Connection,
  signal: AbortSignal | undefined,
  count: (bytes: number) => void,
): Execution {
  return {
    connection,
    policy: connection.policy,
    get client() {
      return ctx.clients.client(connection.name);
    },
    signal,
    http: signal === undefined ? {} : { abortSignal: signal },
    authorize(touches) {
      const decision = decideAll(connection.policy, touches);
      if (!decision.allowed) throw new PolicyRefusal(decision.code, decision.message, decision.hint);
    },
    count,
  };
}

/** Writes one audit line (and the matching log line). Throws when the audit log cannot be written. */
function writeAudit(
  ctx: OpsContext,
  tool: string,
  fields: AuditFields,
  outcome: {
    connection: string;
    status: AuditStatus;
    started: number;
    error?: S3ToolError | undefined;
    bytes?: number | undefined;
  },
): void {
  const record: AuditRecord = {
    tool,
    bucket: fields.bucket,
    key: fields.key,
    connection: outcome.connection,
    status: outcome.status,
    duration_ms: Math.round(performance.now() - outcome.started),
    error: outcome.error?.code,
    source: ctx.source,
    dest_bucket: fields.dest_bucket,
    dest_key: fields.dest_key,
    prefix: fields.prefix,
    bytes: outcome.bytes,
  };
  ctx.log.log(outcome.status === "success" ? "info" : "warn", outcome.error?.message ?? "ok", { ...record });
  ctx.audit.write(record);
}

/** The operation did reach S3 (a write is stored): say so, rather than "not completed". */
function carriedOutUnaudited(tool: string, e: unknown): S3ToolError {
  const code = e instanceof AuditWriteError ? e.errnoCode : undefined;
  return new S3ToolError(
    "InternalError",
    `${tool} was carried out but its audit line could not be written${code === undefined ? "" : ` (${code})`}; its result is withheld and every further operation is refused until the audit log is fixed and the process restarted`,
    "fix the audit file (disk space, permissions) and restart",
  );
}

/**
 * The gate's decision on an operation, for --dry-run: the same connection resolution and the same
 * decideAll as runOperation, but no request is sent and no audit line written. An unknown connection
 * throws, as it would for the real run.
 */
export function previewOperation(ctx: OpsContext, spec: OperationSpec): Decision {
  const connection = ctx.clients.connection(spec.connection);
  return decideAll(connection.policy, spec.touches);
}

/**
 * The context a --dry-run works in: the same connections and gate, but no audit lines (SPEC §6.1:
 * a dry run sends only listings and metadata requests, and nothing is audited). Never hand it to an
 * operation that changes anything.
 */
export function dryRunContext(ctx: OpsContext): OpsContext {
  return { ...ctx, audit: NO_AUDIT };
}

export function invalidArgument(message: string, hint = ""): S3ToolError {
  return new S3ToolError("InvalidArgument", message, hint);
}
