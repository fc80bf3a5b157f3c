// How an operation describes itself to runOperation: the tool it is audited under, the connection,
// the audit fields, what it touches and the signal that cancels it. Built here, in one place, so
// that every operation takes its connection and its signal from its arguments the same way (the
// copies of this block in each operation had drifted: a delete could not be cancelled), and so that
// a dry run can ask the gate about exactly the spec an operation would run under.
import type { Access, Touch } from "../policy/decide.ts";
import type { AuditFields, OperationSpec } from "./run.ts";

/** What every operation's arguments may say about where it runs and how it is stopped. */
export interface OperationTarget {
  readonly connection?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** An operation on one object. */
export interface ObjectTarget extends OperationTarget {
  readonly bucket: string;
  readonly key: string;
}

/** An operation audited with `fields` that declares `touches`. */
export function operationSpec(
  tool: string,
  target: OperationTarget,
  fields: AuditFields,
  touches: readonly Touch[],
): OperationSpec {
  return { tool, connection: target.connection, signal: target.signal, ...fields, touches };
}

/** An operation on one object: audited with its bucket and key, declaring one touch of `access`. */
export function objectSpec(tool: string, target: ObjectTarget, access: Access, size?: number): OperationSpec {
  const { bucket, key } = target;
  return operationSpec(tool, target, { bucket, key }, [
    size === undefined ? { access, bucket, key } : { access, bucket, key, size },
  ]);
}
