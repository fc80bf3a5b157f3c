// Keys that try to drive the terminal (SPEC §6): against the real RGW, every human line the CLI
// prints for them (ls, ls -r, stat, rm, put, errors) shows their control characters escaped, one
// line per entry, while --json carries the exact keys as JSON escapes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { escapeControls } from "../../src/cli/escape.ts";
import { needs } from "../support/capabilities.ts";
import {
  adminClient,
  createTestBucket,
  getTestObject,
  getTestS3,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { jsonLines, run, tempDir } from "./helpers.ts";

setDefaultTimeout(60_000);

/**
 * The hostile keys: a name for the test (test names must not drive the terminal either), the key,
 * and how a human line must show it (written out, not computed).
 */
const HOSTILE: readonly (readonly [string, string, string])[] = [
  ["clear screen", "t/clear\x1b[2J.txt", "t/clear\\x1b[2J.txt"],
  [
    "newline forging an ls line",
    "t/line\n2024-01-01 00:00:00          1 t/forged.txt",
    "t/line\\n2024-01-01 00:00:00          1 t/forged.txt",
  ],
  ["carriage return", "t/cr\rEVIL.txt", "t/cr\\rEVIL.txt"],
  ["tab", "t/tab\there.txt", "t/tab\\there.txt"],
  ["right-to-left override", "t/invoice\u202etxt.exe", "t/invoice\\u202etxt.exe"],
  ["C1 CSI and DEL", "t/c1\x9b2J\x7f.txt", "t/c1\\x9b2J\\x7f.txt"],
  ["a key spelled like an escape", "t/spelled\\x1b.txt", "t/spelled\\\\x1b.txt"],
];
/** A folder (common prefix) whose name moves the cursor up. */
const FOLDER_KEY = "t/up\x1b[1A/inner.txt";
/** Anything a terminal would act on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const DRIVES_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let s3: TestS3;
let bucket: string;
let env: Record<string, string>;
const tmp = tempDir("mcp-s3-terminal-");

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "terminal");
  env = { ...testEnv(s3), MCP_S3_EXT_READONLY: "false" };
  await Promise.all([...HOSTILE.map(([, k]) => k), FOLDER_KEY].map((k) => putTestObject(s3, bucket, k, "x")));
  // RGW reads header bytes as Latin-1: UTF-8 sent for U+0085 / U+009B comes back holding the C1
  // controls NEL and CSI. Metadata and content types are outside text too.
  await adminClient(s3).send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "m/meta.txt",
      Body: "x",
      ContentType: "text/\u009b2J",
      Metadata: { note: "a\u0085b" },
    }),
  );
});

afterAll(() => tmp.remove());

const cli = (args: string[]) => run(args, { env });

/** stdout as lines, with the checks every human output must pass. */
function humanLines(stdout: string): string[] {
  expect(stdout).not.toMatch(DRIVES_TERMINAL);
  return stdout.split("\n").slice(0, -1);
}

describe("ls", () => {
  needs("literalKeys").test("-r: one line per object, every control character escaped", async () => {
    const r = await cli(["ls", "-r", `s3://${bucket}/t/`]);
    expect(r.code).toBe(0);
    const lines = humanLines(r.stdout);
    const shown = lines.map((l) => l.replace(/^\S+ \S+ +\d+ /, ""));
    expect(shown.sort()).toEqual([...HOSTILE.map(([, , s]) => s), "t/up\\x1b[1A/inner.txt"].sort());
  });

  test("a folder line (PRE) is escaped too", async () => {
    const r = await cli(["ls", `s3://${bucket}/t/`]);
    expect(r.code).toBe(0);
    const lines = humanLines(r.stdout);
    expect(lines).toHaveLength(HOSTILE.length + 1);
    expect(lines).toContain(`${" ".repeat(26)} PRE t/up\\x1b[1A/`);
  });

  needs("literalKeys").test(
    "--json carries the exact keys (JSON escapes), byte for byte as JSON.stringify writes them",
    async () => {
      const r = await cli(["--json", "ls", "-r", `s3://${bucket}/t/`]);
      expect(r.code).toBe(0);
      const records = jsonLines(r.stdout);
      expect(records.map((o) => o.key).sort()).toEqual([...HOSTILE.map(([, k]) => k), FOLDER_KEY].sort());
      expect(r.stdout).toBe(`${records.map((o) => JSON.stringify(o)).join("\n")}\n`);
      // JSON escapes C0 controls, never printing them raw.
      expect(r.stdout).not.toContain("\x1b");
    },
  );
});

describe("stat and rm", () => {
  test.each(HOSTILE)("stat, %s: the location line is escaped", async (_name, key, shown) => {
    const r = await cli(["stat", `s3://${bucket}/${key}`]);
    expect(r.code).toBe(0);
    expect(humanLines(r.stdout)[0]).toBe(`s3://${bucket}/${shown}`);
  });

  test("stat: a content type and metadata holding C1 controls are escaped", async () => {
    const r = await cli(["stat", `s3://${bucket}/m/meta.txt`]);
    expect(r.code).toBe(0);
    const lines = humanLines(r.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}content_type: +text\/\u00c2\\x9b2J$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}metadata\.note: +a\u00c2\\x85b$/));
    // --json: the values exactly as S3 gave them.
    const json = JSON.parse((await cli(["--json", "stat", `s3://${bucket}/m/meta.txt`])).stdout);
    expect(json).toMatchObject({ content_type: "text/\u00c2\u009b2J", metadata: { note: "a\u00c2\u0085b" } });
  });

  test.each(HOSTILE)("rm, %s: the status line is escaped", async (_name, key, shown) => {
    const r = await cli(["rm", `s3://${bucket}/${key}`]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 0,
      stdout: `deleted s3://${bucket}/${shown}\n`,
    });
    expect(await getTestObject(s3, bucket, key)).toBeNull();
  });
});

