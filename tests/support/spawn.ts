// A child process run to completion without blocking the test process. spawnSync would block it,
// and with it any server the test process itself runs (the s3rver emulator answers from inside the
// test process): a child that talks to that server would then wait for ever. Every child gets a
// timeout shorter than the test's.
import { spawn } from "node:child_process";

export interface Finished {
  /** Exit code, or null when the child was killed (by the timeout or a signal). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Killed (SIGKILL) after this long; default 60 s. */
  readonly timeout?: number;
  readonly input?: string;
}

export function spawnAsync(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: options.env as NodeJS.ProcessEnv | undefined,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout ?? 60_000);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
