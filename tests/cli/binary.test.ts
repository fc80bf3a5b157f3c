// The shipped form: the same CLI compiled with `bun build --compile` into one executable, smoke
// tested against the real S3 test server (the full suite runs against `bun src/main.ts`).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createTestBucket,
  getTestObject,
  getTestS3,
  listAllKeys,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { buildBinary, errorCode, jsonLines, type RunOptions, run, tempDir } from "./helpers.ts";

setDefaultTimeout(120_000);

let s3: TestS3;
let bucket: string;
let env: Record<string, string>;
const tmp = tempDir();
const bin = join(tmp.path, "mcp-s3");
const DATA = randomBytes(64 * 1024);

const exe = (args: string[], options: Partial<RunOptions> = {}) => run(args, { env, bin, ...options });

beforeAll(async () => {
  buildBinary(bin);
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "cli-bin");
  env = testEnv(s3);
  await putTestObject(s3, bucket, "docs/readme.txt", "compiled\n");
});

afterAll(() => tmp.remove());

test("version, --help and completion", async () => {
  const v = await exe(["version", "--json"]);
  expect(v.code).toBe(0);
  expect(JSON.parse(v.stdout)).toMatchObject({ runtime: "bun", version: expect.any(String) });
  const h = await exe(["--help"]);
  expect(h.code).toBe(0);
  expect(h.stdout).toContain("Exit codes:");
  const c = await exe(["completion", "bash"]);
  expect(c.stdout).toContain("complete -F _mcp_s3 mcp-s3");
});

test("ls --json, cat, stat", async () => {
  const ls = await exe(["ls", "-r", `s3://${bucket}/`, "--json"]);
  expect(ls.code).toBe(0);
  expect(jsonLines(ls.stdout).map((o) => o.key)).toEqual(["docs/readme.txt"]);
  expect((await exe(["cat", `s3://${bucket}/docs/readme.txt`])).stdout).toBe("compiled\n");
  expect(JSON.parse((await exe(["stat", `${bucket}/docs/readme.txt`, "--json"])).stdout)).toMatchObject({
    size: 9,
  });
});

test("put - and get - round-trip binary data; read-only put exits 3 and changes nothing", async () => {
  const before = await listAllKeys(s3, bucket);
  const refused = await exe(["put", "-", `s3://${bucket}/bin.dat`], { stdin: DATA });
  expect({ code: refused.code, error: errorCode(refused) }).toEqual({ code: 3, error: "ReadOnlyMode" });
  expect(await listAllKeys(s3, bucket)).toEqual(before);

  const put = await exe(["--read-only=false", "put", "-", `s3://${bucket}/bin.dat`, "--json"], {
    stdin: DATA,
  });
  expect(put.code).toBe(0);
  expect(JSON.parse(put.stdout)).toMatchObject({ size: DATA.length });
  expect(Buffer.from((await getTestObject(s3, bucket, "bin.dat")) ?? []).equals(DATA)).toBe(true);

  const out = await exe(["get", `s3://${bucket}/bin.dat`, "-"]);
  expect(Buffer.from(out.bytes).equals(DATA)).toBe(true);
  const file = join(tmp.path, "bin.dat");
  expect((await exe(["get", "-q", `s3://${bucket}/bin.dat`, file])).code).toBe(0);
  expect(readFileSync(file).equals(DATA)).toBe(true);
});

test("exit codes 2, 4 and 5", async () => {
  expect((await exe(["frobnicate"])).code).toBe(2);
  expect((await exe(["cat", `s3://${bucket}/missing`])).code).toBe(4);
  const bad = join(tmp.path, "bad.yaml");
  writeFileSync(bad, "policy:\n  read_only: sometimes\n", { mode: 0o600 });
  const r = await exe(["--config", bad, "config", "check"]);
  expect(r.code).toBe(5);
  expect(r.stderr).toContain("policy.read_only");
});
