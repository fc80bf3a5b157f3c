// Runs the CLI as a subprocess (`bun src/main.ts COMMAND`), capturing everything it writes.
import { spawn } from "node:child_process";
import { BUN, MAIN, ROOT } from "./env.ts";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs one CLI command to completion (killed after `killMs`). */
export function runCli(
  args: string[],
  environment: Record<string, string>,
  options: { stdin?: string; killMs?: number } = {},
): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(BUN, [MAIN, ...args], {
      cwd: ROOT,
      env: environment,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.killMs ?? 90_000);
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? "");
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}
