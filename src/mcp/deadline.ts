/**
 * Runs `work` with the request's own signal, also aborted with a TimeoutError once `ms` have
 * passed: a call that outlives its deadline is stopped (its S3 requests with it) and answered as a
 * timeout, instead of holding its connection and memory for ever. The timer is cleared as soon as
 * the work ends (AbortSignal.timeout would keep Deno's event loop alive until it fired).
 */
export async function withDeadline<T>(
  signal: AbortSignal,
  ms: number | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (ms === undefined) return work(signal);
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException(`the call exceeded its deadline of ${ms} ms`, "TimeoutError")),
    ms,
  );
  try {
    return await work(AbortSignal.any([signal, deadline.signal]));
  } finally {
    clearTimeout(timer);
  }
}
