// The real server and the SDK's real Client in one process, linked by the SDK's InMemoryTransport
// (as the reference servers test): no child process, so a test can give the client capabilities and
// handlers (elicitation) and watch what the server sends it (progress). S3 is the real test server.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  type CallToolResult,
  CallToolResultSchema,
  type ClientCapabilities,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import type { AuditRecord } from "../../src/audit/writer.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createServer } from "../../src/mcp/server.ts";
import { createOpsContext } from "../../src/ops/index.ts";
import { getTestS3, testEnv } from "../support/s3.ts";

export type AuditLine = AuditRecord & { readonly timestamp: string };

export interface InProcessOptions {
  /** Client capabilities (default none: a client that cannot be asked anything). */
  readonly capabilities?: ClientCapabilities;
  /** Answers elicitation/create (needs `capabilities.elicitation`). */
  readonly elicit?: (request: ElicitRequest) => Promise<ElicitResult>;
  /** Replaces the test server's environment entries (e.g. S3_ENDPOINT of a fault proxy). */
  readonly env?: Record<string, string>;
}

export interface InProcess {
  readonly client: Client;
  audit(): AuditLine[];
  /** Calls a tool; errors are results with isError. */
  call(
    name: string,
    args?: Record<string, unknown>,
    options?: { onprogress?: (p: Progress) => void; signal?: AbortSignal },
  ): Promise<CallToolResult>;
  close(): Promise<void>;
}

const dirs: string[] = [];
process.on("exit", () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A server configured by `vars` (MCP_S3_* variables, audit always on) and a connected client. */
export async function inProcess(
  vars: Record<string, string> = {},
  options: InProcessOptions = {},
): Promise<InProcess> {
  const s3 = await getTestS3();
  const dir = mkdtempSync(join(tmpdir(), "mcp-s3-inproc-"));
  dirs.push(dir);
  const auditFile = join(dir, "audit.jsonl");
  const config = loadConfig({
    env: {
      ...testEnv(s3),
      ...options.env,
      MCP_S3_EXT_AUDIT: "true",
      MCP_S3_AUDIT_FILE: auditFile,
      ...vars,
    },
  });
  const ops = createOpsContext(config, { source: "mcp" });
  const server = createServer(config, ops);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client(
    { name: "mcp-s3-inprocess-tests", version: "1.0.0" },
    { capabilities: options.capabilities ?? {} },
  );
  if (options.elicit !== undefined) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (request) => answer(request));
  }
  await server.connect(serverSide);
  await client.connect(clientSide);
  // The SDK client validates structured results against the output schemas it has listed.
  await client.listTools();
  return {
    client,
    audit: () => readAudit(auditFile),
    call: async (name, args = {}, callOptions = {}) =>
      (await client.callTool({ name, arguments: args }, CallToolResultSchema, {
        ...(callOptions.onprogress === undefined ? {} : { onprogress: callOptions.onprogress }),
        ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }),
        timeout: 120_000,
      })) as CallToolResult,
    async close() {
      await client.close();
      await server.close();
      ops.close();
    },
  };
}

function readAudit(file: string): AuditLine[] {
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

/** The {error, message, hint} of an error result, or undefined for a success. */
export function errorOf(
  result: CallToolResult,
): { error: string; message: string; hint: string } | undefined {
  return result.isError === true
    ? (result.structuredContent as { error: string; message: string; hint: string })
    : undefined;
}
