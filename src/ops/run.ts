// The single path every operation takes: resolve the connection, ask the policy gate about every
// declared touch, run, and write exactly one audit line for the attempt, whatever happened.
import type { S3Client } from "@aws-sdk/client-s3";
import type { AuditRecord, AuditStatus, AuditWriter } from "../audit/writer.ts";
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

  const finish = (status: AuditStatus, error?: S3ToolError) => {
    const record: AuditRecord = {
      tool: spec.tool,
      bucket: spec.bucket,
      key: spec.key,
      connection: connectionName,
      status,
      duration_ms: Math.round(performance.now() - started),
      error: error?.code,
      source: ctx.source,
      dest_bucket: spec.dest_bucket,
      dest_key: spec.dest_key,
      prefix: spec.prefix,
      bytes,
    };
    ctx.log.log(status === "success" ? "info" : "warn", error?.message ?? "ok", { ...record });
    ctx.audit.write(record);
  };

  let result: T;
  try {
    // An audit log known to be broken refuses the operation before anything reaches S3.
    ctx.audit.check?.();
    const connection = ctx.clients.connection(spec.connection);
    connectionName = connection.name;
    const authorize = (touches: readonly Touch[]) => {
      const decision = decideAll(connection.policy, touches);
      if (!decision.allowed) throw new PolicyRefusal(decision.code, decision.message, decision.hint);
    };
    authorize(spec.touches);
    result = await exec({
      connection,
      policy: connection.policy,
      get client() {
        return ctx.clients.client(connection.name);
      },
      signal: spec.signal,
      http: spec.signal === undefined ? {} : { abortSignal: spec.signal },
      authorize,
      count(n) {
        bytes = (bytes ?? 0) + n;
      },
    });
  } catch (e) {
    const error = toS3ToolError(e, { bucket: spec.bucket, key: spec.key });
    finish(error instanceof PolicyRefusal ? "denied" : "error", error);
    throw error;
  }
  try {
    finish("success");
  } catch (e) {
    // The operation did reach S3 (a write is stored): say so, rather than "not completed".
    const code = /\(([A-Z0-9_]+)\)/.exec(e instanceof Error ? e.message : "")?.[1];
    throw new S3ToolError(
      "InternalError",
      `${spec.tool} was carried out but its audit line could not be written${code === undefined ? "" : ` (${code})`}; its result is withheld and every further operation is refused until the audit log is fixed and the process restarted`,
      "fix the audit file (disk space, permissions) and restart",
    );
  }
  return result;
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

export function invalidArgument(message: string, hint = ""): S3ToolError {
  return new S3ToolError("InvalidArgument", message, hint);
}
