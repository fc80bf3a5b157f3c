// A throwaway single-node Ceph cluster with a RADOS Gateway, for tests, demos and benchmarks.
//
// One monitor, one OSD on the in-memory object store and one radosgw, all bound to 127.0.0.1 and
// living in a temporary directory. It uses only node: APIs so it runs under Bun, Deno and Node, as
// root or as an ordinary user. Needs the Debian packages radosgw, ceph-mon and ceph-osd (Ceph 16).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";

export interface RgwUser {
  accessKeyId: string;
  secretAccessKey: string;
  uid: string;
}

export interface RgwServer {
  endpoint: string;
  region: "us-east-1";
  users: [RgwUser, RgwUser];
  /** The cluster's temporary directory (config, data, logs); removed by stop(). */
  dir: string;
  stop(): Promise<void>;
  /** Synchronous stop, for process "exit" handlers where no event loop runs any more. */
  stopSync(): void;
}

export interface RgwOptions {
  /** Parent directory for the cluster's temporary directory (default: the OS temp dir). */
  dir?: string;
  /** Port for the S3 endpoint (default: a free one). Must lie outside the OSD range 6800-7300. */
  port?: number;
  /** Progress messages; silent by default. */
  log?: (s: string) => void;
}

// Deliberately fake keys: they must never look like real AWS keys (AKIA…/ASIA…), so secret
// scanners stay quiet and nobody mistakes them for credentials worth protecting.
export const RGW_TEST_USERS: readonly [RgwUser, RgwUser] = [
  {
    uid: "mcp-s3-test-1",
    accessKeyId: "MCPS3TESTUSER1KEY000",
    secretAccessKey: "mcps3-test-user-1-secret-not-a-real-key0",
  },
  {
    uid: "mcp-s3-test-2",
    accessKeyId: "MCPS3TESTUSER2KEY000",
    secretAccessKey: "mcps3-test-user-2-secret-not-a-real-key0",
  },
];

const DIR_PREFIX = "mcp-s3-rgw-";
const START_TIMEOUT_MS = 60_000;
const CLI_TIMEOUT_MS = 30_000;
const TERM_GRACE_MS = 5_000;
const KILL_GRACE_MS = 2_000;
const POLL_MS = 20;
// The OSD binds its messenger ports in this range; the S3 port must not collide with it.
const OSD_PORT_MIN = 6800;
const OSD_PORT_MAX = 7300;

/** True when the radosgw binary is on PATH (the other Ceph tools come with the same packages). */
export function isRgwInstalled(): boolean {
  return findExecutable("radosgw") !== undefined;
}

export function findExecutable(name: string): string | undefined {
  for (const d of (process.env.PATH ?? "").split(delimiter)) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export async function startRgw(opts: RgwOptions = {}): Promise<RgwServer> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const deadline = t0 + START_TIMEOUT_MS;
  const step = (s: string) => log(`[rgw] ${s} (+${((Date.now() - t0) / 1000).toFixed(2)}s)`);
  checkInstalled();
  if (opts.port !== undefined) checkPort(opts.port);
  const parent = opts.dir ?? tmpdir();
  reapStaleClusters(parent, log);

  const dir = mkdtempSync(join(parent, DIR_PREFIX));
  const cluster = new Cluster(dir, deadline);
  trackUntilStopped(cluster);
  try {
    const port = opts.port ?? (await freePort());
    const monPort = await freePort([port]);
    const conf = cluster.writeConfig(monPort, port);
    const osdUuid = randomUUID();
    // Everything that does not need a running monitor happens first, in parallel.
    await Promise.all([cluster.mkfsMon(conf, monPort), cluster.mkfsOsd(conf, osdUuid)]);
    cluster.spawnDaemon("mon", "ceph-mon", ["-c", conf, "-i", "a", "-f"]);
    // radosgw waits for the monitor and the OSD by itself; starting it now overlaps its own
    // start-up with the slow (Python) OSD registration below.
    cluster.spawnDaemon("rgw", "radosgw", ["-c", conf, "-n", "client.rgw", "-f"]);
    step("monitor and radosgw started");
    await cluster.registerOsd(conf, osdUuid);
    cluster.spawnDaemon("osd", "ceph-osd", ["-c", conf, "-i", "0", "-f"]);
    step("OSD started");
    const endpoint = `http://127.0.0.1:${port}`;
    await cluster.waitForHttp(endpoint);
    step(`S3 answering at ${endpoint}`);
    await Promise.all(RGW_TEST_USERS.map((u) => cluster.createUser(conf, u)));
    step("users created");
    const users: [RgwUser, RgwUser] = [{ ...RGW_TEST_USERS[0] }, { ...RGW_TEST_USERS[1] }];
    return {
      endpoint,
      region: "us-east-1",
      users,
      dir,
      stop: () => cluster.stop(),
      stopSync: () => cluster.stopSync(),
    };
  } catch (err) {
    const tails = cluster.logTails();
    cluster.stopSync();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`Ceph RGW failed to start: ${msg}\n${tails}`);
  }
}

