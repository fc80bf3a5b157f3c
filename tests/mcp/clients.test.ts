// Independent clients and the shipped form: the MCP Inspector CLI (a client we did not write) against
// `bun src/main.ts`, and the SDK client against the compiled binary.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import { spawnAsync } from "../support/spawn.ts";
import { BUN, MAIN, ok, ROOT, readAudit, type Session, startSession, tempDir } from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await putTestObject(s3, bucket, "docs/hello.txt", "hello, inspector", "text/plain");
});

describe("MCP Inspector CLI", () => {
  const INSPECTOR = join(ROOT, "node_modules/.bin/mcp-inspector-cli");

  async function inspector(auditFile: string, ...args: string[]) {
    // inspector-cli 1.0.3 finds its own package.json with existsSync("../package.json") relative to the
    // working directory; from src/ that path exists (the repository's), and its import then resolves
    // relative to its own module. From the repository root it fails with "Cannot find module".
    const r = await spawnAsync(INSPECTOR, ["--cli", BUN, MAIN, ...args], {
      cwd: join(ROOT, "src"),
      env: {
        PATH: process.env.PATH ?? "",
        ...testEnv(s3),
        MCP_S3_EXT_AUDIT: "true",
        MCP_S3_AUDIT_FILE: auditFile,
      },
      timeout: 60_000,
    });
    expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stderr: "" });
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  test("tools/list", async () => {
    const out = (await inspector(join(tempDir(), "audit.jsonl"), "--method", "tools/list")) as {
      tools: { name: string; annotations: Record<string, unknown> }[];
    };
    expect(out.tools.map((t) => t.name)).toEqual([
      "s3_list_buckets",
      "s3_list_objects",
      "s3_get_object",
      "s3_get_object_metadata",
      "s3_put_object",
      "s3_delete_object",
      "s3_copy_object",
      "s3_presign_url",
      "s3_list_connections",
    ]);
    expect(out.tools[2]?.annotations).toMatchObject({ readOnlyHint: true });
  });

  test("tools/call: a read, and a refusal the inspector accepts as a valid error result", async () => {
    const audit = join(tempDir(), "audit.jsonl");
    const read = await inspector(
      audit,
      "--method",
      "tools/call",
      "--tool-name",
      "s3_get_object",
      "--tool-arg",
      `bucket=${bucket}`,
      "key=docs/hello.txt",
    );
    expect(read.structuredContent).toMatchObject({ content: "hello, inspector", is_base64: false });
    const refused = await inspector(
      audit,
      "--method",
      "tools/call",
      "--tool-name",
      "s3_delete_object",
      "--tool-arg",
      `bucket=${bucket}`,
      "key=docs/hello.txt",
    );
    expect(refused).toMatchObject({ isError: true, structuredContent: { error: "ReadOnlyMode" } });
    expect(readAudit(audit).map((l) => [l.tool, l.status])).toEqual([
      ["s3_get_object", "success"],
      ["s3_delete_object", "denied"],
    ]);
  });
});

describe("the compiled binary", () => {
  let binary: string;
  let session: Session | undefined;

  beforeAll(() => {
    binary = join(tempDir(), process.platform === "win32" ? "mcp-s3.exe" : "mcp-s3");
    const r = spawnSync(BUN, ["build", "--compile", "--format=esm", "--minify", MAIN, "--outfile", binary], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(existsSync(binary)).toBe(true);
  });

  afterAll(async () => {
    await session?.close();
  });

  test("serves tools/list and a read over stdio", async () => {
    session = await startSession(testEnv(s3), { command: [binary] });
    const { tools } = await session.client.listTools();
    expect(tools).toHaveLength(9);
    expect(session.client.getInstructions()).toContain("Read-only: writes are disabled");
    const out = ok<{ content: string }>(
      await session.call("s3_get_object", { bucket, key: "docs/hello.txt" }),
    );
    expect(out.content).toBe("hello, inspector");
    expect(session.audit()).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        key: "docs/hello.txt",
        status: "success",
        source: "mcp",
      }),
    ]);
  });
});

describe("under Deno", () => {
  let session: Session | undefined;

  afterAll(async () => {
    await session?.close();
  });

  test("deno run -A src/main.ts serves tools/list and a read", async () => {
    const deno = join(ROOT, "node_modules/.bin/deno");
    session = await startSession(testEnv(s3), { command: [deno, "run", "-A", MAIN] });
    const { tools } = await session.client.listTools();
    expect(tools).toHaveLength(9);
    const out = ok<{ content: string }>(
      await session.call("s3_get_object", { bucket, key: "docs/hello.txt" }),
    );
    expect(out.content).toBe("hello, inspector");
    const refused = await session.call("s3_put_object", { bucket, key: "docs/new.txt", content: "x" });
    expect(refused.structuredContent).toMatchObject({ error: "ReadOnlyMode" });
    expect(session.audit().map((l) => [l.tool, l.status])).toEqual([
      ["s3_get_object", "success"],
      ["s3_put_object", "denied"],
    ]);
  });
});
