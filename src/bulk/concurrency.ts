// --concurrency N: how many objects a bulk command keeps in flight.
import { usageError } from "../cli/args.ts";

/** The most a command line may ask for: beyond it, sockets and memory, not S3, are the limit. */
export const MAX_CONCURRENCY = 256;

/** Parses --concurrency (a whole number from 1 to MAX_CONCURRENCY); `fallback` when not given. */
export function parseConcurrency(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw usageError(
      `--concurrency ${JSON.stringify(value)} is not valid; expected a whole number from 1 to ${MAX_CONCURRENCY}`,
    );
  }
  return n;
}
