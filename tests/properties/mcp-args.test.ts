// Random tool arguments and random JSON-RPC frames sent to the real MCP server (`bun src/main.ts`,
// against RGW) never crash it: every tools/call gets a result or a JSON-RPC error, a call to a known
// tool is audited exactly once, a refused area is never read, stdout carries only JSON-RPC, and the
// server still answers afterwards. Seeded and bounded.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { TOOL_NAMES } from "../../src/mcp/instructions.ts";
import { productEnv, readLines, rgw, type Sandbox, sandbox } from "../faults/env.ts";
import { type McpSession, startMcp, toolErrorOf } from "../faults/mcp.ts";
import type { TestS3 } from "../support/s3.ts";
import { createTestBucket, listAllKeys, putTestObject, testObjectSha256 } from "../support/s3.ts";
import { keyArb, SEED } from "./arbitraries.ts";

setDefaultTimeout(180_000);

// Every tool the server registers; the tool tests check this list against the specification.
const TOOLS = TOOL_NAMES;
const FIELDS = [
  "bucket",
  "key",
  "prefix",
  "delimiter",
  "max_keys",
  "continuation_token",
  "connection",
  "offset",
  "length",
  "content",
  "is_base64",
  "content_type",
  "metadata",
  "source_bucket",
  "source_key",
  "dest_bucket",
  "dest_key",
  "method",
  "expires_in",
] as const;
const SECRET_TEXT = "top secret payload";
/** Stands for the test bucket (created at run time) in generated values. */
const BUCKET = "@bucket";

let s3: TestS3;
let box: Sandbox;
let mcp: McpSession;
let bucket: string;
let auditPath: string;
let knownToolCalls = 0;

beforeAll(async () => {
  s3 = await rgw();
  box = sandbox("props-mcp");
  bucket = await createTestBucket(s3, "props-mcp");
  await putTestObject(s3, bucket, "data/doc.txt", "allowed document");
  await putTestObject(s3, bucket, "secrets/plan.txt", SECRET_TEXT);
  auditPath = box.auditFile();
  mcp = await startMcp(
    productEnv(s3, box, s3.endpoint, {
      MCP_S3_EXT_AUDIT: "true",
      MCP_S3_AUDIT_FILE: auditPath,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secrets/",
      MCP_S3_EXT_READONLY: "false",
      S3_TIMEOUT: "5s",
    }),
  );
});

afterAll(async () => {
  await mcp?.close();
  box?.cleanup();
});

/** Values of every JSON type, with the awkward ones over-represented. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: keyArb },
  { weight: 2, arbitrary: fc.constantFrom(BUCKET, "secrets/plan.txt", "data/doc.txt", "secrets/", "") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "default", "nope", "..", "../secrets/plan.txt"),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(-1, 0, 1, 1001, 2 ** 53, -(2 ** 53), Number.MAX_VALUE),
    ),
  },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 2000, maxLength: 3000 }) },
);

/** Any fields, any values. */
const anyArgs = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })), value, {
  maxKeys: 6,
});
/** Plausible arguments: the real bucket, keys near the denied and allowed areas, sometimes junk. */
const plausibleArgs = fc.record(
  {
    bucket: fc.oneof(fc.constant(BUCKET), value),
    key: fc.oneof(fc.constantFrom("data/doc.txt", "secrets/plan.txt", "data/../secrets/plan.txt"), keyArb),
    prefix: fc.constantFrom("", "data/", "secrets/", "secrets", "sec", "data/../secrets/"),
    delimiter: fc.constantFrom("/", ""),
    offset: fc.integer({ min: -2, max: 50 }),
    length: fc.integer({ min: -2, max: 50 }),
    source_bucket: fc.constant(BUCKET),
    source_key: fc.constantFrom("data/doc.txt", "secrets/plan.txt"),
    dest_bucket: fc.constant(BUCKET),
    dest_key: keyArb,
    content: fc.string({ maxLength: 50 }),
    method: fc.constantFrom("GET", "PUT"),
  },
  { requiredKeys: [] },
);
/** The fields each tool takes, to keep plausible arguments mostly valid. */
const TOOL_FIELDS: Record<string, readonly string[]> = {
  s3_list_buckets: [],
  s3_list_objects: ["bucket", "prefix", "delimiter"],
  s3_get_object: ["bucket", "key", "offset", "length"],
  s3_get_object_metadata: ["bucket", "key"],
  s3_put_object: ["bucket", "key", "content"],
  s3_delete_object: ["bucket", "key"],
  s3_copy_object: ["source_bucket", "source_key", "dest_bucket", "dest_key"],
  s3_presign_url: ["bucket", "key", "method"],
  s3_list_connections: [],
};
const args = fc.oneof(
  anyArgs.map((a) => ({ a, plausible: false })),
  plausibleArgs.map((a) => ({ a: a as Record<string, unknown>, plausible: true })),
);
function argsFor(
  name: string,
  g: { a: Record<string, unknown>; plausible: boolean },
): Record<string, unknown> {
  if (!g.plausible) return g.a;
  const fields = TOOL_FIELDS[name] ?? [];
  return Object.fromEntries(Object.entries(g.a).filter(([k]) => fields.includes(k)));
}

