// Runs one command and measures it: wall time in this process, peak RSS and CPU time with
// `/usr/bin/time -f "%M %U %S"`
// (ru_maxrss from wait4 of a process forked by the small `time` binary). Bun's own resourceUsage()
// cannot be used for RSS: Bun starts children with posix_spawn (vfork semantics), and the kernel
// carries the parent's high-water mark over exec into the child's ru_maxrss, so every child would
// look at least as big as this benchmark process. Without /usr/bin/time we fall back to polling
// VmHWM of the process tree in /proc (can miss a peak shorter than the poll interval).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

export const TIME_BIN = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

export interface RunSpec {
  argv: readonly string[];
  env: Record<string, string>;
  /** Feed this file to stdin (a plain file descriptor; use pipeIn() for a pipe). */
  stdinFile?: string;
  /** Send stdout to this file (else discarded). */
  stdoutFile?: string;
  timeoutMs?: number;
  /** Measure peak RSS (default true). Off for cold-start timing, to add no process in between. */
  rss?: boolean;
  /** Scratch directory for the RSS report file. */
  scratch: string;
}

export interface RunResult {
  wallMs: number;
  /** Peak RSS in bytes; undefined when not measured. */
  maxRssBytes: number | undefined;
  /** User + system CPU time (ms) of the command and its children; undefined when not measured. */
  cpuMs: number | undefined;
  code: number | null;
  stderr: string;
  timedOut: boolean;
}

let seq = 0;

export async function runTimed(spec: RunSpec): Promise<RunResult> {
  const stdin = spec.stdinFile === undefined ? "ignore" : Bun.file(spec.stdinFile);
  const stdout = spec.stdoutFile === undefined ? "ignore" : Bun.file(spec.stdoutFile);
  const wantRss = spec.rss ?? true;
  const rssFile = join(spec.scratch, `rss-${process.pid}-${seq++}`);
  const argv =
    wantRss && TIME_BIN !== undefined
      ? [TIME_BIN, "-f", "%M %U %S", "-o", rssFile, ...spec.argv]
      : [...spec.argv];
  let timedOut = false;
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { env: spec.env, stdin, stdout, stderr: "pipe" });
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, spec.timeoutMs ?? 900_000);
  let polled = 0;
  const poller =
    wantRss && TIME_BIN === undefined
      ? setInterval(() => {
          polled = Math.max(polled, treeHwm(proc.pid));
        }, 10)
      : undefined;
  const stderrP = new Response(proc.stderr).text();
  const code = await proc.exited;
  const wallMs = performance.now() - t0;
  clearTimeout(timer);
  if (poller !== undefined) clearInterval(poller);
  const stderr = await stderrP;
  let maxRssBytes: number | undefined;
  let cpuMs: number | undefined;
  if (wantRss && TIME_BIN !== undefined) {
    try {
      // "Command exited with non-zero status N" may come first; the numbers are on the last line.
      const [kb, user, sys] = (readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "")
        .split(" ")
        .map(Number);
      if (kb !== undefined && Number.isFinite(kb)) maxRssBytes = kb * 1024;
      if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuMs = (user + sys) * 1000;
      rmSync(rssFile, { force: true });
    } catch {
      // killed before time wrote it
    }
  } else if (wantRss) maxRssBytes = polled;
  return { wallMs, maxRssBytes, cpuMs, code: proc.signalCode === null ? code : null, stderr, timedOut };
}

/** Largest VmHWM (bytes) among pid and its descendants right now. */
export function treeHwm(pid: number): number {
  let max = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    max = Math.max(max, procStatusKb(p, "VmHWM") * 1024);
    for (const t of safeList(`/proc/${p}/task`)) {
      const kids = safeRead(`/proc/${p}/task/${t}/children`);
      for (const k of kids.split(" ")) if (k.trim() !== "") stack.push(Number(k));
    }
  }
  return max;
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM), 0 when unreadable. */
export function procStatusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(safeRead(`/proc/${pid}/status`));
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

function safeList(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

/** argv for `cat FILE | CMD...`: the tool reads a real pipe, as in `tar c | tool put -`. */
export function pipeIn(file: string, argv: readonly string[]): string[] {
  return ["/bin/bash", "-c", 'set -o pipefail; f="$1"; shift; cat "$f" | "$@"', "bash", file, ...argv];
}

/** argv for `CMD... | wc -c > COUNTFILE`: the tool writes a real pipe; wc counts what arrived. */
export function pipeOut(countFile: string, argv: readonly string[]): string[] {
  return [
    "/bin/bash",
    "-c",
    'set -o pipefail; f="$1"; shift; "$@" | wc -c > "$f"',
    "bash",
    countFile,
    ...argv,
  ];
}

export function fileSize(path: string): number | undefined {
  return existsSync(path) ? statSync(path).size : undefined;
}

/** Runs a short command and returns its stdout (for version probes). */
export function probe(argv: readonly string[], env?: Record<string, string>): string | undefined {
  try {
    const r = Bun.spawnSync([...argv], { stdout: "pipe", stderr: "pipe", ...(env ? { env } : {}) });
    if (r.exitCode !== 0) return undefined;
    return `${r.stdout.toString()}${r.stderr.toString()}`.trim();
  } catch {
    return undefined;
  }
}
