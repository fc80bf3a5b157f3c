// Failures found in the MCP layer (arguments that do not validate, content that does not decode) still
// go through the operation layer, so that the attempt is gated and audited like every other call.
import type { OpsContext } from "../ops/index.ts";
import { type OperationSpec, runOperation } from "../ops/run.ts";

/**
 * Runs `spec` through the gate and audit, then fails with `error`. A refusal of the declared touches
 * (say ReadOnlyMode for a write) wins over `error`, exactly as it would for a well-formed call.
 */
export function failOperation(ops: OpsContext, spec: OperationSpec, error: unknown): Promise<never> {
  // A call that fails anyway is never put to a human for consent.
  return runOperation(ops, { ...spec, consentInRun: true }, async () => {
    throw error;
  });
}

/** A string argument, for the audit line of a call whose arguments did not validate. */
export function stringArg(args: unknown, name: string): string | undefined {
  if (typeof args !== "object" || args === null) return undefined;
  const v = (args as Record<string, unknown>)[name];
  return typeof v === "string" && v.length <= 1024 ? v : undefined;
}
