// The one mapping from error codes to process exit codes (SPEC §6).
import type { ErrorCode } from "../errors.ts";
import { POLICY_CODES } from "../errors.ts";

export const EXIT = Object.freeze({
  ok: 0,
  error: 1,
  usage: 2,
  refused: 3,
  notFound: 4,
  config: 5,
});

export function exitCodeFor(code: ErrorCode): number {
  if (code === "InvalidConfig") return EXIT.config;
  if (code === "UsageError" || code === "InvalidArgument" || code === "InvalidBucketName") return EXIT.usage;
  if (code === "NoSuchKey" || code === "NoSuchBucket" || code === "ConnectionNotFound") return EXIT.notFound;
  if (POLICY_CODES.has(code)) return EXIT.refused;
  return EXIT.error;
}
