// Drives the real server the way MCP clients do: the SDK's Client over StdioClientTransport, spawning
// `bun src/main.ts` (or the compiled binary) with an environment built from the test S3 server.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AuditRecord } from "../../src/audit/writer.ts";

export const ROOT = join(import.meta.dir, "../..");
export const BUN = process.execPath;
export const MAIN = join(ROOT, "src/main.ts");

export type AuditLine = AuditRecord & { readonly timestamp: string };

export interface Session {
  readonly client: Client;
  readonly auditFile: string;
  readonly dir: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  audit(): AuditLine[];
  /** Calls a tool; returns the result (errors are results with isError). */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Command to spawn (default: bun src/main.ts). */
  readonly command?: readonly [string, ...string[]];
}

/** A private temporary directory, removed at process exit. */
export function tempDir(prefix = "mcp-s3-mcp-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the server with `env` (plus an audit file) and connects an SDK client to it. */
export async function startSession(
  env: Record<string, string>,
  options: SessionOptions = {},
): Promise<Session> {
  const dir = tempDir();
  const auditFile = join(dir, "audit.jsonl");
  const [command, ...args] = options.command ?? [BUN, MAIN];
  const transport = new StdioClientTransport({
    command,
    args,
    cwd: ROOT,
    env: { MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: auditFile, ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const client = new Client({ name: "mcp-s3-tests", version: "1.0.0" });
  await client.connect(transport);
  // The SDK client validates structured results against the output schemas it has listed.
  await client.listTools();
  return {
    client,
    auditFile,
    dir,
    stderr: () => stderr,
    audit: () => readAudit(auditFile),
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: () => client.close(),
  };
}

export function readAudit(file: string): AuditLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as AuditLine);
}

/** The structured content of a successful result (fails the test on an error result). */
export function ok<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError === true) {
    throw new Error(`expected success, got error: ${JSON.stringify(result.structuredContent)}`);
  }
  const sc = result.structuredContent as Record<string, unknown> | undefined;
  // An object's content comes once (SPEC §5.1): text as the one text block (and in structuredContent),
  // bytes as the one image or embedded resource block (and not in structuredContent).
  if (typeof sc?.is_base64 === "boolean") {
    const [block, ...more] = result.content;
    const once = sc.is_base64
      ? sc.content === undefined &&
        (block?.type === "image" || (block?.type === "resource" && "blob" in block.resource))
      : block?.type === "text" && block.text === sc.content;
    if (!once || more.length > 0) throw new Error("the object's content is not returned exactly once");
    return sc as T;
  }
  // Clients that read only text get the same object as JSON.
  const text = result.content[0];
  if (text?.type !== "text" || JSON.stringify(JSON.parse(text.text)) !== JSON.stringify(sc)) {
    throw new Error("the text content does not render the structured content");
  }
  return sc as T;
}

/** The bytes of an s3_get_object result, from whichever block carries them. */
export function objectBytes(result: CallToolResult): Uint8Array {
  const block = result.content[0];
  if (block?.type === "text") return new TextEncoder().encode(block.text);
  if (block?.type === "image") return new Uint8Array(Buffer.from(block.data, "base64"));
  if (block?.type === "resource" && "blob" in block.resource) {
    return new Uint8Array(Buffer.from(block.resource.blob, "base64"));
  }
  throw new Error(`no content block: ${JSON.stringify(result).slice(0, 200)}`);
}

export interface ErrorBody {
  error: string;
  message: string;
  hint: string;
}

/** The {error, message, hint} of an error result (fails the test on a success). */
export function err(result: CallToolResult): ErrorBody {
  if (result.isError !== true)
    throw new Error(`expected an error, got ${JSON.stringify(result.structuredContent)}`);
  const body = result.structuredContent as unknown as ErrorBody;
  const text = result.content[0];
  if (text?.type !== "text" || JSON.stringify(JSON.parse(text.text)) !== JSON.stringify(body)) {
    throw new Error("the text content does not render the error object");
  }
  return body;
}

/** A YAML config file with mode 0600 (the loader refuses group/world-writable files). */
export function writeConfigFile(dir: string, yaml: string): string {
  const file = join(dir, "config.yaml");
  writeFileSync(file, yaml, { mode: 0o600 });
  return file;
}

/** Every audit line that appeared after `before` lines. */
export function newAudit(session: Session, before: number): AuditLine[] {
  return session.audit().slice(before);
}

export interface RawMessage {
  jsonrpc?: string;
  id?: string | number | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
}

/** The server under a plain child process: raw lines in, every stdout line parsed as JSON. */
export interface RawServer {
  send(line: string): void;
  /** Writes text without ending the line. */
  write(text: string): void;
  request(id: number, method: string, params?: Record<string, unknown>): void;
  /** The response with this id (null: the next error response without an id). */
  response(id: number | string | null, timeoutMs?: number): Promise<RawMessage>;
  /** Every line the server wrote to stdout; each one must be a JSON-RPC message. */
  readonly messages: RawMessage[];
  stderr(): string;
  endInput(): void;
  kill(signal: NodeJS.Signals): void;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly auditFile: string;
  readonly pid: number;
}

export const INITIALIZE = {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "raw-test", version: "1.0.0" },
};

export function startRaw(env: Record<string, string>, command: readonly string[] = [BUN, MAIN]): RawServer {
  const dir = tempDir();
  const auditFile = join(dir, "audit.jsonl");
  const [cmd, ...args] = command as [string, ...string[]];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: auditFile, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const messages: RawMessage[] = [];
  const waiters = new Set<() => void>();
  let stdout = "";
  let stderr = "";
  // A decoding stream: a character split between two chunks must not become two replacement characters.
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d: string) => {
    stdout += d;
    let nl = stdout.indexOf("\n");
    while (nl !== -1) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      // Nothing but JSON-RPC on stdout: a line that does not parse fails the test here.
      const msg = JSON.parse(line) as RawMessage;
      if (msg.jsonrpc !== "2.0") throw new Error(`not a JSON-RPC 2.0 message on stdout: ${line}`);
      messages.push(msg);
      nl = stdout.indexOf("\n");
    }
    for (const w of waiters) w();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const taken = new Set<RawMessage>();
  return {
    messages,
    auditFile,
    pid: child.pid as number,
    send: (line) => child.stdin.write(`${line}\n`),
    write: (text) => child.stdin.write(text),
    request: (id, method, params) =>
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) })}\n`),
    response: (id, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const find = () => {
          const msg = messages.find((m) => !taken.has(m) && m.id === id && ("result" in m || "error" in m));
          if (msg === undefined) return false;
          taken.add(msg);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(msg);
          return true;
        };
        const check = () => void find();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no response with id ${id} within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        if (!find()) waiters.add(check);
      }),
    stderr: () => stderr,
    endInput: () => child.stdin.end(),
    kill: (signal) => child.kill(signal),
    exited: () => exit,
  };
}
