import { Buffer } from "node:buffer";

/** S3 orders keys by their UTF-8 bytes, which is not JavaScript's UTF-16 order for every key. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
