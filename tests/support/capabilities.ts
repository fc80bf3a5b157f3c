// What the test S3 server can do, declared once, so a test that needs more than the embedded
// emulator offers says so and is skipped with a visible reason instead of failing on a machine
// without Ceph:
//
//   needs("signatures").test("a wrong secret is refused", async () => { … });
//   needs("multipartAdmin").describe("interrupted uploads", () => { … });
//
// The skipped test's name carries the reason; the run ends with one line counting them
// (tests/support/preload.ts). With RGW (or an external S3) nothing is skipped that it can run.
import { describe, test } from "bun:test";
import process from "node:process";
import { plannedTestS3Kind, type TestS3Kind } from "./s3.ts";

const DESCRIPTIONS = {
  signatures: "checks request signatures (a wrong secret is refused)",
  multipartAdmin: "lists and aborts multipart uploads",
  byteOrder: "lists keys in byte order",
  literalKeys: "stores keys such as '//', '+', '.' and '..' segments literally",
  leadingSlash: "accepts keys that start with '/'",
  secondUser: "has a second user with separate permissions",
  atomicPuts: "stores nothing when an upload is cut off mid-body",
  distinctSecret: "has a secret key that differs from its access key id",
  realErrors: "answers like S3 under faults and load (error codes, request ids, large bodies)",
  conditionalReads: "refuses a read whose If-Match does not match (412)",
} as const;

export type Capability = keyof typeof DESCRIPTIONS;

export const TEST_S3_KIND: TestS3Kind = plannedTestS3Kind();

function capabilitiesOf(kind: TestS3Kind): Record<Capability, boolean> {
  const all = (v: boolean) =>
    Object.fromEntries(Object.keys(DESCRIPTIONS).map((c) => [c, v])) as Record<Capability, boolean>;
  if (kind === "rgw") return all(true);
  if (kind === "s3rver") return all(false);
  // An external S3: assume a real one; a second user only when its keys are given.
  return { ...all(true), secondUser: Boolean(process.env.MCP_S3_TEST_ACCESS_KEY_ID_2) };
}

export const CAPABILITIES: Readonly<Record<Capability, boolean>> = capabilitiesOf(TEST_S3_KIND);

/** The reason a test needing `caps` cannot run here, or undefined when it can. */
export function lacking(...caps: Capability[]): string | undefined {
  const missing = caps.filter((c) => !CAPABILITIES[c]);
  if (missing.length === 0) return undefined;
  return `needs an S3 server that ${missing.map((c) => DESCRIPTIONS[c]).join(", and ")}: Ceph RGW`;
}

/** Counts of skipped tests, read by the summary at the end of the run. */
export const skipped = { tests: 0, groups: 0 };

/**
 * `test` and `describe` that skip (test.skipIf) when the server lacks one of `caps`, with the reason
 * in the name.
 */
export function needs(...caps: Capability[]): { test: typeof test; describe: typeof describe } {
  const reason = lacking(...caps);
  if (reason === undefined) return { test, describe };
  const label = (name: unknown) => `${String(name)} [skipped: ${reason}]`;
  const skippedTest = Object.assign(
    (name: string, fn: unknown, options?: unknown) => {
      skipped.tests++;
      return (test.skipIf(true) as (...a: unknown[]) => unknown)(label(name), fn, options);
    },
    {
      each: (rows: readonly unknown[]) => (name: string, fn: unknown, options?: unknown) => {
        skipped.tests += rows.length;
        return (test.skipIf(true).each(rows as unknown[]) as (...a: unknown[]) => unknown)(
          label(name),
          fn,
          options,
        );
      },
    },
  ) as unknown as typeof test;
  const skippedDescribe = ((name: string, fn: () => void) => {
    skipped.groups++;
    return describe.skipIf(true)(label(name), fn);
  }) as unknown as typeof describe;
  return { test: skippedTest, describe: skippedDescribe };
}
