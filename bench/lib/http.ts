// MCP over HTTP (SPEC §8): tools/call latency over Streamable HTTP against the same call over stdio
// (alternating, sequential, one client each), and a fleet: many concurrent SDK clients spread over
// two `serve --http` processes (stateless, so any process answers any client), with throughput,
// latency percentiles, errors and each process's peak resident memory.
import { type ChildProcess, spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { callOk, connectServer, type LatencyStats } from "./mcp.ts";
import { procStatusKb } from "./proc.ts";
import { percentile } from "./stats.ts";

export interface HttpPlan {
  binary: string;
  env: Record<string, string>;
  bucket: string;
  key: string;
  /** Sequential calls per transport for the HTTP vs stdio comparison. */
  calls: number;
  warmup: number;
  /** Concurrent clients in the fleet, spread over `processes` servers. */
  clients: number;
  processes: number;
  callsPerClient: number;
}

export interface HttpResults {
  single: { http: LatencyStats; stdio: LatencyStats };
  fleet: {
    clients: number;
    processes: number;
    calls: number;
    errors: number;
    firstError?: string;
    seconds: number;
    callsPerSecond: number;
    latency: LatencyStats;
    /** Peak resident memory (VmHWM) of each server process. */
    peakRssBytes: number[];
  };
}

function stats(xs: number[]): LatencyStats {
  return {
    n: xs.length,
    p50: percentile(xs, 50),
    p99: percentile(xs, 99),
    mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
  };
}

interface Served {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function serveHttp(binary: string, env: Record<string, string>): Promise<Served> {
  const child: ChildProcess = spawn(binary, ["serve", "--http", "127.0.0.1:0"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve --http did not start: ${stderr.slice(-500)}`)),
      30_000,
    );
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      const m = /serving MCP over HTTP at (http:\/\/\S+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    void exited.then(() => reject(new Error(`serve --http exited: ${stderr.slice(-500)}`)));
  });
  return {
    url,
    pid: child.pid ?? 0,
    async stop() {
      child.kill("SIGTERM");
      const hard = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(hard);
    },
  };
}

async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: "mcp-s3-bench-http", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export async function measureHttp(p: HttpPlan): Promise<HttpResults> {
  const args = { bucket: p.bucket, key: p.key };
  const servers = await Promise.all(Array.from({ length: p.processes }, () => serveHttp(p.binary, p.env)));
  try {
    // One client over HTTP, one over stdio, calls alternating so drift hits both alike.
    const first = servers[0] as Served;
    const http = await httpClient(first.url);
    const stdio = await connectServer(p.binary, p.env);
    const overHttp: number[] = [];
    const overStdio: number[] = [];
    try {
      for (let i = 0; i < p.warmup; i++) {
        await callOk(http, "s3_get_object_metadata", args);
        await callOk(stdio.client, "s3_get_object_metadata", args);
      }
      for (let i = 0; i < p.calls; i++) {
        let t = performance.now();
        await callOk(http, "s3_get_object_metadata", args);
        overHttp.push(performance.now() - t);
        t = performance.now();
        await callOk(stdio.client, "s3_get_object_metadata", args);
        overStdio.push(performance.now() - t);
      }
    } finally {
      await http.close().catch(() => {});
      await stdio.client.close().catch(() => {});
    }

    // The fleet: every client connects (initialize) to one of the processes, then all call at once.
    const clients = await Promise.all(
      Array.from({ length: p.clients }, (_, i) => httpClient((servers[i % servers.length] as Served).url)),
    );
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < p.callsPerClient; i++) {
          const t = performance.now();
          try {
            await callOk(client, "s3_get_object_metadata", args);
            latencies.push(performance.now() - t);
          } catch (e) {
            errors++;
            firstError ??= (e as Error).message.slice(0, 200);
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    const calls = p.clients * p.callsPerClient;
    return {
      single: { http: stats(overHttp), stdio: stats(overStdio) },
      fleet: {
        clients: p.clients,
        processes: p.processes,
        calls,
        errors,
        ...(firstError === undefined ? {} : { firstError }),
        seconds,
        callsPerSecond: (calls - errors) / seconds,
        latency: stats(latencies),
        peakRssBytes: servers.map((s) => procStatusKb(s.pid, "VmHWM") * 1024),
      },
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