describe("put", () => {
  test("a local file name and key with a newline: one escaped status line", async () => {
    const file = join(tmp.path, "a\nb.txt");
    writeFileSync(file, "body");
    const r = await cli(["put", file, `s3://${bucket}/up/`]);
    expect(r.code).toBe(0);
    expect(humanLines(r.stdout)).toEqual([
      `uploaded ${escapeControls(file)} -> s3://${bucket}/up/a\\nb.txt (4 bytes)`,
    ]);
  });
});

describe("errors", () => {
  test("a missing hostile key: the error line is one escaped line", async () => {
    const r = await cli(["stat", `s3://${bucket}/gone\x1b[2J\n\r\t\u202e`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 4,
      stderr: `mcp-s3: NoSuchKey: no such key (s3://${bucket}/gone\\x1b[2J\\n\\r\\t\\u202e)\n`,
    });
  });

  test("a refusal quoting the key as JSON: JSON's escapes stay readable, the rest is escaped", async () => {
    const r = await run(["stat", `s3://${bucket}/secret/x\u202e\x1b`], {
      env: { ...env, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "secret/" },
    });
    // JSON.stringify leaves U+202E raw and writes ESC as \u001b: the first is escaped, the second's
    // backslash is doubled (it precedes a "u"), so nothing reads as a different key.
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 3,
      stderr: `mcp-s3: PrefixDenied: key "secret/x\\u202e\\\\u001b" is under the denied prefix "secret/"\n`,
    });
  });

  test("--json errors carry the message as JSON", async () => {
    const key = `gone\x1b[2J\u202e`;
    const r = await cli(["--json", "stat", `s3://${bucket}/${key}`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      `${JSON.stringify({ error: "NoSuchKey", message: `no such key (s3://${bucket}/${key})`, hint: JSON.parse(r.stderr).hint })}\n`,
    );
  });
});
