import { describe, expect, test } from "bun:test";
import { MAX_CONCURRENCY, parseConcurrency } from "../../src/bulk/concurrency.ts";

describe("parseConcurrency", () => {
  test.each([
    [undefined, 16],
    ["1", 1],
    ["32", 32],
    [String(MAX_CONCURRENCY), MAX_CONCURRENCY],
  ] as const)("%p -> %p", (value, n) => {
    expect(parseConcurrency(value, 16)).toBe(n);
  });
  test.each(["0", "-1", "1.5", "", "abc", "1e3", String(MAX_CONCURRENCY + 1), " 4", "99999999999999999999"])(
    "%p is a usage error",
    (value) => {
      expect(() => parseConcurrency(value, 16)).toThrow(expect.objectContaining({ code: "UsageError" }));
    },
  );
});
