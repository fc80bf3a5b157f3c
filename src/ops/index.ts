// The operation layer: the only code that talks to S3. MCP tools and CLI commands call these and
// nothing else; each goes through runOperation (policy gate + audit).

import { type AuditWriter, createAuditWriter } from "../audit/writer.ts";
import type { Config } from "../config/schema.ts";
import { createLogger, type Logger } from "../log.ts";
import { createClientPool } from "../s3/clients.ts";
import type { ConsentAsker } from "./consent.ts";
import type { OpsContext } from "./run.ts";

export { type CallerIdentity, callerContext } from "./caller.ts";
export type { ConsentAnswer, ConsentAsker, ConsentRequest } from "./consent.ts";
export { copyObject } from "./copy-object.ts";
export { deleteObject } from "./delete-object.ts";
export { type GetObjectArgs, type GetObjectResult, getObject } from "./get-object.ts";
export { headObject } from "./head-object.ts";
export { listBuckets } from "./list-buckets.ts";
export { listConnections } from "./list-connections.ts";
export { listObjects } from "./list-objects.ts";
export { presignUrl } from "./presign.ts";
export { putObject } from "./put-object.ts";
export type { OpsContext } from "./run.ts";
export { walkObjects } from "./walk-objects.ts";

export interface ContextOptions {
  readonly source: "mcp" | "cli" | "http";
  readonly audit?: AuditWriter;
  readonly log?: Logger;
  /** How the front end asks a human for consent; without it, operations under `confirm` are refused. */
  readonly consent?: ConsentAsker;
}

/** Builds the context every operation runs in. The caller owns it and must call `close()`. */
export function createOpsContext(config: Config, options: ContextOptions): OpsContext & { close(): void } {
  const audit = options.audit ?? createAuditWriter(config.audit);
  const clients = createClientPool(config);
  return {
    config,
    clients,
    audit,
    log: options.log ?? createLogger(config.logging),
    source: options.source,
    ...(options.consent === undefined ? {} : { consent: options.consent }),
    close() {
      clients.destroy();
      audit.close();
    },
  };
}
