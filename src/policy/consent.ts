// Which consent classes (SPEC §3 Consent) an operation falls under, from the touches it declares to
// the gate. Pure, like the gate: the operation layer asks a human only for the classes returned here.
import { CONSENT_CLASSES, type ConsentClass, type Policy } from "../config/schema.ts";
import type { Touch } from "./decide.ts";

/**
 * A delete is `delete`; a put is `write`; a copy (an operation that reads one object and writes
 * another) is `copy` and `write`; a presigned URL is `presign`, and a presigned PUT also `write` (its
 * touch is a write). Returned in the order of CONSENT_CLASSES, each once.
 */
export function consentClasses(touches: readonly Touch[]): ConsentClass[] {
  const found = new Set<ConsentClass>();
  let reads = false;
  let writes = false;
  for (const touch of touches) {
    if (touch.presign !== undefined) found.add("presign");
    if (touch.access === "delete") found.add("delete");
    if (touch.access === "write") {
      found.add("write");
      if (touch.presign === undefined) writes = true;
    }
    if (touch.access === "read" && touch.presign === undefined) reads = true;
  }
  if (reads && writes) found.add("copy");
  return CONSENT_CLASSES.filter((c) => found.has(c));
}

/** The classes of this operation that the policy's `confirm` list names: empty means no one is asked. */
export function classesNeedingConsent(policy: Policy, touches: readonly Touch[]): ConsentClass[] {
  const confirm = policy.confirm ?? [];
  return consentClasses(touches).filter((c) => confirm.includes(c));
}
