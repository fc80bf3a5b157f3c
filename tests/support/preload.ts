// Loaded before every test file (bunfig.toml): after the whole run, one line says what was not
// covered because the test S3 server lacks a capability (tests/support/capabilities.ts).
import { afterAll } from "bun:test";
import process from "node:process";
import { skipped, TEST_S3_KIND } from "./capabilities.ts";

afterAll(() => {
  const { tests, groups } = skipped;
  if (tests === 0 && groups === 0) return;
  const what = [
    tests > 0 ? `${tests} test${tests === 1 ? "" : "s"}` : "",
    groups > 0 ? `${groups} group${groups === 1 ? "" : "s"} of tests` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  process.stderr.write(
    `\n${what} skipped: they need Ceph RGW, and this run used ${TEST_S3_KIND === "s3rver" ? "the s3rver emulator" : `an ${TEST_S3_KIND} S3`} (sudo apt-get install radosgw ceph-mon ceph-osd, then npm test again)\n`,
  );
});
