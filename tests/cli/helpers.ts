// Runs the real entry point (`bun src/main.ts`, or a compiled binary) as a subprocess, capturing
// stdout as bytes, stderr as text, the exit code and the peak resident set (VmHWM).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const MAIN = join(ROOT, "src", "main.ts");
export const BUN = process.execPath;

export interface Result {
  code: number;
  /** The signal that killed the process, if one did. */
  signal: string | null;
  stdout: string;
  bytes: Uint8Array;
  stderr: string;
  /** Peak resident set of the process in bytes, when asked for (Linux only). */
  peakRss?: number;
  ms: number;
}

export interface RunOptions {
  env: Record<string, string>;
  /** stdin: bytes, a file path (opened as the process's stdin, like `< file`), or "ignore". */
  stdin?: Uint8Array | string | { file: string } | "ignore";
  cwd?: string;
  /** Command to run instead of `bun src/main.ts` (a compiled binary). */
  bin?: string;
  /** Measure VmHWM while the process runs. */
  measureRss?: boolean;
  /** Called with the pid once the process runs (to signal it). */
  onSpawn?: (proc: { pid: number; kill(sig: NodeJS.Signals): void }) => void;
  timeoutMs?: number;
}

export function cmdFor(bin: string | undefined): string[] {
  return bin === undefined ? [BUN, MAIN] : [bin];
}

export async function run(args: readonly string[], options: RunOptions): Promise<Result> {
  const started = performance.now();
  const stdin =
    options.stdin === undefined
      ? "ignore"
      : options.stdin === "ignore"
        ? "ignore"
        : typeof options.stdin === "object" && "file" in options.stdin
          ? Bun.file(options.stdin.file)
          : typeof options.stdin === "string"
            ? new TextEncoder().encode(options.stdin)
            : options.stdin;
  const proc = Bun.spawn([...cmdFor(options.bin), ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdin: stdin as never,
    stdout: "pipe",
    stderr: "pipe",
  });
  options.onSpawn?.({ pid: proc.pid, kill: (sig) => proc.kill(sig) });
  let peak = 0;
  let poll: ReturnType<typeof setInterval> | undefined;
  if (options.measureRss) {
    const sample = () => {
      const hwm = readHwm(proc.pid);
      if (hwm !== undefined) peak = Math.max(peak, hwm);
    };
    sample();
    poll = setInterval(sample, 20);
  }
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 90_000);
  const [bytes, stderr] = await Promise.all([
    new Response(proc.stdout).bytes(),
    new Response(proc.stderr).text(),
  ]);
  const code = await proc.exited;
  clearTimeout(timer);
  if (poll !== undefined) clearInterval(poll);
  const result: Result = {
    code,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
    stdout: new TextDecoder().decode(bytes),
    bytes,
    stderr,
    ms: performance.now() - started,
  };
  if (options.measureRss) result.peakRss = peak;
  return result;
}

/** VmHWM (peak resident set) of a live process, in bytes. */
export function readHwm(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** The stderr error line's code: exactly `mcp-s3: CODE: message` on the first line. */
export function errorCode(r: Result): string | undefined {
  return /^mcp-s3: ([A-Za-z]+): /.exec(r.stderr)?.[1];
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function tempDir(prefix = "mcp-s3-cli-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Builds the compiled binary once (bun build --compile), as a release does. */
export function buildBinary(outfile: string): void {
  const r = spawnSync(
    BUN,
    [
      "build",
      MAIN,
      "--compile",
      "--format=esm",
      "--minify",
      `--outfile=${outfile}`,
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`bun build --compile failed:\n${r.stdout}\n${r.stderr}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 20 ms until it returns true (or the timeout passes). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(20);
  }
  return false;
}