// Runs one monitor command; prints its output, or its error and exits non-zero.
const OSD_NEW_PY = `
import sys, rados
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=30)
ret, out, err = c.mon_command(sys.argv[2], b"")
c.shutdown()
if ret != 0:
    sys.exit(f"mon command failed ({ret}): {err}")
print(out.decode())
`;

/** The Python interpreter of the ceph CLI (its #! line), which has the rados module. */
function cephPython(): string {
  const ceph = findExecutable("ceph");
  const first = ceph ? (readFileSync(ceph, "utf8").split("\n", 1)[0] ?? "") : "";
  const m = /^#!\s*(\S+)/.exec(first);
  return m?.[1] ?? "python3";
}

const REQUIRED_TOOLS = ["monmaptool", "ceph-mon", "ceph-osd", "ceph", "radosgw", "radosgw-admin"];

function checkInstalled(): void {
  const missing = REQUIRED_TOOLS.filter((t) => findExecutable(t) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `Ceph tools not found on PATH: ${missing.join(", ")} (Debian: apt-get install radosgw ceph-mon ceph-osd)`,
    );
  }
}

// Clusters not yet stopped, including ones still starting. Where the runtime runs "exit" hooks
// (node, deno, bun run; not bun test), this one stops them at once. The guardian below covers the
// rest: bun test, process.exit mid-start, death by a signal.
const live = new Set<Cluster>();
let exitHookInstalled = false;

function trackUntilStopped(cluster: Cluster): void {
  live.add(cluster);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of live) c.stopSync();
  });
}

export type DaemonName = "mon" | "osd" | "rgw";
type Daemon = { name: DaemonName; child: ChildProcess; error?: Error };
const STOP_ORDER: readonly DaemonName[] = ["rgw", "osd", "mon"];

class Cluster {
  // Every daemon we spawned: with the tools below, the only processes stop() may signal.
  private daemons: Daemon[] = [];
  // Set-up tools still running (they only run during start-up).
  private readonly tools = new Set<ChildProcess>();
  private readonly guardian: Guardian;
  private readonly fsid = randomUUID();

  constructor(
    readonly dir: string,
    private readonly deadline: number,
  ) {
    // The owner's PID lets a later run recognise this cluster as abandoned if even the guardian
    // was killed.
    writeFileSync(join(dir, "owner.pid"), `${process.pid}\n`);
    for (const sub of ["run", "log", "mon", "osd", "rgw", "crash"]) mkdirSync(join(dir, sub));
    this.guardian = startGuardian(dir);
  }

  writeConfig(monPort: number, rgwPort: number): string {
    const d = this.dir;
    const conf = join(d, "ceph.conf");
    writeFileSync(
      conf,
      `[global]
fsid = ${this.fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
# msgr v2 only; without "crc secure" clients loop on error -13 and never connect.
ms bind msgr1 = false
ms bind msgr2 = true
ms mon client mode = crc secure
# cephx off between daemons only; radosgw still enforces S3 request signatures.
auth cluster required = none
auth service required = none
auth client required = none
osd objectstore = memstore
# An upper bound, not an allocation: memstore holds only what is stored (default 1 GiB is tight
# for benchmarks).
memstore device bytes = 4294967296
osd pool default size = 1
osd pool default min size = 1
# Few PGs: faster peering, and no mgr runs to autoscale them anyway.
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon data avail crit = 0
mon warn on pool no redundancy = false
paxos propose interval = 0.01
paxos min wait = 0.001
# Fail in seconds, not the default 5 minutes, when the monitor is unreachable.
client mount timeout = 30
run dir = ${d}/run
admin socket = $run_dir/$name.asok
log file = ${d}/log/$name.log
mon cluster log file = ${d}/log/cluster.log
crash dir = ${d}/crash
[client]
# radosgw starts before the OSD is up, so its first requests have no target OSD; the objecter
# only asks for a newer OSD map on its tick (default 5 s), which made start-up take 1 s or 6 s
# at random.
objecter tick interval = 0.1
[mon.a]
mon data = ${d}/mon
[osd.0]
osd data = ${d}/osd
[client.rgw]
rgw data = ${d}/rgw
# tcp_nodelay: beast otherwise writes a response's head and body separately with Nagle on, and a small
# body waits for the client's delayed ACK: a 40 ms stall per small read on loopback (bench/NOTES.md §7).
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw thread pool size = 64
[client.admin]
# The CLI tools run concurrently; without this their admin sockets collide.
admin socket =
`,
    );
    return conf;
  }

