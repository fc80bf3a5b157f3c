// Issue 12, defects 1 and 2, through the CLI against RGW: every listing the CLI pages through (ls,
// ls -r, --max, --json) shows each visible key once and prints nothing that names a refused key, even
// with more than a page of keys on both sides of a denied prefix; CLI locations and copy sources with
// dot segments are refused by the gate.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { adminClient, createTestBucket, getTestS3, putTestObject, testEnv } from "../support/s3.ts";
import { errorCode, jsonLines, type Result, run, tempDir } from "./helpers.ts";

setDefaultTimeout(90_000);

let bucket: string;
let env: Record<string, string>;
let deny: Record<string, string>;
const tmp = tempDir();

/** More than one page (1,000) of visible keys on each side of more than a page of hidden ones. */
const BEFORE = Array.from({ length: 1_010 }, (_, i) => `a/${String(i).padStart(4, "0")}`);
const HIDDEN = Array.from({ length: 1_100 }, (_, i) => `b-secret/${String(i).padStart(4, "0")}`);
const AFTER = ["c/1", "c/2", "data/x", "z"];
const VISIBLE = [...BEFORE, ...AFTER];

beforeAll(async () => {
  const s3 = await getTestS3();
  bucket = await createTestBucket(s3, "gate");
  env = testEnv(s3);
  deny = { ...env, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "secrets/,b-secret/" };
  const client = adminClient(s3);
  const keys = [...BEFORE, ...HIDDEN, ...AFTER];
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(
      keys
        .slice(i, i + 64)
        .map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x" }))),
    );
  }
  client.destroy();
  await putTestObject(s3, bucket, "secrets/s.txt", "do not read");
}, 120_000);

afterAll(() => tmp.remove());

const cli = (args: string[], e = deny) => run(args, { env: e, timeoutMs: 60_000 });

function expectClean(r: Result): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  expect(r.stdout).not.toContain("secret");
}

/** The key column of human `ls` lines (and PRE folders). */
function keysOf(r: Result): string[] {
  return r.stdout
    .trimEnd()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (l.includes(" PRE ") ? (l.split(" PRE ")[1] as string) : (l.split(/\s+/)[3] as string)));
}

describe("listings the CLI pages through (defect 1)", () => {
  test("ls -r (the walk): every visible key once, in order, nothing refused", async () => {
    const r = await cli(["ls", "-r", `s3://${bucket}/`]);
    expectClean(r);
    expect(keysOf(r)).toEqual(VISIBLE);
  });

  test("ls -r --json: the same, as JSON lines", async () => {
    const r = await cli(["ls", "-r", "--json", `s3://${bucket}`]);
    expectClean(r);
    expect(jsonLines(r.stdout).map((o) => o.key)).toEqual(VISIBLE);
  });

  test("ls (one level): folders once, denied ones never", async () => {
    const r = await cli(["ls", `s3://${bucket}/`]);
    expectClean(r);
    expect(keysOf(r)).toEqual(["a/", "c/", "data/", "z"]);
  });

  test("ls -r --max across the page boundary and across the hidden keys", async () => {
    for (const max of [1, 999, 1_000, 1_001, 1_011, 5_000]) {
      const r = await cli(["ls", "-r", "--max", String(max), `s3://${bucket}/`]);
      expectClean(r);
      expect({ max, keys: keysOf(r) }).toEqual({ max, keys: VISIBLE.slice(0, max) });
    }
  });

  test("keys hidden by the allowed list: read through, every visible key once", async () => {
    const allow = { ...env, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_ALLOWED_PREFIXES: "a/,c/,z" };
    const want = VISIBLE.filter((k) => !k.startsWith("data/"));
    const walk = await cli(["ls", "-r", `s3://${bucket}/`], allow);
    expectClean(walk);
    expect(keysOf(walk)).toEqual(want);
    const capped = await cli(["ls", "-r", "--max", "1012", `s3://${bucket}/`], allow);
    expectClean(capped);
    expect(keysOf(capped)).toEqual(want.slice(0, 1012));
  });
});

describe("dot segments in CLI locations and copy sources (defect 2)", () => {
  const writable = () => ({ ...deny, MCP_S3_EXT_READONLY: "false" });

  test.each([
    ["cat", ["cat", "s3://B/data/../secrets/s.txt"]],
    ["stat", ["stat", "s3://B/data/./x"]],
    ["a leading '/' (s3://bucket//key)", ["stat", "s3://B//secrets/s.txt"]],
    ["ls of a '..' prefix", ["ls", "s3://B/data/../"]],
    ["ls -r of a '..' prefix", ["ls", "-r", "s3://B/data/../secrets/"]],
    ["get", ["get", "s3://B/data/../secrets/s.txt", "OUT"]],
    ["presign", ["presign", "s3://B/a/../secrets/s.txt"]],
  ])("%s: InvalidArgument (exit 2), nothing read", async (_name, args) => {
    const out = join(tmp.path, "out.txt");
    const r = await cli(args.map((a) => a.replace("s3://B", `s3://${bucket}`).replace("OUT", out)));
    expect({ exit: r.code, code: errorCode(r) }).toEqual({ exit: 2, code: "InvalidArgument" });
    expect(r.stderr).toMatch(/path segment|starts with "\/"/);
    expect(r.stdout).toBe("");
  });

  test("cp: a copy source or destination with dot segments is refused, nothing written", async () => {
    for (const [src, dst] of [
      [`s3://${bucket}/data/../secrets/s.txt`, `s3://${bucket}/data/leak.txt`],
      [`s3://${bucket}/data/x`, `s3://${bucket}/data/../secrets/planted.txt`],
    ] as const) {
      const r = await cli(["cp", src, dst], writable());
      expect({ src, exit: r.code, code: errorCode(r) }).toEqual({ src, exit: 2, code: "InvalidArgument" });
    }
    const r = await cli(["ls", "-r", `s3://${bucket}/data/`]);
    expect(keysOf(r)).toEqual(["data/x"]);
  });

  test("with no ACL and no bucket list the same location is an ordinary (missing) key", async () => {
    const r = await cli(["stat", `s3://${bucket}/data/../nothing`], env);
    expect({ exit: r.code, code: errorCode(r) }).toEqual({ exit: 4, code: "NoSuchKey" });
  });
});
