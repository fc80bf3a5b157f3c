// Drives `mcp-s3 serve --http` as a child process (with a hard timeout, shorter than any test's) and
// talks to it the way clients do: the SDK's Client over StreamableHTTPClientTransport, or raw fetch.
import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer as createNetServer, type Socket } from "node:net";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { BUN, MAIN, ROOT, readAudit, tempDir, writeConfigFile } from "../mcp/harness.ts";

export { readAudit, tempDir, writeConfigFile };

/** A child server is killed after this long, whatever happens (tests run for at most 120 s). */
const CHILD_TIMEOUT_MS = 90_000;

export interface HttpServer {
  /** http://127.0.0.1:PORT/mcp */
  readonly url: string;
  readonly port: number;
  readonly auditFile: string;
  stderr(): string;
  stdout(): string;
  kill(signal: NodeJS.Signals): void;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit (SIGKILL if it does not come within 15 s). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  readonly env: Record<string, string>;
  /** Extra arguments after `serve`; default `--http 127.0.0.1:0`. */
  readonly args?: readonly string[];
  /** Audit file (default: a fresh one). */
  readonly auditFile?: string;
  /** The program that runs src/main.ts (default: this Bun). */
  readonly runtime?: readonly string[];
}

/** Deno running the same sources. */
export const DENO = [join(ROOT, "node_modules/.bin/deno"), "run", "-A"] as const;

/** A port that was free a moment ago (for servers whose audience must name their port up front). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Starts the server and waits for its "serving MCP over HTTP at URL" line. */
export async function startHttpServer(options: StartOptions): Promise<HttpServer> {
  const auditFile = options.auditFile ?? join(tempDir("mcp-s3-http-test-"), "audit.jsonl");
  const args = options.args ?? ["--http", "127.0.0.1:0"];
  const [program, ...runtimeArgs] = options.runtime ?? [BUN];
  const child: ChildProcess = spawn(program as string, [...runtimeArgs, MAIN, "serve", ...args], {
    cwd: ROOT,
    env: { MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: auditFile, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
  let stderr = "";
  let stdout = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal });
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30_000);
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
      const m = /serving MCP over HTTP at (http:\/\/\S+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${stderr}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    auditFile,
    stderr: () => stderr,
    stdout: () => stdout,
    kill: (signal) => child.kill(signal),
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const hard = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const result = await exit;
      clearTimeout(hard);
      return result;
    },
  };
}

/** Spawns the server expecting it to refuse to start; returns its exit code and stderr. */
export async function startFailure(
  env: Record<string, string>,
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(BUN, [MAIN, "serve", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(killer);
  return { code, stderr };
}

export interface HttpSession {
  readonly client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** An SDK client connected over Streamable HTTP, with a bearer token when given. */
export async function connectClient(
  url: string,
  options: { token?: string; fetch?: typeof fetch } = {},
): Promise<HttpSession> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.token === undefined
      ? {}
      : { requestInit: { headers: { authorization: `Bearer ${options.token}` } } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const client = new Client({ name: "mcp-s3-http-tests", version: "1.0.0" });
  await client.connect(transport);
  await client.listTools();
  return {
    client,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: () => client.close(),
  };
}

export const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

/** A raw MCP POST (an initialize unless a body is given). */
export function post(
  url: string,
  headers: Record<string, string> = {},
  body: string | ReadableStream<Uint8Array> = INITIALIZE_BODY,
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body,
  });
}

/** The JSON-RPC messages of an SSE response body. */
export async function sseMessages(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

/** A TCP proxy in front of S3 that keeps every byte sent to it (to prove what never reaches S3). */
export interface RecordingProxy {
  readonly endpoint: string;
  sent(): string;
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  const server = createNetServer((client) => {
    const up = connect(Number(target.port), target.hostname);
    sockets.add(client).add(up);
    client.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      up.write(chunk);
    });
    up.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("close", end).on("error", end);
    up.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    sent: () => Buffer.concat(chunks).toString("latin1"),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
