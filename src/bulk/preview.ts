// --dry-run for one item: the gate's decision on the operation the item would run, reported as a
// dry-run record. No request is sent, no audit line written (previewOperation).

import { type OperationSpec, type OpsContext, previewOperation } from "../ops/run.ts";
import type { Decision } from "../policy/decide.ts";
import type { BulkReport, DryRunRecord } from "./report.ts";

export async function previewItem(
  report: BulkReport,
  ctx: OpsContext,
  spec: OperationSpec,
  item: Omit<DryRunRecord, "decision" | "error" | "message">,
): Promise<Decision> {
  const decision = previewOperation(ctx, spec);
  await report.dryRun(
    decision.allowed
      ? { ...item, decision: "allow" }
      : { ...item, decision: "deny", error: decision.code, message: decision.message },
  );
  return decision;
}
