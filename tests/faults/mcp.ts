// An MCP session with the real server process (`bun src/main.ts`) for the fault, security and load
// tests: the SDK Client over a stdio transport of our own, so that every byte the server writes to
// stdout and stderr is kept for scanning, and the server's PID is known (memory, descriptors, signals).
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { BUN, MAIN, ROOT } from "./env.ts";

/** Transport over a child's stdio that records everything that crosses it. */
class RecordingStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Raw stdout text, every byte the server wrote. */
  stdout = "";
  /** Raw messages sent by the client. */
  sent = "";
  private pending = "";

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {}

  async start(): Promise<void> {
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (text: string) => {
      this.stdout += text;
      this.pending += text;
      for (;;) {
        const nl = this.pending.indexOf("\n");
        if (nl < 0) break;
        const line = this.pending.slice(0, nl).replace(/\r$/, "");
        this.pending = this.pending.slice(nl + 1);
        if (line.trim() === "") continue;
        try {
          this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(line)));
        } catch (e) {
          this.onerror?.(new Error(`server wrote a line that is not JSON-RPC: ${line.slice(0, 200)} (${e})`));
        }
      }
    });
    this.child.on("close", () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const line = `${JSON.stringify(message)}\n`;
    this.sent += line;
    await new Promise<void>((resolve, reject) => {
      this.child.stdin.write(line, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Writes raw bytes (malformed input tests). */
  sendRaw(text: string): void {
    this.sent += text;
    this.child.stdin.write(text);
  }

  async close(): Promise<void> {
    this.child.stdin.end();
  }
}

export interface McpSession {
  readonly client: Client;
  readonly transport: RecordingStdioTransport;
  readonly pid: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Calls a tool; never throws for tool errors (isError results) — only for protocol errors. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Whether the server process is still running. */
  alive(): boolean;
  /** Ends the session: closes stdin and waits for exit (kills after `graceMs`). Returns the exit code. */
  close(graceMs?: number): Promise<number | null>;
  /** Sends a signal to the server. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
}

export async function startMcp(
  env: Record<string, string>,
  args: string[] = [],
  options: { timeoutMs?: number } = {},
): Promise<McpSession> {
  const child = spawn(BUN, [MAIN, ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (t: string) => {
    stderr += t;
  });
  child.stdin.on("error", () => {});
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const transport = new RecordingStdioTransport(child);
  const client = new Client({ name: "mcp-s3-reliability-tests", version: "1.0.0" });
  const timeout = options.timeoutMs ?? 60_000;
  try {
    await client.connect(transport, { timeout });
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`MCP server did not start: ${(e as Error).message}\nstderr:\n${stderr}`);
  }
  return {
    client,
    transport,
    pid: child.pid as number,
    stderr: () => stderr,
    async call(name, args = {}) {
      return (await client.callTool({ name, arguments: args }, undefined, {
        timeout,
      })) as CallToolResult;
    },
    alive: () => running,
    async close(graceMs = 20_000) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: (signal) => void child.kill(signal),
    exited,
  };
}

/** The {error, message, hint} of a failed tool call, or undefined for a success. */
export function toolErrorOf(r: CallToolResult): { error: string; message: string; hint: string } | undefined {
  if (r.isError !== true) return undefined;
  const s = r.structuredContent as { error?: string; message?: string; hint?: string } | undefined;
  if (s?.error !== undefined) return { error: s.error, message: s.message ?? "", hint: s.hint ?? "" };
  const text = r.content?.[0]?.type === "text" ? (r.content[0] as { text: string }).text : "{}";
  return JSON.parse(text) as { error: string; message: string; hint: string };
}

/** VmRSS of a process in KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return m?.[1] === undefined ? Number.NaN : Number(m[1]);
}

/** Open file descriptors of a process (Linux /proc). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