  async mkfsMon(conf: string, monPort: number): Promise<void> {
    const monmap = join(this.dir, "monmap");
    const addr = `[v2:127.0.0.1:${monPort}]`;
    await this.runCli("monmaptool", [
      "-c",
      conf,
      "--create",
      "--fsid",
      this.fsid,
      "--addv",
      "a",
      addr,
      monmap,
    ]);
    await this.runCli("ceph-mon", ["-c", conf, "-i", "a", "--mkfs", "--monmap", monmap]);
  }

  /** --no-mon-config: without it mkfs waits for a monitor, which is not running yet. */
  async mkfsOsd(conf: string, uuid: string): Promise<void> {
    await this.runCli("ceph-osd", ["-c", conf, "-i", "0", "--mkfs", "--osd-uuid", uuid, "--no-mon-config"]);
  }

  /**
   * Adds osd.0 to the OSD map (the OSD refuses to boot otherwise); waits for the monitor. This
   * is "ceph osd new", but sent through librados directly: the ceph CLI first downloads and
   * parses every command description, which costs 0.3-1 s, the largest part of start-up.
   * The interpreter is the one the ceph CLI itself runs on, so the rados module is there.
   */
  async registerOsd(conf: string, uuid: string): Promise<void> {
    const python = cephPython();
    const cmd = JSON.stringify({ prefix: "osd new", uuid, id: 0 });
    const out = await this.runCli(python, ["-I", "-c", OSD_NEW_PY, conf, cmd]);
    if (out.trim() !== "0") throw new Error(`osd new returned ${JSON.stringify(out.trim())}, expected 0`);
  }

  async createUser(conf: string, u: RgwUser): Promise<void> {
    await this.runCli("radosgw-admin", [
      "-c",
      conf,
      "user",
      "create",
      `--uid=${u.uid}`,
      `--display-name=${u.uid}`,
      `--access-key=${u.accessKeyId}`,
      `--secret-key=${u.secretAccessKey}`,
    ]);
  }

