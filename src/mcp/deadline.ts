/**
 * The request's own signal, also aborted with a TimeoutError once `ms` have passed: a call that
 * outlives its deadline is stopped (its S3 requests with it) and answered as a timeout, instead of
 * holding its connection and memory for ever.
 */
export function withDeadline(signal: AbortSignal, ms: number | undefined): AbortSignal {
  return ms === undefined ? signal : AbortSignal.any([signal, AbortSignal.timeout(ms)]);
}
