// Side-by-side benchmark of mcp-s3 against aws-cli, rclone and s3cmd (issue #7).
//
//   bun bench/run.ts            full run (~15-20 min on 2 cores); writes bench/RESULTS.md
//   bun bench/run.ts --quick    every measure once with tiny sizes (CI smoke, well under a minute)
//
// Options: --out FILE (results file; default bench/RESULTS.md for a full run, none for --quick),
// --binary PATH (benchmark this mcp-s3 binary instead of building one, e.g. a scratch experiment),
// --only a,b (measure ids, see --list), --list, --keep (keep the temporary directory), --tmp DIR,
// --variant LABEL=PATH (repeatable: another mcp-s3 binary measured in the same run, as column
// "mcp-s3:LABEL" — A/B-test a change on a noisy machine), --runs-scale X (multiply run counts),
// --peers LIST (only these peers, e.g. "rclone" or "none").
//
// Everything runs in one process on one machine against one loopback Ceph RGW (scripts/rgw.ts),
// so the ratios between tools are meaningful even where absolute times are noise. Peers that are
// missing are reported with the command to install them; the run goes on without them.
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CopyObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isRgwInstalled, type RgwServer, startRgw } from "../scripts/rgw.ts";
import { BULK_OPS_FULL, BULK_OPS_QUICK, bulkOpsMeasures } from "./lib/bulk-ops.ts";
import { TREE_FULL, TREE_MEASURE_IDS, TREE_QUICK, treeMeasures } from "./lib/bulk-transfer.ts";
import { type HttpResults, measureHttp } from "./lib/http.ts";
import {
  callOk,
  connectServer,
  IDLE_MS,
  type McpResults,
  measureConcurrentReads,
  measureMcp,
  type ReadsResult,
} from "./lib/mcp.ts";
import { fileSize, pipeIn, pipeOut, probe, runTimed, TIME_BIN } from "./lib/proc.ts";
import { createBucket, deleteKey, objectSize, pool, rawClient, type S3Target } from "./lib/s3.ts";
import { fmtBytes, fmtMB, fmtMs, fmtRatio, median, spreadPct } from "./lib/stats.ts";
import {
  INSTALL_HINT,
  type MissingTool,
  mcpS3Tool,
  ourEnv,
  PEER_IDS,
  peerTools,
  type Tool,
  type ToolId,
} from "./lib/tools.ts";
import { startProxy } from "./proxy.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MiB = 1024 * 1024;
const BUCKET = "bench";

// ---------------------------------------------------------------------------------------------
// Plan

interface Plan {
  quick: boolean;
  coldRuns: number;
  lsRuns: number;
  lsDirs: number;
  keysPerDir: number;
  bigListRuns: number;
  mid: number;
  midRuns: number;
  big: number;
  bigRuns: number;
  cat: number;
  catRuns: number;
  mcpGet: number;
  /** Size of each read in the concurrent-reads memory measure (the get limit it runs with). */
  readsSize: number;
  readsLevels: number[];
  metaCalls: number;
  getCalls: number;
  mcpWarmup: number;
  /** HTTP: sequential calls for HTTP vs stdio; the fleet's clients and calls per client. */
  httpCalls: number;
  fleetClients: number;
  fleetCalls: number;
  cutLimit: number;
  warmup: number;
}

const FULL: Plan = {
  quick: false,
  coldRuns: 30,
  lsRuns: 15,
  lsDirs: 50,
  keysPerDir: 1000,
  bigListRuns: 5,
  mid: 100 * MiB,
  midRuns: 7,
  big: 1024 * MiB,
  bigRuns: 3,
  cat: 1 * MiB,
  catRuns: 15,
  mcpGet: 100 * 1024,
  readsSize: 10 * MiB,
  readsLevels: [1, 8, 16],
  metaCalls: 1000,
  getCalls: 300,
  mcpWarmup: 20,
  httpCalls: 500,
  fleetClients: 200,
  fleetCalls: 10,
  cutLimit: 10 * MiB,
  warmup: 1,
};

const QUICK: Plan = {
  quick: true,
  coldRuns: 1,
  lsRuns: 1,
  lsDirs: 4,
  keysPerDir: 50,
  bigListRuns: 1,
  mid: 2 * MiB,
  midRuns: 1,
  // Above mcp-s3's single-PUT threshold (16 MiB), so the multipart path runs too.
  big: 20 * MiB,
  bigRuns: 1,
  cat: 64 * 1024,
  catRuns: 1,
  mcpGet: 100 * 1024,
  readsSize: 1 * MiB,
  readsLevels: [1, 4],
  metaCalls: 10,
  getCalls: 5,
  mcpWarmup: 1,
  httpCalls: 5,
  fleetClients: 10,
  fleetCalls: 2,
  cutLimit: 1 * MiB,
  warmup: 0,
};

const sizeLabel = (n: number) =>
  n >= MiB ? `${n / MiB >= 1024 ? `${n / MiB / 1024} GiB` : `${n / MiB} MiB`}` : `${n / 1024} KiB`;

/** Ids for --only, in run order. */
const MEASURE_IDS = [
  "cold",
  "ls1k",
  "ls50k",
  "cat1m",
  "put-mid-file",
  "put-mid-stdin",
  "get-mid-file",
  "get-mid-stdout",
  "put-big-file",
  "put-big-stdin",
  "get-big-file",
  "get-big-stdout",
  "rm10k",
  "du50k",
  ...TREE_MEASURE_IDS,
  "mcp",
  "http",
  "mcp-reads",
  "cutoff",
];

// ---------------------------------------------------------------------------------------------
// Results

interface Sample {
  wallMs: number;
  rss: number | undefined;
  cpuMs: number | undefined;
}

interface ToolResult {
  samples: Sample[];
  rss: number | undefined;
  error: string | undefined;
  command: string[];
}

interface MeasureResult {
  id: string;
  title: string;
  bytes: number | undefined;
  runs: number;
  byTool: Map<ToolId, ToolResult>;
}

interface CutoffResult {
  scenario: string;
  objectBytes: number;
  limit: number;
  downBytes: number;
  upBytes: number;
  outcome: string;
  ok: boolean;
}

// ---------------------------------------------------------------------------------------------
// Context shared by the measures

interface Ctx {
  plan: Plan;
  work: string;
  rgw: RgwServer;
  target: S3Target;
  raw: S3Client;
  tools: Tool[];
  ours: Tool;
  garbage: number;
  log: (s: string) => void;
  srcFile: Map<number, string>;
  srcKey: Map<number, string>;
}

/** Reclaims deleted objects now: RGW keeps overwritten/deleted data for hours before its GC runs,
 * and the in-memory object store is capped (4 GiB in scripts/rgw.ts). */
function gcIfNeeded(ctx: Ctx, force = false): void {
  if (!force && ctx.garbage < 512 * MiB) return;
  execFileSync("radosgw-admin", ["-c", join(ctx.rgw.dir, "ceph.conf"), "gc", "process", "--include-all"], {
    stdio: "ignore",
    timeout: 120_000,
  });
  ctx.garbage = 0;
}

