// Large results through real stdio, under Bun and Deno: the response writer encodes and escapes long
// strings piecewise into reused buffers (src/mcp/json-writer.ts), so concurrent large responses must
// come out whole, byte-exact and never interleaved, with the content once (SPEC §5.1).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import { BUN, INITIALIZE, MAIN, type RawServer, ROOT, startRaw } from "./harness.ts";

setDefaultTimeout(120_000);

// Multi-byte characters, quotes and newlines: every kind of escaping, characters split at every
// slice and buffer boundary somewhere in 5 MB.
const TEXT = 'línea ✓ "quoted" \\ tab\there 😀\n'.repeat(150_000);
const BINARY = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 11)) & 255);
const RUNTIMES: [string, readonly string[]][] = [
  ["bun", [BUN, MAIN]],
  ["deno", [join(ROOT, "node_modules/.bin/deno"), "run", "-A", MAIN]],
];

let s3: TestS3;
let bucket: string;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await putTestObject(s3, bucket, "big.txt", TEXT, "text/plain; charset=utf-8");
  await putTestObject(s3, bucket, "big.bin", BINARY, "application/octet-stream");
});

describe.each(RUNTIMES)("large results under %s", (_, command) => {
  let raw: RawServer;

  beforeAll(async () => {
    raw = startRaw({ ...testEnv(s3), MCP_S3_MAX_GET_SIZE: "20MB" }, command);
    raw.request(1, "initialize", INITIALIZE);
    await raw.response(1, 60_000);
  });
  afterAll(() => raw?.kill("SIGKILL"));

  test("concurrent text and binary reads come back whole and byte-exact, each once", async () => {
    const ids = [2, 3, 4, 5];
    ids.forEach((id, i) => {
      const key = i % 2 === 0 ? "big.txt" : "big.bin";
      raw.request(id, "tools/call", { name: "s3_get_object", arguments: { bucket, key } });
    });
    for (const [i, id] of ids.entries()) {
      const r = (await raw.response(id, 90_000)).result as {
        content: { type: string; text?: string; resource?: { blob: string } }[];
        structuredContent: { content?: string; is_base64: boolean };
      };
      expect(r.content).toHaveLength(1);
      if (i % 2 === 0) {
        expect(r.content[0]?.text === TEXT).toBe(true);
        expect(r.structuredContent.content === TEXT).toBe(true);
      } else {
        expect(Buffer.from(r.content[0]?.resource?.blob ?? "", "base64").equals(Buffer.from(BINARY))).toBe(
          true,
        );
        expect(r.structuredContent).toMatchObject({ is_base64: true });
        expect(r.structuredContent.content).toBeUndefined();
      }
    }
  });
});
