// The runtime seam (src/runtime/): the native stdout copy exists where the runtime has one, and the
// written-bytes counter a native copy's watch reads really moves when this process writes; a pipe is
// widened for a native copy to stdout.
import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bytesWrittenCounter,
  nativeStdoutCopy,
  pipeSize,
  runtimeName,
  widenPipe,
} from "../../src/runtime/index.ts";

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

  test.skipIf(runtimeName() !== "bun" || process.platform !== "linux")(
    "a pipe is widened to 1 MiB, never narrowed; anything else is left alone (Bun on Linux)",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "mcp-s3-pipe-"));
      try {
        const fifo = join(dir, "fifo");
        execFileSync("mkfifo", [fifo], { timeout: 5_000 });
        const fd = openSync(fifo, "r+"); // both ends in one descriptor (Linux), so open does not block
        try {
          expect(pipeSize(fd)).toBe(64 * 1024);
          widenPipe(fd);
          expect(pipeSize(fd)).toBe(1024 * 1024);
          widenPipe(fd);
          expect(pipeSize(fd)).toBe(1024 * 1024);
        } finally {
          closeSync(fd);
        }
        const file = join(dir, "file");
        writeFileSync(file, "x");
        const fileFd = openSync(file, "r");
        try {
          expect(() => widenPipe(fileFd)).not.toThrow();
          expect(pipeSize(fileFd)).toBeUndefined();
        } finally {
          closeSync(fileFd);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