function redact(ctx: Ctx, argv: readonly string[]): string[] {
  return argv.map((a) =>
    a
      .replaceAll(ctx.work, "$TMP")
      .replaceAll(ctx.rgw.endpoint, "$ENDPOINT")
      .replaceAll(ctx.target.secretAccessKey, "$SECRET"),
  );
}

function countLines(path: string): number {
  const text = readFileSync(path, "utf8");
  let n = 0;
  for (const line of text.split("\n")) if (line.trim() !== "") n++;
  return n;
}

/** One invocation of one tool: what to run, and how to check and clean up afterwards. */
interface Step {
  argv: string[];
  stdoutFile?: string;
  /** Untimed set-up right before the run (seeding what it deletes). */
  prepare?: () => Promise<void>;
  verify?: () => Promise<string | undefined>;
  cleanup?: () => Promise<void>;
}

interface CliMeasure {
  id: string;
  title: string;
  runs: number;
  warmup: number;
  /** "timed": peak RSS of every run; "separate": one extra run for RSS, timed runs unwrapped. */
  rss: "timed" | "separate";
  bytes?: number;
  /** Fewer timed runs for the slow Python peers (aws-cli, s3cmd) where one run costs many seconds. */
  slowPeerRuns?: number;
  step(tool: Tool, run: number): Step;
}

const SLOW_PEERS: readonly ToolId[] = ["aws-cli", "s3cmd"];

function runsFor(m: CliMeasure, id: ToolId): number {
  return m.slowPeerRuns !== undefined && SLOW_PEERS.includes(id) ? Math.min(m.runs, m.slowPeerRuns) : m.runs;
}