/** Replaces the bucket placeholder, anywhere in the arguments. */
function withBucket(a: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(a).replaceAll(JSON.stringify(BUCKET), JSON.stringify(bucket)));
}
const toolName = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...TOOLS) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("s3_", "S3_GET_OBJECT", "")),
  },
);

describe("random tool arguments", () => {
  test("every call is answered (result or JSON-RPC error); never secret content; the server lives", async () => {
    let protocolErrors = 0;
    let toolErrors = 0;
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(toolName, args, async (name, g) => {
        const a = argsFor(name, g);
        // Point bucket fields at the real bucket often, so the calls reach S3 and the policy matters.
        const known = (TOOLS as readonly string[]).includes(name);
        if (known) knownToolCalls++;
        let result: Awaited<ReturnType<McpSession["call"]>> | undefined;
        try {
          result = await mcp.call(name, withBucket(a));
        } catch (e) {
          // Only protocol errors may throw: unknown tools. A known tool always gets a result.
          expect(known).toBe(false);
          expect(String((e as Error).message)).toMatch(/-32602|unknown tool/i);
          protocolErrors++;
          return;
        }
        expect(known).toBe(true);
        if (result.isError === true) {
          toolErrors++;
          const err = toolErrorOf(result);
          expect(typeof err?.error).toBe("string");
          expect(typeof err?.message).toBe("string");
        } else successes++;
        expect(JSON.stringify(result)).not.toContain(SECRET_TEXT);
      }),
      { seed: SEED, numRuns: 400 },
    );
    expect(mcp.alive()).toBe(true);
    expect(protocolErrors + toolErrors).toBeGreaterThan(100);
    expect(successes).toBeGreaterThan(20);
    console.log(
      `random tool calls: ${successes} succeeded, ${toolErrors} tool errors, ${protocolErrors} protocol errors`,
    );
  });

  test("random JSON-RPC frames and junk lines get JSON-RPC errors (or nothing), never a crash", async () => {
    const frame = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }).map((s) => s.replace(/\n/g, " ")),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          jsonrpc: fc.oneof(fc.constant("2.0"), fc.string({ maxLength: 4 })),
          id: fc.oneof(
            fc.integer(),
            fc.string({ maxLength: 8 }),
            fc.constant(null),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          method: fc.oneof(
            fc.constantFrom("tools/call", "tools/list", "resources/read", "initialize", "ping", "nope/x"),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          params: fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.record({ name: fc.constantFrom(...TOOLS), arguments: args.map((g) => g.a) }),
          ),
        })
        .map((m) => JSON.stringify(m)),
    );
    const before = mcp.transport.stdout.length;
    const frames = fc.sample(frame, { seed: SEED, numRuns: 300 }).map((f) => f.replaceAll(BUCKET, bucket));
    for (const f of frames) mcp.transport.sendRaw(`${f}\n`);
    // Frames that were valid tools/call requests to a known tool are audited too.
    for (const f of frames) {
      try {
        const m = JSON.parse(f) as {
          jsonrpc?: unknown;
          id?: unknown;
          method?: unknown;
          params?: { name?: unknown };
        };
        if (
          m.jsonrpc === "2.0" &&
          m.method === "tools/call" &&
          (typeof m.id === "string" || typeof m.id === "number") &&
          (TOOLS as readonly string[]).includes(String(m.params?.name))
        )
          knownToolCalls++;
      } catch {
        // junk line
      }
    }
    // Then a normal call: answered, so everything before it was read and survived.
    const r = await mcp.call("s3_list_connections");
    expect(toolErrorOf(r)).toBeUndefined();
    knownToolCalls++;
    expect(mcp.alive()).toBe(true);
    const out = mcp.transport.stdout.slice(before);
    for (const line of out.split("\n").filter((l) => l !== "")) expect(JSON.parse(line).jsonrpc).toBe("2.0");
    expect(out).not.toContain(SECRET_TEXT);
  });

  test("every call to a known tool was audited exactly once; the secret area never read", async () => {
    // Let in-flight frame answers settle.
    await mcp.call("s3_list_connections");
    knownToolCalls++;
    const lines = readLines(auditPath);
    expect(lines).toHaveLength(knownToolCalls);
    for (const l of lines) {
      if (typeof l.key === "string" && l.key.startsWith("secrets/")) expect(l.status).not.toBe("success");
    }
    expect(mcp.stderr()).not.toMatch(/Uncaught|TypeError|RangeError|panic/);
    // Writes were allowed outside secrets/: whatever keys they used (`..`, `//`, encodings), the
    // denied area is untouched.
    expect(await listAllKeys(s3, bucket, "secrets/")).toEqual(["secrets/plan.txt"]);
    expect(await testObjectSha256(s3, bucket, "secrets/plan.txt")).toBe(
      createHash("sha256").update(SECRET_TEXT).digest("hex"),
    );
  });
});
