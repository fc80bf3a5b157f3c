// The shipped linux-amd64 binary serves MCP over stdio to a real MCP client (the SDK's Client +
// StdioClientTransport) and reads from the shared test S3 server (tests/support/s3.ts: Ceph RGW).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createTestBucket, getTestS3, putTestObject, testEnv } from "../support/s3.ts";
import { cleanEnv, ensureRelease, extract, RELEASE_DIR, RELEASE_TESTS, tempDir } from "./helpers.ts";

const SPEC_TOOLS = [
  "s3_copy_object",
  "s3_delete_object",
  "s3_get_object",
  "s3_get_object_metadata",
  "s3_list_buckets",
  "s3_list_connections",
  "s3_list_objects",
  "s3_presign_url",
  "s3_put_object",
];

const CANNOT_RUN_HERE = process.platform !== "linux" || process.arch !== "x64";

describe.skipIf(!RELEASE_TESTS || CANNOT_RUN_HERE)("linux-amd64 binary serves MCP over stdio", () => {
  let client: Client | undefined;
  let tmp: { dir: string; cleanup: () => void } | undefined;
  let bucket = "";
  const key = "release-smoke/hello.txt";
  const body = `hello from the release smoke test ${Date.now()}\n`;

  beforeAll(async () => {
    const m = await ensureRelease();
    const archive = m.archives.find((a) => a.bunTarget === "bun-linux-x64");
    if (!archive) throw new Error("no linux-amd64 archive");
    tmp = tempDir("mcp");
    const bin = join(extract(join(RELEASE_DIR, archive.file), join(tmp.dir, "bin")), "mcp-s3");

    const s3 = await getTestS3();
    bucket = await createTestBucket(s3, "release-smoke");
    await putTestObject(s3, bucket, key, body);

    const transport = new StdioClientTransport({
      command: bin,
      args: [],
      env: cleanEnv(join(tmp.dir, "home"), testEnv(s3)),
      cwd: tmp.dir,
      stderr: "inherit",
    });
    client = new Client({ name: "mcp-s3-release-smoke", version: "1.0.0" });
    await client.connect(transport);
  }, 900_000);

  afterAll(async () => {
    await client?.close();
    tmp?.cleanup();
  });

  test("initialize reports the server", () => {
    expect(client?.getServerVersion()?.name).toBeTruthy();
  }, 120_000);

  test("tools/list offers every tool of the specification", async () => {
    const { tools } = await (client as Client).listTools();
    const names = tools.map((t) => t.name).sort();
    for (const name of SPEC_TOOLS) expect(names).toContain(name);
    const get = tools.find((t) => t.name === "s3_get_object");
    expect(get?.inputSchema.required).toEqual(expect.arrayContaining(["bucket", "key"]));
  }, 120_000);

  test("s3_list_buckets sees the test bucket", async () => {
    const res = await (client as Client).callTool({ name: "s3_list_buckets", arguments: {} });
    expect(res.isError).toBeFalsy();
    const sc = res.structuredContent as { buckets: Array<{ name: string }> };
    expect(sc.buckets.map((b) => b.name)).toContain(bucket);
  }, 120_000);

  test("s3_get_object returns the object from the S3 server", async () => {
    const res = await (client as Client).callTool({ name: "s3_get_object", arguments: { bucket, key } });
    expect(res.isError).toBeFalsy();
    const sc = res.structuredContent as { bucket: string; key: string; content: string; is_base64: boolean };
    expect(sc.bucket).toBe(bucket);
    expect(sc.key).toBe(key);
    expect(sc.is_base64).toBe(false);
    expect(sc.content).toBe(body);
  }, 120_000);

  test("the binary is read-only by default: s3_put_object is refused with ReadOnlyMode", async () => {
    const res = await (client as Client).callTool({
      name: "s3_put_object",
      arguments: { bucket, key: "release-smoke/should-not-exist.txt", content: "x" },
    });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toContain("ReadOnlyMode");
  }, 120_000);
});