async function runCliMeasure(ctx: Ctx, m: CliMeasure): Promise<MeasureResult> {
  const res: MeasureResult = { id: m.id, title: m.title, bytes: m.bytes, runs: m.runs, byTool: new Map() };
  for (const t of ctx.tools)
    res.byTool.set(t.id, { samples: [], rss: undefined, error: undefined, command: [] });
  const total = m.warmup + m.runs + (m.rss === "separate" ? 1 : 0);
  const t0 = performance.now();
  for (let round = 0; round < total; round++) {
    const warm = round < m.warmup;
    const rssOnly = m.rss === "separate" && round === total - 1;
    // Rotate the order every round so no tool always runs right after the same neighbour.
    const order = ctx.tools.map((_, i) => ctx.tools[(i + round) % ctx.tools.length] as Tool);
    for (const tool of order) {
      const tr = res.byTool.get(tool.id) as ToolResult;
      if (tr.error !== undefined) continue;
      if (!warm && !rssOnly && round - m.warmup >= runsFor(m, tool.id)) continue;
      const step = m.step(tool, round);
      if (tr.command.length === 0) tr.command = redact(ctx, step.argv);
      await step.prepare?.();
      const r = await runTimed({
        argv: step.argv,
        env: tool.env,
        scratch: ctx.work,
        rss: m.rss === "timed" || rssOnly,
        ...(step.stdoutFile === undefined ? {} : { stdoutFile: step.stdoutFile }),
      });
      let error: string | undefined;
      if (r.timedOut) error = "timed out";
      else if (r.code !== 0)
        error = `exit ${r.code}: ${r.stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`;
      else error = await step.verify?.();
      await step.cleanup?.();
      if (error !== undefined) {
        tr.error = error;
        ctx.log(`  ${m.id} ${tool.id}: FAILED ${error}`);
        continue;
      }
      if (rssOnly) tr.rss = r.maxRssBytes;
      else if (!warm) {
        tr.samples.push({ wallMs: r.wallMs, rss: r.maxRssBytes, cpuMs: r.cpuMs });
        if (m.rss === "timed") tr.rss = Math.max(tr.rss ?? 0, r.maxRssBytes ?? 0);
      }
    }
  }
  const line = ctx.tools
    .map((t) => {
      const tr = res.byTool.get(t.id) as ToolResult;
      return `${t.id} ${tr.error ? "FAIL" : fmtMs(median(tr.samples.map((s) => s.wallMs)))}`;
    })
    .join(", ");
  ctx.log(`  ${m.id}: ${line}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Measures

function cliMeasures(ctx: Ctx): CliMeasure[] {
  const p = ctx.plan;
  const w = ctx.work;
  const lsPrefix = "list/d01/";
  const out = (tool: Tool, what: string) => join(w, `out-${tool.id}-${what}`);
  const linesAtLeast = (file: string, n: number) => async () => {
    const got = countLines(file);
    rmSync(file, { force: true });
    return got >= n ? undefined : `listed ${got} lines, expected ${n}`;
  };
  const ms: CliMeasure[] = [
    {
      id: "cold",
      title: "cold start (`version`)",
      runs: p.coldRuns,
      slowPeerRuns: Math.ceil(p.coldRuns / 3),
      warmup: p.quick ? 0 : 2,
      rss: "separate",
      step: (t) => ({ argv: t.cmd.version() }),
    },
    {
      id: "ls1k",
      title: `ls of a prefix with ${p.keysPerDir.toLocaleString("en")} keys`,
      runs: p.lsRuns,
      slowPeerRuns: Math.ceil(p.lsRuns / 3),
      warmup: p.warmup,
      rss: "timed",
      step: (t) => {
        const f = out(t, "ls");
        return { argv: t.cmd.ls(BUCKET, lsPrefix), stdoutFile: f, verify: linesAtLeast(f, p.keysPerDir) };
      },
    },
    {
      id: "ls50k",
      title: `recursive ls of ${(p.lsDirs * p.keysPerDir).toLocaleString("en")} keys`,
      runs: p.bigListRuns,
      slowPeerRuns: 2,
      warmup: 0,
      rss: "timed",
      step: (t) => {
        const f = out(t, "lsr");
        return {
          argv: t.cmd.lsRecursive(BUCKET, "list/"),
          stdoutFile: f,
          verify: linesAtLeast(f, p.lsDirs * p.keysPerDir),
        };
      },
    },
    {
      id: "cat1m",
      title: `cat of a ${sizeLabel(p.cat)} object`,
      runs: p.catRuns,
      slowPeerRuns: Math.ceil(p.catRuns / 3),
      warmup: p.warmup,
      rss: "timed",
      bytes: p.cat,
      step: (t) => {
        const f = out(t, "cat");
        return { argv: t.cmd.cat(BUCKET, srcKey(ctx, p.cat)), stdoutFile: f, verify: sizeIs(f, p.cat) };
      },
    },
  ];
  for (const [size, runs, warmup] of [
    [p.mid, p.midRuns, p.warmup],
    [p.big, p.bigRuns, 0],
  ] as const) {
    const label = sizeLabel(size);
    const tag = size === p.mid ? "mid" : "big";
    ms.push(
      {
        id: `put-${tag}-file`,
        title: `put ${label} from a file`,
        runs,
        slowPeerRuns: size === p.mid ? Math.ceil(runs / 2) : 2,
        warmup,
        rss: "timed",
        bytes: size,
        step: (t) => putStep(ctx, t, size, false),
      },
      {
        id: `put-${tag}-stdin`,
        title: `put ${label} from stdin (pipe)`,
        runs,
        slowPeerRuns: size === p.mid ? Math.ceil(runs / 2) : 2,
        warmup,
        rss: "timed",
        bytes: size,
        step: (t) => putStep(ctx, t, size, true),
      },
      {
        id: `get-${tag}-file`,
        title: `get ${label} to a file`,
        runs,
        slowPeerRuns: size === p.mid ? Math.ceil(runs / 2) : 2,
        warmup,
        rss: "timed",
        bytes: size,
        step: (t) => {
          const f = out(t, "get");
          rmSync(f, { force: true });
          return {
            argv: t.cmd.getFile(BUCKET, srcKey(ctx, size), f),
            verify: sizeIs(f, size),
          };
        },
      },
      {
        id: `get-${tag}-stdout`,
        title: `get ${label} to stdout (pipe)`,
        runs,
        slowPeerRuns: size === p.mid ? Math.ceil(runs / 2) : 2,
        warmup,
        rss: "timed",
        bytes: size,
        step: (t) => {
          const f = out(t, "count");
          return {
            argv: pipeOut(f, t.cmd.getStdout(BUCKET, srcKey(ctx, size))),
            verify: async () => {
              const n = Number(readFileSync(f, "utf8").trim());
              rmSync(f, { force: true });
              return n === size ? undefined : `wrote ${n} bytes to stdout, expected ${size}`;
            },
          };
        },
      },
    );
  }
  ms.push(
    ...bulkOpsMeasures({
      plan: {
        quick: p.quick,
        ...(p.quick ? BULK_OPS_QUICK : BULK_OPS_FULL),
        duKeys: p.lsDirs * p.keysPerDir,
        duRuns: p.bigListRuns,
      },
      bucket: BUCKET,
      raw: ctx.raw,
      target: ctx.target,
      duPrefix: "list/",
      out,
      readText: (f) => {
        const text = readFileSync(f, "utf8");
        rmSync(f, { force: true });
        return text;
      },
      log: ctx.log,
    }),
    ...treeMeasures({
      plan: p.quick ? TREE_QUICK : TREE_FULL,
      bucket: BUCKET,
      raw: ctx.raw,
      target: ctx.target,
      work: w,
      deleted: (bytes) => {
        ctx.garbage += bytes;
        gcIfNeeded(ctx);
      },
      log: ctx.log,
    }),
  );
  return ms;
}

/** The text object of the concurrent-reads measure (its binary twin is srcKey). */
function textKey(size: number): string {
  return `text/${size}`;
}

function srcKey(ctx: Ctx, size: number): string {
  return ctx.srcKey.get(size) as string;
}

function sizeIs(file: string, size: number): () => Promise<string | undefined> {
  return async () => {
    const n = fileSize(file);
    rmSync(file, { force: true });
    return n === size ? undefined : `output has ${n ?? "no"} bytes, expected ${size}`;
  };
}

function putStep(ctx: Ctx, t: Tool, size: number, stdin: boolean): Step {
  const key = `put/${t.id}/${stdin ? "stdin" : "file"}`;
  const file = ctx.srcFile.get(size) as string;
  const argv = stdin ? pipeIn(file, t.cmd.putStdin(BUCKET, key)) : t.cmd.putFile(file, BUCKET, key);
  return {
    argv,
    verify: async () => {
      const n = await objectSize(ctx.raw, BUCKET, key);
      return n === size ? undefined : `stored ${n ?? "no"} bytes, expected ${size}`;
    },
    cleanup: async () => {
      // Deleted every time: rclone would otherwise skip an upload whose destination is identical.
      await deleteKey(ctx.raw, BUCKET, key).catch(() => {});
      ctx.garbage += size;
      gcIfNeeded(ctx);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Size-limit cut-off, measured on the wire

async function measureCutoff(ctx: Ctx): Promise<CutoffResult[]> {
  const p = ctx.plan;
  const port = Number(new URL(ctx.rgw.endpoint).port);
  const proxy = await startProxy(port);
  const limit = p.cutLimit;
  const big = p.big;
  const bigKey = srcKey(ctx, big);
  const env = {
    ...ourEnv({ ...ctx.target, endpoint: proxy.endpoint }, join(ctx.work, "home")),
    MCP_S3_MAX_GET_SIZE: String(limit),
  };
  const bin = ctx.ours.binary;
  const results: CutoffResult[] = [];
  const growKey = "grow/obj";
  const record = (scenario: string, outcome: string, ok: boolean) => {
    const c = proxy.counts();
    results.push({ scenario, objectBytes: big, limit, downBytes: c.down, upBytes: c.up, outcome, ok });
    ctx.log(`  cut-off: ${scenario}: ${fmtBytes(c.down)} from S3 (${outcome})`);
  };
  const cli = async (scenario: string, argv: string[]) => {
    proxy.reset();
    const r = await runTimed({ argv, env, scratch: ctx.work, rss: false, timeoutMs: 300_000 });
    const msg = r.stderr.trim().split("\n")[0]?.slice(0, 160) ?? "";
    record(scenario, `exit ${r.code}: ${msg}`, r.code === 3 && msg.includes("EntityTooLarge"));
  };
  const mcp = async (scenario: string, key: string) => {
    const { client } = await connectServer(bin, env);
    try {
      proxy.reset();
      let outcome: string;
      let ok = false;
      try {
        await callOk(client, "s3_get_object", { bucket: BUCKET, key });
        outcome = "returned the object";
      } catch (e) {
        outcome = (e as Error).message.slice(0, 200);
        ok = outcome.includes("EntityTooLarge");
      }
      record(scenario, outcome, ok);
    } finally {
      await client.close().catch(() => {});
    }
  };
  // The object really grows between mcp-s3's HEAD and its GET: the proxy holds the GET until a
  // server-side copy has replaced the small object with the big one.
  const grow = async (scenario: string, run: () => Promise<void>) => {
    await ctx.raw.send(
      new (await import("@aws-sdk/client-s3")).PutObjectCommand({
        Bucket: BUCKET,
        Key: growKey,
        Body: "small",
      }),
    );
    let swapped = false;
    proxy.onClientData = (chunk) => {
      if (swapped || !chunk.includes(`GET /${BUCKET}/${growKey}`)) return undefined;
      swapped = true;
      return ctx.raw
        .send(new CopyObjectCommand({ Bucket: BUCKET, Key: growKey, CopySource: `${BUCKET}/${bigKey}` }))
        .then(() => undefined);
    };
    try {
      await run();
    } finally {
      proxy.onClientData = undefined;
      await deleteKey(ctx.raw, BUCKET, growKey).catch(() => {});
      ctx.garbage += big;
      gcIfNeeded(ctx, true);
    }
    if (!swapped) ctx.log(`  cut-off: ${scenario}: the GET was never seen; scenario not exercised`);
  };
  try {
    const lim = sizeLabel(limit);
    const obj = sizeLabel(big);
    await cli(`CLI cat, ${obj} object, limit ${lim}`, [bin, "cat", `s3://${BUCKET}/${bigKey}`]);
    await cli(`CLI get to file, ${obj} object, limit ${lim}`, [
      bin,
      "get",
      `s3://${BUCKET}/${bigKey}`,
      join(ctx.work, "cutoff-out"),
    ]);
    await mcp(`MCP s3_get_object, ${obj} object, limit ${lim}`, bigKey);
    await grow(`CLI cat, object grows from 5 B to ${obj} between HEAD and GET`, () =>
      cli(`CLI cat, object grows from 5 B to ${obj} between HEAD and GET`, [
        bin,
        "cat",
        `s3://${BUCKET}/${growKey}`,
      ]),
    );
    await grow(`MCP s3_get_object, object grows to ${obj} between HEAD and GET`, () =>
      mcp(`MCP s3_get_object, object grows from 5 B to ${obj} between HEAD and GET`, growKey),
    );
  } finally {
    rmSync(join(ctx.work, "cutoff-out"), { force: true });
    await proxy.close();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Setup: data, seeding, binary

function makeFile(path: string, size: number): void {
  // A 16 MiB random block repeated: incompressible at any scale that matters here, and fast.
  const block = new Uint8Array(Math.min(size, 16 * MiB));
  for (let o = 0; o < block.length; o += 65536) crypto.getRandomValues(block.subarray(o, o + 65536));
  const fd = openSync(path, "w");
  try {
    for (let off = 0; off < size; off += block.length) {
      writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
  } finally {
    closeSync(fd);
  }
}

async function seed(ctx: Ctx, want: (id: string) => boolean): Promise<void> {
  const p = ctx.plan;
  const t = ctx.target;
  // Bun's native S3 client costs ~0.1 ms of CPU per PUT against the AWS SDK's ~1 ms; on 2 cores
  // that CPU is taken from RGW, so seeding 50k keys is about twice as fast with it.
  const bun = new Bun.S3Client({
    accessKeyId: t.accessKeyId,
    secretAccessKey: t.secretAccessKey,
    endpoint: t.endpoint,
    region: t.region,
    bucket: BUCKET,
  });
  const t0 = performance.now();
  const n = want("ls1k") || want("ls50k") || want("du50k") ? p.lsDirs * p.keysPerDir : 0;
  const pad = (x: number, w: number) => String(x).padStart(w, "0");
  await pool(n, 64, async (i) => {
    const key = `list/d${pad(Math.floor(i / p.keysPerDir), 2)}/k${pad(i % p.keysPerDir, 4)}`;
    await bun.write(key, "x");
  });
  ctx.log(`  seeded ${n.toLocaleString("en")} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const sizes = [
    [p.mcpGet, want("mcp")],
    [p.readsSize, want("mcp-reads")],
    [p.cat, want("cat1m") || want("mcp") || want("http")],
    [p.mid, MEASURE_IDS.some((id) => id.includes("-mid-") && want(id))],
    [p.big, want("cutoff") || MEASURE_IDS.some((id) => id.includes("-big-") && want(id))],
  ] as const;
  for (const [size, needed] of sizes) {
    if (!needed || ctx.srcKey.has(size)) continue;
    const file = join(ctx.work, `data-${size}`);
    makeFile(file, size);
    const key = `src/${size}`;
    await bun.write(key, Bun.file(file), { partSize: 16 * MiB, queueSize: 4 });
    const got = await objectSize(ctx.raw, BUCKET, key);
    if (got !== size) throw new Error(`seeding ${key}: stored ${got} bytes, expected ${size}`);
    ctx.srcFile.set(size, file);
    ctx.srcKey.set(size, key);
  }
  if (want("mcp-reads")) {
    // Text outside Latin-1 (held as UTF-16 by the server's runtime: its costliest kind of content).
    const line = `text for the concurrent-reads measure ✓ ${"x".repeat(60)}\n`;
    const text = Buffer.from(line.repeat(Math.ceil(p.readsSize / line.length))).subarray(0, p.readsSize);
    text.fill(0x2e, p.readsSize - 8);
    await bun.write(textKey(p.readsSize), text, { type: "text/plain; charset=utf-8" });
  }
  ctx.log(`  seeded source objects in ${((performance.now() - t0) / 1000).toFixed(1)} s total`);
}

async function buildOurs(work: string, log: (s: string) => void): Promise<{ path: string; command: string }> {
  const outfile = join(work, "mcp-s3");
  const t0 = performance.now();
  try {
    const { buildBinary } = await import("../scripts/build.ts");
    const path = await buildBinary({ outfile, bytecode: true });
    log(`  built ${path} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return {
      path,
      command: "bun scripts/build.ts --outfile $TMP/mcp-s3  (bun build --compile --minify --bytecode)",
    };
  } catch (e) {
    if (!String((e as Error).message).includes("Cannot find module")) throw e;
    const args = [
      "build",
      "src/main.ts",
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      `--outfile=${outfile}`,
    ];
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
    return { path: outfile, command: `bun ${args.join(" ").replace(work, "$TMP")}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Report

interface Report {
  plan: Plan;
  started: Date;
  finished: Date;
  machine: string[];
  versions: string[];
  missing: MissingTool[];
  build: string;
  measures: MeasureResult[];
  mcp: Map<ToolId, McpResults | { error: string }>;
  http: HttpResults | { error: string } | undefined;
  reads: Map<ToolId, ReadsResult | { error: string }>;
  cutoff: CutoffResult[] | { error: string };
  toolIds: ToolId[];
}

function machineInfo(): string[] {
  const cpuModel = (() => {
    try {
      const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
      return m?.[1] ?? cpus()[0]?.model ?? "unknown";
    } catch {
      return cpus()[0]?.model ?? "unknown";
    }
  })();
  const nproc = probe(["nproc"]) ?? String(cpus().length);
  const free =
    probe(["free", "-m"]) ??
    `total ${(totalmem() / MiB).toFixed(0)} MiB, free ${(freemem() / MiB).toFixed(0)} MiB`;
  const uname = probe(["uname", "-srm"]) ?? process.platform;
  return [
    `CPU: ${cpuModel} × ${cpus().length} (nproc ${nproc})`,
    `Kernel: ${uname}`,
    "Memory (`free -m`):",
    "```",
    free,
    "```",
  ];
}

interface Row {
  id: string;
  title: string;
  cells: Map<
    ToolId,
    { wall: number; spread: number; rss: number | undefined; cpu: number | undefined; n: number } | string
  >;
}

function rows(measures: MeasureResult[], ids: ToolId[]): Row[] {
  return measures.map((m) => {
    const cells: Row["cells"] = new Map();
    for (const id of ids) {
      const tr = m.byTool.get(id);
      if (tr === undefined) continue;
      if (tr.error !== undefined) cells.set(id, `FAIL: ${tr.error}`);
      else {
        const walls = tr.samples.map((s) => s.wallMs);
        const cpus = tr.samples.map((s) => s.cpuMs).filter((x): x is number => x !== undefined);
        cells.set(id, {
          wall: median(walls),
          spread: spreadPct(walls),
          rss: tr.rss,
          cpu: cpus.length > 0 ? median(cpus) : undefined,
          n: walls.length,
        });
      }
    }
    return { id: m.id, title: m.title, cells };
  });
}

function ratioTo(row: Row, peer: ToolId | "best", us: ToolId = "mcp-s3"): number {
  const ours = row.cells.get(us);
  if (ours === undefined || typeof ours === "string") return Number.NaN;
  const peers = (peer === "best" ? PEER_IDS : [peer])
    .map((id) => row.cells.get(id))
    .filter((c): c is Exclude<typeof c, string | undefined> => c !== undefined && typeof c !== "string")
    .map((c) => c.wall);
  if (peers.length === 0) return Number.NaN;
  return ours.wall / Math.min(...peers);
}

function throughput(bytes: number | undefined, ms: number): string {
  if (bytes === undefined || bytes < MiB) return "";
  return ` (${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s)`;
}

function cellText(
  c: Row["cells"] extends Map<ToolId, infer V> ? V | undefined : never,
  bytes?: number,
  runs?: number,
): string {
  if (c === undefined) return "n/a";
  const nNote = typeof c !== "string" && runs !== undefined && c.n !== runs ? ` (n=${c.n})` : "";
  if (typeof c === "string") return c.length > 60 ? `${c.slice(0, 57)}…` : c;
  return `${fmtMs(c.wall)} ±${c.spread.toFixed(0)}%${throughput(bytes, c.wall)}${nNote}`;
}

function renderTables(r: Report): string {
  const ids = r.toolIds;
  const rs = rows(r.measures, ids);
  const byId = new Map(r.measures.map((m) => [m.id, m]));
  const variants = ids.filter((id) => id.startsWith("mcp-s3:"));
  const out: string[] = [];
  out.push(
    `| measure | ${ids.join(" | ")} | mcp-s3 / rclone | mcp-s3 / best peer |${variants.map((v) => ` ${v} / mcp-s3 |`).join("")}`,
  );
  out.push(`|---|${ids.map(() => "---:").join("|")}|---:|---:|${variants.map(() => "---:|").join("")}`);
  for (const row of rs) {
    const m = byId.get(row.id);
    const vr = variants.map((v) => ` ${fmtRatio(ratioTo(row, "mcp-s3", v))} |`).join("");
    out.push(
      `| ${row.title} (n=${m?.runs}) | ${ids.map((id) => cellText(row.cells.get(id), m?.bytes, m?.runs)).join(" | ")} | ${fmtRatio(ratioTo(row, "rclone"))} | ${fmtRatio(ratioTo(row, "best"))} |${vr}`,
    );
  }
  out.push("");
  out.push(
    "Peak RSS (max over the timed runs; for cold start, one extra run) / median CPU time (user + system; " +
      "far less sensitive to other load on the machine than wall time):",
  );
  out.push("");
  out.push(`| measure | ${ids.join(" | ")} |`);
  out.push(`|---|${ids.map(() => "---:").join("|")}|`);
  for (const row of rs) {
    out.push(
      `| ${row.title} | ${ids
        .map((id) => {
          const c = row.cells.get(id);
          if (c === undefined) return "n/a";
          if (typeof c === "string") return "FAIL";
          return c.cpu === undefined ? fmtMB(c.rss) : `${fmtMB(c.rss)} / ${fmtMs(c.cpu)}`;
        })
        .join(" | ")} |`,
    );
  }
  return out.join("\n");
}

function renderMcp(r: Report): string {
  if (r.mcp.size === 0) return "MCP measures skipped.";
  const out = [
    "| server | call | n | MCP p50 | MCP p99 | direct SDK p50 | direct SDK p99 | overhead p50 | overhead p99 |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const notes: string[] = [];
  for (const [id, m] of r.mcp) {
    if ("error" in m) {
      out.push(`| ${id} | FAILED: ${m.error.split("\n")[0]?.replaceAll("|", "/")} | | | | | | | |`);
      continue;
    }
    const line = (name: string, x: McpResults["meta"]) =>
      `| ${id} | ${name} | ${x.mcp.n} | ${fmtMs(x.mcp.p50)} | ${fmtMs(x.mcp.p99)} | ${fmtMs(x.raw.p50)} | ${fmtMs(x.raw.p99)} | ${fmtMs(x.mcp.p50 - x.raw.p50)} | ${fmtMs(x.mcp.p99 - x.raw.p99)} |`;
    out.push(line("s3_get_object_metadata vs HeadObject", m.meta));
    out.push(line(`s3_get_object ${sizeLabel(r.plan.mcpGet)} vs GetObject`, m.get));
    out.push(line(`s3_get_object ${sizeLabel(r.plan.mcpGet)} vs HeadObject + GetObject`, m.getChecked));
    notes.push(
      `${id}: server start to initialize answered ${fmtMs(m.initMs)}; RSS ${fmtMB(m.rssAfterStartBytes)} idle ${IDLE_MS / 1000} s after start, ` +
        `${fmtMB(m.rssAfterCallsBytes)} idle ${IDLE_MS / 1000} s after ${m.calls.toLocaleString("en")} calls (peak ${fmtMB(m.hwmBytes)}).`,
    );
  }
  return [...out, "", ...notes].join("\n");
}

function renderHttp(r: Report): string {
  const h = r.http;
  if (h === undefined) return "HTTP measures skipped.";
  if ("error" in h) return `FAILED: ${h.error.split("\n")[0]}`;
  const { single, fleet } = h;
  const row = (name: string, x: { n: number; p50: number; p99: number }) =>
    `| ${name} | ${x.n} | ${fmtMs(x.p50)} | ${fmtMs(x.p99)} |`;
  return [
    "| transport | n | p50 | p99 |",
    "|---|---:|---:|---:|",
    row("stdio (s3_get_object_metadata)", single.stdio),
    row("Streamable HTTP (s3_get_object_metadata)", single.http),
    "",
    `${fleet.clients} concurrent clients over ${fleet.processes} \`serve --http\` processes, ${fleet.calls.toLocaleString("en")} calls ` +
      `(${fleet.calls / fleet.clients} each): ${fleet.callsPerSecond.toFixed(0)} calls/s, p50 ${fmtMs(fleet.latency.p50)}, ` +
      `p99 ${fmtMs(fleet.latency.p99)}, ${fleet.errors} error(s)${fleet.firstError === undefined ? "" : ` (first: ${fleet.firstError})`}; ` +
      `peak RSS per process ${fleet.peakRssBytes.map(fmtMB).join(", ")}.`,
  ].join("\n");
}

function renderReads(r: Report): string {
  if (r.reads.size === 0) return "Concurrent-reads measure skipped.";
  const out = [
    "| server | concurrent reads | peak RSS (VmHWM) | wall | MiB/s |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const [id, m] of r.reads) {
    if ("error" in m) {
      out.push(`| ${id} | FAILED: ${m.error.split("\n")[0]?.replaceAll("|", "/")} | | | |`);
      continue;
    }
    for (const l of m.levels) {
      const mibs = (l.concurrent * m.size) / MiB / (l.wallMs / 1000);
      out.push(
        `| ${id} | ${l.concurrent} × ${sizeLabel(m.size)} | ${fmtMB(l.peakBytes)} | ${fmtMs(l.wallMs)} | ${mibs.toFixed(0)} |`,
      );
    }
  }
  return out.join("\n");
}

function renderCutoff(r: Report): string {
  if ("error" in r.cutoff) return `Cut-off measure FAILED: ${r.cutoff.error}`;
  return [
    "| scenario | refused with EntityTooLarge | bytes S3 → mcp-s3 (on the wire) | bytes mcp-s3 → S3 | outcome |",
    "|---|:---:|---:|---:|---|",
    ...r.cutoff.map(
      (c) =>
        `| ${c.scenario} | ${c.ok ? "yes" : "**no**"} | ${c.downBytes.toLocaleString("en")} (${fmtBytes(c.downBytes)}) | ${c.upBytes.toLocaleString("en")} | ${c.outcome.replaceAll("|", "/")} |`,
    ),
  ].join("\n");
}

interface Target {
  name: string;
  value: string;
  met: boolean | undefined;
}

function targets(r: Report): Target[] {
  const rs = rows(r.measures, r.toolIds);
  const row = (id: string) => rs.find((x) => x.id === id);
  const out: Target[] = [];
  const ratioTarget = (name: string, id: string, peer: ToolId, limit: number) => {
    const x = row(id);
    const ratio = x === undefined ? Number.NaN : ratioTo(x, peer);
    out.push({ name, value: fmtRatio(ratio), met: Number.isFinite(ratio) ? ratio <= limit : undefined });
  };
  ratioTarget("cold start ≤ 0.6× rclone", "cold", "rclone", 0.6);
  ratioTarget("cold start ≤ 0.1× aws-cli", "cold", "aws-cli", 0.1);
  ratioTarget(`ls ${r.plan.keysPerDir} keys ≤ 1.0× rclone`, "ls1k", "rclone", 1.0);
  for (const id of ["put-mid-file", "put-mid-stdin", "get-mid-file", "get-mid-stdout"]) {
    const x = row(id);
    const ratio = x === undefined ? Number.NaN : ratioTo(x, "rclone");
    out.push({
      name: `${x?.title ?? id}: throughput ≥ 1.0× rclone (time ratio ≤ 1.0)`,
      value: Number.isFinite(ratio) ? `${(1 / ratio).toFixed(2)}× rclone's throughput` : "–",
      met: Number.isFinite(ratio) ? ratio <= 1.0 : undefined,
    });
  }
  ratioTarget("recursive listing ≤ 1.0× rclone wall", "ls50k", "rclone", 1.0);
  const big = row("ls50k")?.cells.get("mcp-s3");
  out.push({
    name: "recursive listing ≤ 150 MB RSS",
    value: big === undefined || typeof big === "string" ? "–" : fmtMB(big.rss),
    met:
      big === undefined || typeof big === "string"
        ? undefined
        : (big.rss ?? Number.POSITIVE_INFINITY) <= 150 * MiB,
  });
  for (const id of ["rm10k", "du50k", ...TREE_MEASURE_IDS]) {
    const x = row(id);
    const ratio = x === undefined ? Number.NaN : ratioTo(x, "best");
    out.push({
      name: `${x?.title ?? id} ≤ 1.0× the best peer's wall time`,
      value: fmtRatio(ratio),
      met: Number.isFinite(ratio) ? ratio <= 1.0 : undefined,
    });
    const cell = x?.cells.get("mcp-s3");
    out.push({
      name: `${x?.title ?? id} ≤ 150 MB RSS`,
      value: cell === undefined || typeof cell === "string" ? "–" : fmtMB(cell.rss),
      met:
        cell === undefined || typeof cell === "string"
          ? undefined
          : (cell.rss ?? Number.POSITIVE_INFINITY) <= 150 * MiB,
    });
  }
  const reads = r.reads.get("mcp-s3");
  const most = reads === undefined || "error" in reads ? undefined : reads.levels.at(-1);
  out.push({
    name: `${most?.concurrent ?? 16} concurrent ${sizeLabel(r.plan.readsSize)} MCP reads: peak RSS < 256 MiB (SPEC §3)`,
    value: most === undefined ? "–" : fmtMB(most.peakBytes),
    met: most === undefined ? undefined : most.peakBytes < 256 * MiB,
  });
  const m = r.mcp.get("mcp-s3");
  if (m === undefined || "error" in m) {
    out.push({ name: "MCP call overhead ≤ 1 ms p50", value: "–", met: undefined });
    out.push({ name: "idle RSS ≤ 60 MB", value: "–", met: undefined });
  } else {
    const oh = m.meta.mcp.p50 - m.meta.raw.p50;
    const oh2 = m.get.mcp.p50 - m.get.raw.p50;
    out.push({ name: "MCP overhead ≤ 1 ms p50 (metadata)", value: fmtMs(oh), met: oh <= 1 });
    out.push({
      name: `MCP overhead ≤ 1 ms p50 (get ${sizeLabel(r.plan.mcpGet)})`,
      value: fmtMs(oh2),
      met: oh2 <= 1,
    });
    // The same target measured against the S3 calls a size-limited read must make (HEAD + GET).
    const oh3 = m.getChecked.mcp.p50 - m.getChecked.raw.p50;
    out.push({
      name: `MCP overhead ≤ 1 ms p50 (get ${sizeLabel(r.plan.mcpGet)}, over HEAD + GET)`,
      value: fmtMs(oh3),
      met: oh3 <= 1,
    });
    const idle = Math.max(m.rssAfterStartBytes, m.rssAfterCallsBytes);
    out.push({
      name: "idle RSS ≤ 60 MB (after start and after the calls)",
      value: `${fmtMB(m.rssAfterStartBytes)} / ${fmtMB(m.rssAfterCallsBytes)}`,
      met: idle <= 60 * MiB,
    });
  }
  return out;
}

function renderTargets(r: Report): string {
  return [
    "| target | measured | met |",
    "|---|---:|:---:|",
    ...targets(r).map(
      (t) => `| ${t.name} | ${t.value} | ${t.met === undefined ? "n/a" : t.met ? "yes" : "**no**"} |`,
    ),
  ].join("\n");
}

function renderCommands(r: Report): string {
  const out: string[] = [];
  for (const m of r.measures) {
    out.push(`- ${m.title}:`);
    for (const id of r.toolIds) {
      const tr = m.byTool.get(id);
      if (tr !== undefined && tr.command.length > 0) out.push(`  - ${id}: \`${tr.command.join(" ")}\``);
    }
  }
  return out.join("\n");
}

function renderMarkdown(r: Report): string {
  const minutes = ((r.finished.getTime() - r.started.getTime()) / 60000).toFixed(1);
  return `# mcp-s3 benchmark results

Generated by \`npm run bench\` (\`bun bench/run.ts${r.plan.quick ? " --quick" : ""}\`) in one run on ${r.started.toISOString()}
(${minutes} min). All tools ran one after another, in rotating order, against the same loopback
Ceph RGW (scripts/rgw.ts, in-memory object store) on the same machine. Absolute times on a
shared machine are noise; **the ratios within this one run are the result.** Cells show the
median wall time and ±half the min–max range over n runs (after ${r.plan.warmup} warm-up run(s)
for the short measures); MiB/s is size / median wall time.

## Machine

${r.machine.join("\n")}

Load average at start / end: ${loadStart} / ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}

## Tools

${r.versions.map((v) => `- ${v}`).join("\n")}
${r.missing.map((m) => `- ${m.id}: MISSING (${m.reason}); install with \`${INSTALL_HINT}\``).join("\n")}

Build: \`${r.build}\`

## Wall time (median ±spread) and ratios

Ratios are mcp-s3's median wall time over the peer's: below 1.0 means mcp-s3 is faster.

${renderTables(r)}

## MCP over stdio vs the same call made directly with @aws-sdk/client-s3

Every MCP \`tools/call\` (SDK \`Client\` + \`StdioClientTransport\`, sequential) alternates with the
direct SDK call from the benchmark process, so both see the same machine state.

${renderMcp(r)}

## MCP over HTTP vs stdio, and 200 concurrent clients on two processes

One SDK client over Streamable HTTP (\`serve --http\`, stateless) and one over stdio call in
alternation; then a fleet of SDK clients, spread round-robin over two server processes, all
call at once (each client sequentially). Every process holds its own S3 connection pool.

${renderHttp(r)}
## Peak memory under concurrent MCP reads

A fresh server (default read policy: read-only, get limit = the read size) per level; that many
\`s3_get_object\` calls at once, half a binary object and half a non-Latin-1 text object, every result
checked; the server's VmHWM afterwards. SPEC §3: 16 concurrent maximum-size reads in 256 MiB.

${renderReads(r)}

## Size-limit cut-off: bytes actually fetched from S3

A counting TCP proxy (bench/proxy.ts) sits between mcp-s3 and RGW and counts the bytes the
server sent that mcp-s3's socket accepted (headers included), with back-pressure.

${renderCutoff(r)}

## Targets

${renderTargets(r)}

${notes()}## Exact commands

\`$TMP\` is the run's temporary directory, \`$ENDPOINT\` the RGW endpoint. mcp-s3 gets its
connection from the environment (S3_ENDPOINT, S3_USE_PATH_STYLE=true, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION, MCP_S3_EXT_READONLY=false, MCP_S3_MAX_GET_SIZE=2GiB,
MCP_S3_MAX_PUT_SIZE=2GiB); rclone, aws-cli and s3cmd from temporary config files (path style,
custom endpoint), all with HOME set to an empty temporary directory. Peak RSS:
${TIME_BIN === undefined ? "polled VmHWM of the process tree (no /usr/bin/time)" : '`/usr/bin/time -f "%M %U %S"` around the command'}.
Stdin measures run \`cat FILE | tool …\`; stdout measures run \`tool … | wc -c\` (bash, pipefail).

${renderCommands(r)}
`;
}

let loadStart = "";

/** Formats a results file the way `npm run lint` (biome) expects, so a fresh RESULTS.md passes lint. */
function formatMarkdown(path: string): void {
  const biome = join(ROOT, "node_modules", ".bin", "biome");
  try {
    execFileSync(biome, ["format", "--write", path], { cwd: ROOT, stdio: "ignore" });
  } catch {
    // biome missing or the file is outside the project: leave it unformatted
  }
}

/** bench/NOTES.md (analysis of the misses and measured fixes, written by hand) goes into the results. */
function notes(): string {
  const path = join(ROOT, "bench", "NOTES.md");
  try {
    return `${readFileSync(path, "utf8")
      .trim()
      .replace(/^# .*\n+/, "")}\n\n`;
  } catch {
    return "";
  }
}

/** Notes uncommitted source changes, so a result is never attributed to the wrong commit. */
function srcDirty(): string {
  const st = probe(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "package.json"]);
  return st === undefined || st === "" ? "" : ", built from a working tree with uncommitted changes in src/";
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      binary: { type: "string" },
      only: { type: "string" },
      list: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      tmp: { type: "string" },
      variant: { type: "string", multiple: true },
      peers: { type: "string" },
      "runs-scale": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), "utf8")
        .split("\n")
        .slice(0, 12)
        .join("\n"),
    );
    return 0;
  }
  const scale = values["runs-scale"] === undefined ? 1 : Number(values["runs-scale"]);
  if (!(scale > 0)) throw new Error("--runs-scale must be a positive number");
  const base = values.quick ? QUICK : FULL;
  const plan: Plan = {
    ...base,
    coldRuns: Math.max(1, Math.round(base.coldRuns * scale)),
    lsRuns: Math.max(1, Math.round(base.lsRuns * scale)),
    bigListRuns: Math.max(1, Math.round(base.bigListRuns * scale)),
    midRuns: Math.max(1, Math.round(base.midRuns * scale)),
    bigRuns: Math.max(1, Math.round(base.bigRuns * scale)),
    catRuns: Math.max(1, Math.round(base.catRuns * scale)),
    metaCalls: Math.max(1, Math.round(base.metaCalls * scale)),
    getCalls: Math.max(1, Math.round(base.getCalls * scale)),
  };
  const variants = (values.variant ?? []).map((v) => {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new Error(`--variant ${v}: expected LABEL=PATH`);
    return { label: v.slice(0, eq), path: resolve(v.slice(eq + 1)) };
  });
  if (values.list) {
    console.log(MEASURE_IDS.join("\n"));
    return 0;
  }
  const started = new Date();
  loadStart = loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
  const log = (s: string) => console.error(s);
  const only = values.only?.split(",").map((s) => s.trim());
  const want = (id: string) => only === undefined || only.includes(id);

  if (TIME_BIN === undefined) {
    log("bench: /usr/bin/time not found; peak RSS falls back to polling /proc (apt-get install -y time)");
  }
  if (!isRgwInstalled()) {
    console.error(
      "bench: radosgw is not installed: apt-get update && apt-get install -y radosgw ceph-mon ceph-osd",
    );
    return 1;
  }
  const work = mkdtempSync(join(values.tmp ?? tmpdir(), "mcp-s3-bench-"));
  mkdirSync(join(work, "home"), { recursive: true });
  log(`bench: ${plan.quick ? "quick" : "full"} run, work dir ${work}`);
  log("bench: starting RGW");
  const rgw = await startRgw({ log });
  const cleanup = () => {
    rgw.stopSync();
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    const u = rgw.users[0];
    const target: S3Target = {
      endpoint: rgw.endpoint,
      accessKeyId: u.accessKeyId,
      secretAccessKey: u.secretAccessKey,
      region: rgw.region,
    };
    const raw = rawClient(target);
    await createBucket(raw, BUCKET);

    log("bench: building mcp-s3 and seeding data (in parallel)");
    const ctx: Ctx = {
      plan,
      work,
      rgw,
      target,
      raw,
      tools: [],
      ours: undefined as unknown as Tool,
      garbage: 0,
      log,
      srcFile: new Map(),
      srcKey: new Map(),
    };
    const [built] = await Promise.all([
      values.binary === undefined
        ? buildOurs(work, log)
        : Promise.resolve({ path: resolve(values.binary), command: `(given) ${values.binary}` }),
      seed(ctx, want),
    ]);
    const home = join(work, "home");
    ctx.ours = mcpS3Tool(built.path, target, home);
    const peers = peerTools(target, work);
    if (values.peers !== undefined) {
      const keep = values.peers.split(",").map((x) => x.trim());
      peers.tools = peers.tools.filter((t) => keep.includes(t.id));
    }
    const extra = variants.map((v) => mcpS3Tool(v.path, target, home, v.label));
    ctx.tools = [ctx.ours, ...extra, ...peers.tools];
    for (const m of peers.missing) log(`bench: peer ${m.id} missing (${m.reason}); install: ${INSTALL_HINT}`);
    const versions = [
      `mcp-s3: ${ctx.ours.version} (${built.path.replace(work, "$TMP")})${srcDirty()}`,
      ...extra.map((t) => `${t.id}: ${t.version} (${t.binary})`),
      ...peers.tools.map((t) => `${t.id}: ${t.version} (${t.binary})`),
      `bench runner: bun ${Bun.version}`,
      `ceph: ${probe(["ceph", "--version"])?.split(" (")[0] ?? "?"}`,
    ];

    const all = cliMeasures(ctx);
    const measures: MeasureResult[] = [];
    for (const m of all) {
      if (!want(m.id)) continue;
      log(`bench: ${m.title}`);
      measures.push(await runCliMeasure(ctx, m));
    }
    gcIfNeeded(ctx, true);

    const mcp: Report["mcp"] = new Map();
    if (want("mcp")) {
      for (const tool of ctx.tools.filter((t) => t.id.startsWith("mcp-s3"))) {
        log(`bench: MCP tools/call latency and idle RSS (${tool.id})`);
        try {
          const r = await measureMcp({
            binary: tool.binary,
            env: tool.env,
            bucket: BUCKET,
            metaKey: srcKey(ctx, plan.cat),
            getKey: srcKey(ctx, plan.mcpGet),
            getSize: plan.mcpGet,
            metaCalls: plan.metaCalls,
            getCalls: plan.getCalls,
            warmup: plan.mcpWarmup,
            raw: rawClient(target, 50),
          });
          mcp.set(tool.id, r);
          log(
            `  metadata p50 ${fmtMs(r.meta.mcp.p50)} vs direct ${fmtMs(r.meta.raw.p50)}; get p50 ${fmtMs(r.get.mcp.p50)} vs ${fmtMs(r.get.raw.p50)}; RSS ${fmtMB(r.rssAfterStartBytes)} -> ${fmtMB(r.rssAfterCallsBytes)}`,
          );
        } catch (e) {
          mcp.set(tool.id, { error: (e as Error).message });
          log(`  FAILED: ${(e as Error).message}`);
        }
      }
    }
    let http: Report["http"];
    if (want("http")) {
      log("bench: MCP over HTTP vs stdio, and a fleet of concurrent clients on two processes");
      try {
        http = await measureHttp({
          binary: ctx.ours.binary,
          env: ctx.ours.env,
          bucket: BUCKET,
          key: srcKey(ctx, plan.cat),
          calls: plan.httpCalls,
          warmup: plan.mcpWarmup,
          clients: plan.fleetClients,
          processes: 2,
          callsPerClient: plan.fleetCalls,
        });
        log(
          `  HTTP p50 ${fmtMs(http.single.http.p50)} vs stdio ${fmtMs(http.single.stdio.p50)}; fleet ${http.fleet.callsPerSecond.toFixed(0)} calls/s, p99 ${fmtMs(http.fleet.latency.p99)}, ${http.fleet.errors} errors`,
        );
        if (http.fleet.errors > 0)
          http = { error: `${http.fleet.errors} fleet call(s) failed: ${http.fleet.firstError}` };
      } catch (e) {
        http = { error: (e as Error).message };
        log(`  FAILED: ${http.error}`);
      }
    }
    const reads: Report["reads"] = new Map();
    if (want("mcp-reads")) {
      for (const tool of ctx.tools.filter((t) => t.id.startsWith("mcp-s3"))) {
        log(`bench: peak RSS under concurrent MCP reads (${tool.id})`);
        try {
          const r = await measureConcurrentReads({
            binary: tool.binary,
            env: {
              ...tool.env,
              MCP_S3_EXT_READONLY: "true",
              MCP_S3_MAX_GET_SIZE: String(plan.readsSize),
            },
            bucket: BUCKET,
            keys: [srcKey(ctx, plan.readsSize), textKey(plan.readsSize)],
            size: plan.readsSize,
            levels: plan.readsLevels,
          });
          reads.set(tool.id, r);
          log(`  ${r.levels.map((l) => `${l.concurrent}: peak ${fmtMB(l.peakBytes)}`).join(", ")}`);
        } catch (e) {
          reads.set(tool.id, { error: (e as Error).message });
          log(`  FAILED: ${(e as Error).message}`);
        }
      }
    }
    let cutoff: Report["cutoff"] = { error: "skipped" };
    if (want("cutoff")) {
      log("bench: size-limit cut-off on the wire");
      try {
        cutoff = await measureCutoff(ctx);
      } catch (e) {
        cutoff = { error: (e as Error).message };
        log(`  FAILED: ${cutoff.error}`);
      }
    }

    const report: Report = {
      plan,
      started,
      finished: new Date(),
      machine: machineInfo(),
      versions,
      missing: peers.missing,
      build: built.command,
      measures,
      mcp,
      http,
      reads,
      cutoff,
      toolIds: ctx.tools.map((t) => t.id),
    };
    const md = renderMarkdown(report);
    console.log(
      `\n${renderTables(report)}\n\n${renderMcp(report)}\n\n${renderReads(report)}\n\n${renderHttp(report)}\n\n${renderCutoff(report)}\n\n${renderTargets(report)}`,
    );
    const outPath = values.out ?? (plan.quick ? undefined : join(ROOT, "bench", "RESULTS.md"));
    if (outPath !== undefined) {
      writeFileSync(outPath, md);
      formatMarkdown(outPath);
      log(`bench: wrote ${outPath}`);
    }
    if (peers.missing.length > 0) log(`bench: some peers were missing; install them with: ${INSTALL_HINT}`);
    const failed = measures.some((m) => [...m.byTool.values()].some((t) => t.error !== undefined));
    // A peer that fails is reported and the run goes on; mcp-s3 failing a measure is a broken build
    // (exit 1, so that CI's `--quick` smoke run catches it).
    const oursFailed =
      measures.some((m) =>
        [...m.byTool.entries()].some(([id, t]) => id.startsWith("mcp-s3") && t.error !== undefined),
      ) ||
      [...mcp.values()].some((m) => "error" in m) ||
      (http !== undefined && "error" in http) ||
      [...reads.values()].some((m) => "error" in m) ||
      (want("cutoff") && "error" in cutoff);
    log(
      `bench: done in ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min${failed ? " (with failures)" : ""}`,
    );
    return oursFailed ? 1 : 0;
  } finally {
    cleanup();
  }
}

process.exitCode = await main();
