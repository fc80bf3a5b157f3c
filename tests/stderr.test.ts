// Lines on stderr arrive whole when the reader is slow: the child touches process.stderr (which
// makes fd 2 non-blocking under Bun) and writes far more than a pipe holds while the parent reads
// nothing for a while.
import { expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";

const STDERR_TS = join(import.meta.dir, "..", "src", "stderr.ts");
const LINES = 20_000; // ~1.3 MB: twenty times a pipe's buffer

/** Runs `script` with stderr read only after `delayMs`; what arrived and how the child ended. */
function slowlyRead(script: string, delayMs: number): Promise<{ text: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const chunks: Buffer[] = [];
    child.stderr.pause();
    setTimeout(() => {
      child.stderr.on("data", (c: Buffer) => chunks.push(c));
      child.stderr.resume();
    }, delayMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString("utf8"), code });
    });
  });
}

test("a slow reader gets every line, whole and in order", async () => {
  const script = `
    const { writeToStderr } = await import(${JSON.stringify(STDERR_TS)});
    void process.stderr.isTTY;
    for (let i = 0; i < ${LINES}; i++) writeToStderr("line " + String(i).padStart(6, "0") + " " + "x".repeat(50) + "\\n");
  `;
  const { text, code } = await slowlyRead(script, 500);
  expect(code).toBe(0);
  const lines = text.split("\n").filter((l) => l !== "");
  expect(lines.length).toBe(LINES);
  lines.forEach((line, i) => {
    expect(line).toBe(`line ${String(i).padStart(6, "0")} ${"x".repeat(50)}`);
  });
}, 40_000);

test("a reader that takes nothing: the line is given up after the stall limit, the process goes on", async () => {
  const script = `
    const { writeAllSync } = await import(${JSON.stringify(STDERR_TS)});
    void process.stderr.isTTY;
    const ok = writeAllSync(2, new Uint8Array(4 * 1024 * 1024).fill(120), 200);
    require("node:fs").writeSync(1, ok ? "whole" : "given up");
  `;
  // The parent starts reading only after the child has given up (and exited).
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  child.stderr.pause();
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  child.stderr.destroy();
  expect(code).toBe(0);
  expect(out).toBe("given up");
}, 40_000);
