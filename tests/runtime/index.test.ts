// The runtime seam (src/runtime/): the native stdout copy exists where the runtime has one, and the
// written-bytes counter a native copy's watch reads really moves when this process writes.
import { describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesWrittenCounter, nativeStdoutCopy, runtimeName } from "../../src/runtime/index.ts";

describe("native copies and their progress", () => {
  test("a native stdout copy where the runtime is Bun, none elsewhere", () => {
    expect(nativeStdoutCopy() !== undefined).toBe(runtimeName() === "bun");
  });

  test.skipIf(process.platform !== "linux")(
    "the written-bytes counter moves by at least what was written (Linux)",
    () => {
      const counter = bytesWrittenCounter();
      expect(counter).toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), "mcp-s3-wchar-"));
      try {
        const before = counter?.() ?? 0;
        const fd = openSync(join(dir, "f"), "w");
        writeSync(fd, new Uint8Array(300_000));
        closeSync(fd);
        expect((counter?.() ?? 0) - before).toBeGreaterThanOrEqual(300_000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
