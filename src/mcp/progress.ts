// notifications/progress for a request that carries a progressToken (SPEC §5.1): the operation reports
// bytes as they move, this sends them on, for transfers and copies larger than one part only, and
// never floods the client (at most one notification per MiB moved, and the last one).

import { PART_SIZE } from "../ops/put-object.ts";
import type { RequestHandlerExtra } from "./sdk/shared-protocol.ts";
import type { ServerNotification, ServerRequest } from "./sdk/types.ts";

export type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Takes the bytes done so far and the total, when known. */
export type ProgressReporter = (done: number, total: number | undefined) => void;

/** Smallest step between two notifications. */
export const PROGRESS_STEP = 1024 * 1024;

/** A reporter for this request, or undefined when the client asked for no progress. */
export function progressReporter(
  extra: Pick<RequestExtra, "_meta" | "sendNotification">,
): ProgressReporter | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let last = 0;
  return (done, total) => {
    // One part or less goes in one request: nothing to report in between.
    if (total !== undefined && total <= PART_SIZE) return;
    // Progress must increase with every notification; small steps are folded into the next one.
    const final = total !== undefined && done >= total;
    if (done <= last || (!final && done - last < PROGRESS_STEP)) return;
    last = done;
    // A client that went away must not fail the transfer: the notification is best effort.
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress: done, ...(total === undefined ? {} : { total }) },
      })
      .catch(() => {});
  };
}