  /** Polls the endpoint until any HTTP answer; radosgw only listens once its pools are ready. */
  async waitForHttp(endpoint: string): Promise<void> {
    for (;;) {
      this.assertDaemonsAlive();
      if (await httpAnswers(endpoint)) return;
      if (Date.now() > this.deadline) {
        throw new Error(`no HTTP answer from ${endpoint} within ${START_TIMEOUT_MS / 1000}s`);
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Runs a CLI tool within the start-up deadline, failing with the more useful message when a
   * daemon died meanwhile (the tool's own error would only say it could not connect).
   */
  private async runCli(cmd: string, args: string[]): Promise<string> {
    this.assertDaemonsAlive();
    try {
      const timeout = Math.max(1_000, Math.min(CLI_TIMEOUT_MS, this.deadline - Date.now()));
      return await runTool(cmd, args, timeout, this.tools);
    } finally {
      this.assertDaemonsAlive();
    }
  }

  private assertDaemonsAlive(): void {
    for (const d of this.daemons) {
      if (d.error) throw new Error(`${d.name} could not be started: ${d.error.message}`);
      if (!isAlive(d.child)) {
        const how = d.child.signalCode ?? `exit code ${d.child.exitCode ?? "?"}`;
        throw new Error(`${d.name} (pid ${d.child.pid}) died during start-up (${how})`);
      }
    }
  }

  spawnDaemon(name: DaemonName, cmd: string, args: string[]): void {
    // Daemon stdout/stderr go to a file: a pipe nobody reads could fill up and block the daemon.
    const out = openSync(join(this.dir, "log", `${name}.out`), "a");
    try {
      const child = spawn(cmd, args, { stdio: ["ignore", out, out], env: cephEnv() });
      // Record before anything can fail, so stop() always knows every PID we started.
      const daemon: Daemon = { name, child };
      this.daemons.push(daemon);
      if (child.pid !== undefined) this.guardian.watch(name, child.pid);
      child.on("error", (err) => {
        daemon.error = err;
      });
      // Do not keep the event loop alive: the owner decides the lifetime and stops us on exit.
      child.unref();
    } finally {
      closeSync(out);
    }
  }

  /** Daemons in stop order: rgw → osd → mon, so no daemon loses the one it depends on first. */
  private stopOrder(): Daemon[] {
    return STOP_ORDER.flatMap((n) => this.daemons.filter((d) => d.name === n));
  }

  // stop() and stopSync() are idempotent (they only signal live children), so an exit handler
  // may run stopSync() even while an awaited stop() was cut short.
  private killTools(): void {
    for (const t of this.tools) if (t.pid !== undefined) signal(t.pid, "SIGKILL");
  }

  // The guardian is dismissed last: if we die halfway through a stop, it finishes the job.
  async stop(): Promise<void> {
    this.killTools();
    for (const d of this.stopOrder()) await stopDaemon(d.child);
    this.removeDir();
    this.guardian.dismiss();
    live.delete(this);
  }

  stopSync(): void {
    this.killTools();
    for (const d of this.stopOrder()) stopDaemonSync(d.child);
    this.removeDir();
    this.guardian.dismiss();
    live.delete(this);
  }

  private removeDir(): void {
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover temp dir is harmless and reaped by the next run.
    }
  }

  /** The last lines of every daemon log, for start-up error messages. */
  logTails(lines = 15): string {
    const logDir = join(this.dir, "log");
    let names: string[];
    try {
      names = readdirSync(logDir).sort();
    } catch {
      return "";
    }
    const parts: string[] = [];
    for (const n of names) {
      const all = readFileSync(join(logDir, n), "utf8").trimEnd().split("\n");
      if (all.length === 1 && !all[0]) continue;
      const tail = all.slice(-lines);
      // Ceph logs errors at level -1; a crash dump afterwards can push them out of the tail.
      const errors = all
        .slice(0, -lines)
        .filter((l) => / -1 |ERROR/.test(l))
        .slice(-5);
      const shown = errors.length > 0 ? [...errors, "[...]", ...tail] : tail;
      parts.push(`--- ${n} (errors and last ${lines} lines) ---\n${shown.join("\n")}`);
    }
    return parts.join("\n");
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Environment for Ceph tools: CEPH_ARGS/CEPH_CONF from the caller's shell must not leak in. */
function cephEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CEPH_ARGS;
  delete env.CEPH_CONF;
  return env;
}

/** Runs a short-lived tool; `running` holds it meanwhile, so a stop can kill it too. */
function runTool(
  cmd: string,
  args: string[],
  timeoutMs: number,
  running: Set<ChildProcess>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { env: cephEnv(), timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        running.delete(child);
        if (!err) return resolve(String(stdout));
        const detail = String(stderr).trim().split("\n").slice(-10).join("\n");
        reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message.split("\n")[0]}\n${detail}`));
      },
    );
    running.add(child);
  });
}

/**
 * Whether a child still runs. A zombie counts as dead: in an "exit" handler nobody reaps children,
 * and signal 0 still succeeds on a zombie, so /proc is the only reliable answer there.
 */
function isAlive(child: ChildProcess): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  return pidAlive(child.pid);
}

function pidAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    if (existsSync("/proc/self/stat")) return false; // Linux: no entry means gone
    return signalAlive(pid);
  }
  // Format: "pid (comm) S ..."; comm may contain spaces and parentheses.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Fallback without /proc (not Linux): cannot tell zombies apart, but better than nothing. */
function signalAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !isAlive(child)) return;
  signal(pid, "SIGTERM");
  if (await waitDead(child, TERM_GRACE_MS)) return;
  signal(pid, "SIGKILL");
  await waitDead(child, KILL_GRACE_MS);
}

async function waitDead(child: ChildProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(child)) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function stopDaemonSync(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || !isAlive(child)) return;
  signal(pid, "SIGTERM");
  if (waitDeadSync(() => isAlive(child), TERM_GRACE_MS)) return;
  signal(pid, "SIGKILL");
  waitDeadSync(() => isAlive(child), KILL_GRACE_MS);
}

function waitDeadSync(alive: () => boolean, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (alive()) {
    if (Date.now() > deadline) return false;
    sleepSync(POLL_MS);
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------------------------
// Guardian

export interface Guardian {
  /** Stop this daemon too (names rgw, osd, mon; stopped in that order) if the owner dies. */
  watch(name: DaemonName, pid: number): void;
  /** The owner cleans up itself: the guardian ends without doing anything. */
  dismiss(): void;
}

// Waits for EOF on stdin, which comes when the owner process has exited, however it died (its
// end of the pipe closes with it); then stops the daemons it was told about, rgw → osd → mon,
// and removes the directory. A daemon is only signalled while its command line still names the
// directory, so a reused PID is never hit. It ignores SIGINT/SIGHUP: Ctrl-C and a closed
// terminal kill the owner, and that is exactly when the guardian has work to do.
const GUARDIAN_SH = `
trap '' INT HUP
rgw= osd= mon=
while read -r name pid; do
  case $name in rgw) rgw=$pid ;; osd) osd=$pid ;; mon) mon=$pid ;; esac
done
for pid in $rgw $osd $mon; do
  grep -qF -- "$1/" "/proc/$pid/cmdline" 2>/dev/null || continue
  kill -TERM "$pid" 2>/dev/null || continue
  i=0
  while [ $i -lt 100 ] && grep -qF -- "$1/" "/proc/$pid/cmdline" 2>/dev/null; do sleep 0.05; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
done
rm -rf -- "$1"
`;

/**
 * A small shell process that removes `dir`, and stops the daemons it is told about, once our
 * process is gone. Needed because bun test runs no process "exit" hooks, and nothing runs hooks
 * on SIGKILL (a CI timeout). Exported for the test harness's own temporary directories.
 */
export function startGuardian(dir: string): Guardian {
  const child = spawn("/bin/sh", ["-c", GUARDIAN_SH, "guardian", dir], {
    stdio: ["pipe", "ignore", "ignore"],
    // grep, sleep and rm must be found even when our PATH is minimal.
    env: { PATH: `/usr/bin:/bin:${process.env.PATH ?? ""}` },
    // Its own process group: a Ctrl-C to ours must not reach it (the trap covers sh itself,
    // this also covers its sleep and grep).
    detached: true,
  });
  child.on("error", () => {}); // no /bin/sh: cleanup then relies on exit hooks and reaping
  child.stdin?.on("error", () => {}); // EPIPE if it died; nothing to do
  // Neither the process nor its pipe may keep the owner's event loop alive.
  child.unref();
  (child.stdin as { unref?: () => void } | null)?.unref?.();
  return {
    watch(name, pid) {
      child.stdin?.write(`${name} ${pid}\n`);
    },
    dismiss() {
      if (child.pid === undefined || !isAlive(child)) return;
      signal(child.pid, "SIGKILL");
      // Brief, but callers may rely on "stopped" meaning no process of ours is left.
      waitDeadSync(() => isAlive(child), KILL_GRACE_MS);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Abandoned clusters

/**
 * Stops daemons and removes directories of clusters whose owner process died without stopping
 * them (SIGKILL, a CI timeout). Only processes whose command line names that directory are
 * touched, so a reused PID is never signalled.
 */
function reapStaleClusters(parent: string, log: (s: string) => void): void {
  if (!existsSync("/proc/self/cmdline")) return;
  let stale: string[];
  try {
    stale = readdirSync(parent)
      .filter((n) => n.startsWith(DIR_PREFIX))
      .map((n) => join(parent, n))
      .filter((d) => isAbandoned(d) && isWritable(d));
  } catch {
    return;
  }
  if (stale.length === 0) return;
  for (const { pid, cmdline } of listProcesses()) {
    if (stale.some((d) => cmdline.includes(`${d}/ceph.conf`))) {
      signal(pid, "SIGKILL");
      waitDeadSync(() => pidAlive(pid), KILL_GRACE_MS);
    }
  }
  for (const d of stale) {
    log(`[rgw] removing abandoned cluster ${d}`);
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // Someone else's leftovers are not worth failing a start for.
    }
  }
}

/** Another user's cluster in a shared temp dir is none of our business (and we could not kill it). */
function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function isAbandoned(dir: string): boolean {
  try {
    const owner = Number.parseInt(readFileSync(join(dir, "owner.pid"), "utf8"), 10);
    return Number.isInteger(owner) && owner !== process.pid && !pidAlive(owner);
  } catch {
    return false; // not ours, or still being created
  }
}

function listProcesses(): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      out.push({ pid: Number(e), cmdline: readFileSync(`/proc/${e}/cmdline`, "utf8").replaceAll("\0", " ") });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Network

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
  if (port >= OSD_PORT_MIN && port <= OSD_PORT_MAX) {
    throw new Error(`port ${port} lies in the OSD port range ${OSD_PORT_MIN}-${OSD_PORT_MAX}`);
  }
}

/** A currently free loopback port outside the OSD range (the kernel picks; we only filter). */
async function freePort(avoid: number[] = []): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port && !avoid.includes(port) && (port < OSD_PORT_MIN || port > OSD_PORT_MAX)) return port;
  }
  throw new Error("could not find a free port on 127.0.0.1");
}

/** True if anything answers HTTP at the endpoint, whatever the status. */
function httpAnswers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(endpoint, { method: "GET", agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
