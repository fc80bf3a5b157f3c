// Bulk commands of SPEC §6.1 end to end through the CLI against the real server: rm of several keys,
// patterns and -r (DeleteObjects batches, one audit line per key), du, ls with patterns, mb/rb, run,
// --dry-run, and keys with spaces, unicode and control characters.
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HeadBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  adminClient,
  createTestBucket,
  getTestS3,
  listAllKeys,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { errorCode, jsonLines, type Result, run, tempDir } from "./helpers.ts";

setDefaultTimeout(120_000);

let s3: TestS3;
let env: Record<string, string>;
const tmp = tempDir("mcp-s3-bulk-ops-");
let audits = 0;

/** A fresh audit file for one run. */
function auditFile(): string {
  return join(tmp.path, `audit-${++audits}.jsonl`);
}
function auditLines(file: string): Record<string, unknown>[] {
  return existsSync(file) ? jsonLines(readFileSync(file, "utf8")) : [];
}

const cli = (args: string[], vars: Record<string, string> = {}, stdin?: string) =>
  run(args, { env: { ...env, ...vars }, timeoutMs: 100_000, ...(stdin === undefined ? {} : { stdin }) });
const WRITABLE = { MCP_S3_EXT_READONLY: "false" };
const withAudit = (file: string, vars: Record<string, string> = {}) => ({
  ...vars,
  MCP_S3_EXT_AUDIT: "true",
  MCP_S3_AUDIT_FILE: file,
});

/** Puts many small keys quickly (64 at a time). */
async function seed(bucket: string, keys: readonly string[], body = "x"): Promise<void> {
  const client = adminClient(s3);
  try {
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(
        keys
          .slice(i, i + 64)
          .map((Key) =>
            client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: new TextEncoder().encode(body) })),
          ),
      );
    }
  } finally {
    client.destroy();
  }
}

async function bucketExists(name: string): Promise<boolean> {
  const client = adminClient(s3);
  try {
    await client.send(new HeadBucketCommand({ Bucket: name }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

function expectExit(r: Result, code: number): void {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code });
}

beforeAll(async () => {
  s3 = await getTestS3();
  env = testEnv(s3);
});

describe("rm -r", () => {
  test("1,500 keys with a denied prefix inside: the visible ones go in DeleteObjects batches, one audit line each; the hidden ones stay, unnamed", async () => {
    const bucket = await createTestBucket(s3, "rmr");
    const visible = Array.from({ length: 1500 }, (_, i) => `tree/k${String(i).padStart(4, "0")}`);
    const hidden = ["tree/secret/a", "tree/secret/b", "tree/secret/sub/c"];
    await seed(bucket, [...visible, ...hidden, "other/keep"]);
    const file = auditFile();
    const acl = withAudit(file, {
      ...WRITABLE,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "tree/secret/",
    });
    const r = await cli(["rm", "-r", `s3://${bucket}/tree/`, "--json"], acl);
    expectExit(r, 0);
    const records = jsonLines(r.stdout);
    expect(records).toHaveLength(1500);
    expect(records.find((x) => x.source === `s3://${bucket}/tree/k0000`)).toEqual({
      op: "delete",
      source: `s3://${bucket}/tree/k0000`,
      dest: null,
      size: 1,
      status: "done",
    });
    expect(new Set(records.map((x) => x.status))).toEqual(new Set(["done"]));
    expect((await listAllKeys(s3, bucket)).sort()).toEqual(["other/keep", ...hidden].sort());
    const lines = auditLines(file);
    const deletes = lines.filter((l) => l.tool === "s3_delete_object");
    expect(deletes).toHaveLength(1500);
    expect(new Set(deletes.map((l) => l.key))).toEqual(new Set(visible));
    expect(deletes.every((l) => l.status === "success" && l.bucket === bucket && l.source === "cli")).toBe(
      true,
    );
    expect(
      lines.filter((l) => l.tool !== "s3_delete_object").every((l) => l.tool === "s3_list_objects"),
    ).toBe(true);
    expect(`${r.stdout}${r.stderr}${readFileSync(file, "utf8")}`).not.toContain("secret/a");
  });

  test("read-only: every listed key refused and audited denied, nothing deleted, exit 3", async () => {
    const bucket = await createTestBucket(s3, "rmro");
    const keys = Array.from({ length: 30 }, (_, i) => `p/k${i}`);
    await seed(bucket, keys);
    const file = auditFile();
    const r = await cli(["rm", "-r", `s3://${bucket}/p`], withAudit(file));
    expectExit(r, 3);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(30);
    expect(r.stdout).toContain(`refused s3://${bucket}/p/k0: ReadOnlyMode: `);
    expect(r.stderr).toBe("rm: 0 done, 30 refused, 0 failed\n");
    expect(await listAllKeys(s3, bucket)).toHaveLength(30);
    const denied = auditLines(file).filter((l) => l.tool === "s3_delete_object");
    expect(denied).toHaveLength(30);
    expect(denied.every((l) => l.status === "denied" && l.error === "ReadOnlyMode")).toBe(true);
  });

  test("the bucket root needs --all (usage error, nothing listed or deleted); with it everything goes", async () => {
    const bucket = await createTestBucket(s3, "rmall");
    await seed(bucket, ["a", "b/c", "d/e/f"]);
    const file = auditFile();
    for (const where of [`s3://${bucket}`, `s3://${bucket}/`, bucket]) {
      const r = await cli(["rm", "-r", where], withAudit(file, WRITABLE));
      expectExit(r, 2);
      expect(errorCode(r)).toBe("UsageError");
      expect(r.stderr).toContain("--all");
    }
    const star = await cli(["rm", `s3://${bucket}/**`], withAudit(file, WRITABLE));
    expectExit(star, 2);
    expect(auditLines(file)).toEqual([]);
    expect(await listAllKeys(s3, bucket)).toHaveLength(3);
    const noR = await cli(["rm", "--all", `s3://${bucket}/`], WRITABLE);
    expectExit(noR, 2);
    const r = await cli(["rm", "-r", "--all", `s3://${bucket}/`, "-q"], WRITABLE);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await listAllKeys(s3, bucket)).toEqual([]);
  });

  test("-r names a folder: s3://b/logs takes logs/ but not logs-old/; an empty folder is exit 4", async () => {
    const bucket = await createTestBucket(s3, "rmfolder");
    await seed(bucket, ["logs/a", "logs/b/c", "logs-old/x", "logs"]);
    const r = await cli(["rm", "-r", `s3://${bucket}/logs`], WRITABLE);
    expectExit(r, 0);
    expect(r.stdout).toBe(
      `deleted s3://${bucket}/logs/a (1 bytes)\ndeleted s3://${bucket}/logs/b/c (1 bytes)\n`,
    );
    expect(r.stderr).toBe("rm: 2 done, 0 refused, 0 failed\n");
    expect((await listAllKeys(s3, bucket)).sort()).toEqual(["logs", "logs-old/x"]);
    const empty = await cli(["rm", "-r", `s3://${bucket}/logs/`], WRITABLE);
    expectExit(empty, 4);
    expect(errorCode(empty)).toBe("NoSuchKey");
  });

  test("--include/--exclude see the path below the folder; the last matching filter wins", async () => {
    const bucket = await createTestBucket(s3, "rmfilter");
    await seed(bucket, ["d/a.log", "d/keep.log", "d/sub/b.log", "d/c.txt"]);
    const rules = join(tmp.path, "rules");
    writeFileSync(rules, "# keep text\n*.txt\n");
    const r = await cli(
      [
        "rm",
        "-r",
        `s3://${bucket}/d/`,
        "--exclude",
        "*.log",
        "--include",
        "sub/*",
        "--exclude-from",
        rules,
        "--json",
      ],
      WRITABLE,
    );
    expectExit(r, 0);
    expect(jsonLines(r.stdout).map((x) => x.source)).toEqual([`s3://${bucket}/d/sub/b.log`]);
    expect((await listAllKeys(s3, bucket)).sort()).toEqual(["d/a.log", "d/c.txt", "d/keep.log"]);
  });
});

describe("rm of keys and patterns", () => {
  test("several keys: allowed ones deleted, a refused one audited denied and kept, exit 3", async () => {
    const bucket = await createTestBucket(s3, "rmkeys");
    await seed(bucket, ["a", "b", "secret/c"]);
    const file = auditFile();
    const acl = withAudit(file, {
      ...WRITABLE,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret/",
    });
    const r = await cli(["rm", `s3://${bucket}/a`, `s3://${bucket}/secret/c`, `${bucket}/b`, "--json"], acl);
    expectExit(r, 3);
    const records = jsonLines(r.stdout);
    expect(records).toEqual(
      expect.arrayContaining([
        { op: "delete", source: `s3://${bucket}/a`, dest: null, size: null, status: "done" },
        { op: "delete", source: `s3://${bucket}/b`, dest: null, size: null, status: "done" },
        {
          op: "delete",
          source: `s3://${bucket}/secret/c`,
          dest: null,
          size: null,
          status: "refused",
          error: "PrefixDenied",
        },
      ]),
    );
    expect(records).toHaveLength(3);
    expect(await listAllKeys(s3, bucket)).toEqual(["secret/c"]);
    expect(
      auditLines(file)
        .map((l) => [l.tool, l.key, l.status])
        .sort(),
    ).toEqual([
      ["s3_delete_object", "a", "success"],
      ["s3_delete_object", "b", "success"],
      ["s3_delete_object", "secret/c", "denied"],
    ]);
  });

  test("rm s3://b/dir/ with no such object: exit 4 with a hint to use -r, nothing deleted", async () => {
    const bucket = await createTestBucket(s3, "rmdir");
    await seed(bucket, ["dir/a", "dir/b"]);
    const r = await cli(["rm", `s3://${bucket}/dir/`], WRITABLE);
    expectExit(r, 4);
    expect(errorCode(r)).toBe("NoSuchKey");
    expect(r.stderr).toContain(`rm -r s3://${bucket}/dir/`);
    expect(await listAllKeys(s3, bucket)).toEqual(["dir/a", "dir/b"]);
    // A folder marker that does exist is deleted like any key.
    await putTestObject(s3, bucket, "dir/", new Uint8Array());
    expectExit(await cli(["rm", `s3://${bucket}/dir/`], WRITABLE), 0);
    expect(await listAllKeys(s3, bucket)).toEqual(["dir/a", "dir/b"]);
    // One plain key keeps the single-object output.
    const one = await cli(["rm", `s3://${bucket}/dir/a`, "--json"], WRITABLE);
    expect(JSON.parse(one.stdout)).toEqual({ bucket, key: "dir/a", deleted: true });
  });

  test("patterns: * stays in one folder, ** crosses, ? is one character; no match is exit 4", async () => {
    const bucket = await createTestBucket(s3, "rmpat");
    await seed(bucket, ["logs/a.log", "logs/b.log", "logs/x/c.log", "logs/a.txt", "logs/ab.log"]);
    const one = await cli(["rm", `s3://${bucket}/logs/?.log`], WRITABLE);
    expectExit(one, 0);
    expect((await listAllKeys(s3, bucket)).sort()).toEqual(["logs/a.txt", "logs/ab.log", "logs/x/c.log"]);
    const deep = await cli(["rm", `s3://${bucket}/logs/**.log`, "--json"], WRITABLE);
    expect(jsonLines(deep.stdout).map((x) => x.source)).toEqual([
      `s3://${bucket}/logs/ab.log`,
      `s3://${bucket}/logs/x/c.log`,
    ]);
    const none = await cli(["rm", `s3://${bucket}/logs/*.gz`], WRITABLE);
    expectExit(none, 4);
    expect(none.stderr).toContain("nothing matches");
    expect(await listAllKeys(s3, bucket)).toEqual(["logs/a.txt"]);
  });

  test("--dry-run: decisions per key, nothing deleted, the audit file stays empty", async () => {
    const bucket = await createTestBucket(s3, "rmdry");
    await seed(bucket, ["p/a", "p/b", "secret/c"]);
    const file = auditFile();
    const vars = withAudit(file, {
      ...WRITABLE,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret/",
    });
    const r = await cli(["rm", `s3://${bucket}/p/*`, `s3://${bucket}/secret/c`, "--dry-run", "--json"], vars);
    expectExit(r, 3); // predicts the real run's exit code
    expect(jsonLines(r.stdout)).toEqual([
      { op: "delete", source: `s3://${bucket}/p/a`, dest: null, size: 1, decision: "allow" },
      { op: "delete", source: `s3://${bucket}/p/b`, dest: null, size: 1, decision: "allow" },
      {
        op: "delete",
        source: `s3://${bucket}/secret/c`,
        dest: null,
        size: null,
        decision: "deny",
        error: "PrefixDenied",
      },
    ]);
    const human = await cli(["rm", "-r", `s3://${bucket}/p/`, "--dry-run"], vars);
    expect(human.stdout).toBe(
      `(dry run) delete s3://${bucket}/p/a (1 bytes): allow\n(dry run) delete s3://${bucket}/p/b (1 bytes): allow\n`,
    );
    expect(human.stderr).toBe("rm: dry run: 2 allowed, 0 denied; nothing was changed\n");
    expect(await listAllKeys(s3, bucket)).toHaveLength(3);
    expect(auditLines(file)).toEqual([]);
  });

  test("keys with spaces, unicode and control characters: deleted; human output escaped, JSON exact", async () => {
    const bucket = await createTestBucket(s3, "rmodd");
    const odd = [
      "k/sp ace.txt",
      "k/ünï日本.txt",
      "k/new\nline",
      "k/esc\x1b[2Jx",
      "k/ctl\x01x",
      "k/-dash",
      "k/empty",
    ];
    await seed(bucket, odd, "");
    const human = await cli(["rm", "-r", `s3://${bucket}/k/`], WRITABLE);
    expectExit(human, 0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting none reach the terminal
    expect(human.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(human.stdout.trimEnd().split("\n")).toHaveLength(odd.length);
    expect(human.stdout).toContain("k/new\\x0aline");
    expect(human.stdout).toContain("k/esc\\x1b[2Jx");
    expect(await listAllKeys(s3, bucket)).toEqual([]);
    await seed(bucket, odd, "");
    const json = await cli(["rm", "-r", `s3://${bucket}/k/`, "--json"], WRITABLE);
    expect(
      jsonLines(json.stdout)
        .map((x) => x.source)
        .sort(),
    ).toEqual(odd.map((k) => `s3://${bucket}/${k}`).sort());
    expect(await listAllKeys(s3, bucket)).toEqual([]);
  });
});

describe("du and ls with patterns", () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await createTestBucket(s3, "du");
    await seed(bucket, ["logs/a.log", "logs/b.log", "logs/2024/c.log", "logs/2024/d.gz", "top.txt"], "12345");
    await seed(bucket, ["secret/s1", "secret/s2"], "0123456789");
  });

  test("du: objects and bytes, human and --json; prefixes and patterns", async () => {
    const all = await cli(["du", `s3://${bucket}`, "--json"]);
    expectExit(all, 0);
    expect(JSON.parse(all.stdout)).toEqual({ bucket, prefix: "", objects: 7, bytes: 45 });
    const human = await cli(["du", `s3://${bucket}/logs/`]);
    expect(human.stdout).toBe(`4 objects, 20 B (20 bytes) in s3://${bucket}/logs/\n`);
    const pat = await cli(["du", `s3://${bucket}/logs/**.log`, "--json"]);
    expect(JSON.parse(pat.stdout)).toEqual({ bucket, prefix: "logs/**.log", objects: 3, bytes: 15 });
    const none = await cli(["du", `s3://${bucket}/nothing/*`, "--json"]);
    expectExit(none, 0);
    expect(JSON.parse(none.stdout)).toEqual({ bucket, prefix: "nothing/*", objects: 0, bytes: 0 });
    const filtered = await cli(["du", `s3://${bucket}/logs/`, "--exclude", "*.gz", "--json"]);
    expect(JSON.parse(filtered.stdout)).toMatchObject({ objects: 3, bytes: 15 });
  });

  test("du counts only what a listing shows: keys hidden by the prefix ACL are not counted", async () => {
    const hidden = await cli(["du", `s3://${bucket}`, "--json"], {
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret/",
    });
    expect(JSON.parse(hidden.stdout)).toEqual({ bucket, prefix: "", objects: 5, bytes: 25 });
    const allowed = await cli(["du", `s3://${bucket}`, "--json"], {
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_ALLOWED_PREFIXES: "logs/2024/",
    });
    expect(JSON.parse(allowed.stdout)).toMatchObject({ objects: 2, bytes: 10 });
    const refused = await cli(["du", `s3://${bucket}/secret/`], {
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret/",
    });
    expectExit(refused, 3);
  });

  test("ls with a pattern shows the matching keys (and matching folders at that level); no match is empty, exit 0", async () => {
    const one = await cli(["ls", `s3://${bucket}/logs/*.log`, "--json"]);
    expectExit(one, 0);
    expect(jsonLines(one.stdout).map((x) => x.key)).toEqual(["logs/a.log", "logs/b.log"]);
    const folders = await cli(["ls", `s3://${bucket}/lo*`, "--json"]);
    expect(jsonLines(folders.stdout)).toEqual([{ type: "prefix", bucket, key: "logs/" }]);
    const deep = await cli(["ls", `s3://${bucket}/**.gz`]);
    expect(deep.stdout).toMatch(/ 5 logs\/2024\/d\.gz\n$/);
    const none = await cli(["ls", `s3://${bucket}/logs/*.zip`]);
    expect({ code: none.code, stdout: none.stdout, stderr: none.stderr }).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    const max = await cli(["ls", `s3://${bucket}/**`, "--max", "2", "--json"]);
    expect(jsonLines(max.stdout)).toHaveLength(2);
  });
});

describe("mb and rb", () => {
  const unique = () => `mbrb-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;

  test("read-only: refused with exit 3, audited denied, nothing created", async () => {
    const name = unique();
    const file = auditFile();
    const mb = await cli(["mb", `s3://${name}`], withAudit(file));
    expectExit(mb, 3);
    expect(errorCode(mb)).toBe("ReadOnlyMode");
    expect(await bucketExists(name)).toBe(false);
    const existing = await createTestBucket(s3, "rbro");
    expectExit(await cli(["rb", `s3://${existing}`], withAudit(file)), 3);
    expect(await bucketExists(existing)).toBe(true);
    expect(auditLines(file).map((l) => [l.tool, l.status, l.error])).toEqual([
      ["s3_create_bucket", "denied", "ReadOnlyMode"],
      ["s3_delete_bucket", "denied", "ReadOnlyMode"],
    ]);
  });

  test("writes allowed: create, refuse to remove while not empty (exit 2, hint), remove", async () => {
    const name = unique();
    const file = auditFile();
    const vars = withAudit(file, WRITABLE);
    const mb = await cli(["mb", `s3://${name}`], vars);
    expect({ code: mb.code, stdout: mb.stdout }).toEqual({ code: 0, stdout: `created s3://${name}\n` });
    expect(await bucketExists(name)).toBe(true);
    await putTestObject(s3, name, "x", "x");
    const full = await cli(["rb", `s3://${name}`, "--json"], vars);
    expectExit(full, 2);
    expect(JSON.parse(full.stderr)).toMatchObject({
      error: "InvalidArgument",
      hint: expect.stringContaining("rm -r --all"),
    });
    expectExit(await cli(["rm", "-r", "--all", `s3://${name}/`], vars), 0);
    const rb = await cli(["rb", `s3://${name}`, "--json"], vars);
    expectExit(rb, 0);
    expect(JSON.parse(rb.stdout)).toEqual({
      op: "delete-bucket",
      source: `s3://${name}`,
      dest: null,
      size: null,
      status: "done",
    });
    expect(await bucketExists(name)).toBe(false);
    expect(
      auditLines(file)
        .filter((l) => l.tool !== "s3_list_objects")
        .map((l) => [l.tool, l.status]),
    ).toEqual([
      ["s3_create_bucket", "success"],
      ["s3_delete_bucket", "error"],
      ["s3_delete_object", "success"],
      ["s3_delete_bucket", "success"],
    ]);
  });

  test("bucket lists apply; --dry-run creates nothing and audits nothing; a key is a usage error", async () => {
    const name = unique();
    const denied = await cli(["mb", `s3://${name}`], { ...WRITABLE, MCP_S3_DENIED_BUCKETS: name });
    expectExit(denied, 3);
    expect(errorCode(denied)).toBe("BucketDenied");
    const file = auditFile();
    const dry = await cli(["mb", `s3://${name}`, "--dry-run", "--json"], withAudit(file, WRITABLE));
    expectExit(dry, 0);
    expect(JSON.parse(dry.stdout)).toEqual({
      op: "create-bucket",
      source: `s3://${name}`,
      dest: null,
      size: null,
      decision: "allow",
    });
    expect(await bucketExists(name)).toBe(false);
    expect(auditLines(file)).toEqual([]);
    expectExit(await cli(["mb", `s3://${name}/key`], WRITABLE), 2);
  });

  test("a write to a bucket that does not exist: NoSuchBucket whose hint names mcp-s3 mb", async () => {
    const name = unique();
    const r = await cli(["put", "-", `s3://${name}/first.txt`, "--json"], WRITABLE, "hello");
    expectExit(r, 4);
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: "NoSuchBucket",
      hint: expect.stringContaining(`mcp-s3 mb s3://${name}`),
    });
  });
});

describe("run", () => {
  test("a mix of good, refused and failing lines: each audited on its own, output of a line together, exit 3", async () => {
    const bucket = await createTestBucket(s3, "run");
    await seed(bucket, ["a/1", "a/2", "secret/s"]);
    const file = auditFile();
    const jobs = join(tmp.path, "jobs.txt");
    writeFileSync(
      jobs,
      [
        "# housekeeping",
        "",
        `ls s3://${bucket}/a/`,
        `rm s3://${bucket}/a/1`,
        `rm s3://${bucket}/secret/s   # refused by the ACL`,
        `stat s3://${bucket}/missing`,
        `'rm' "s3://${bucket}/a/2"`,
        "serve",
        `du s3://${bucket}`,
      ].join("\n"),
    );
    const vars = withAudit(file, {
      ...WRITABLE,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret/",
    });
    const r = await cli(["run", jobs, "--concurrency", "1"], vars);
    expectExit(r, 3);
    const out = r.stdout.split("\n");
    expect(out.slice(0, 2).map((l) => l.replace(/^.* /, ""))).toEqual(["a/1", "a/2"]);
    expect(out.slice(2)).toEqual([
      `deleted s3://${bucket}/a/1`,
      `deleted s3://${bucket}/a/2`,
      `0 objects, 0 B (0 bytes) in s3://${bucket}/`,
      "",
    ]);
    expect(r.stderr).toContain("run: line 5 exited 3: ");
    expect(r.stderr).toContain("run: line 6 exited 4: ");
    expect(r.stderr).toContain("mcp-s3: UsageError: serve cannot be run inside run");
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("run: 7 lines: 4 ok, 1 refused, 2 failed");
    expect(await listAllKeys(s3, bucket)).toEqual(["secret/s"]);
    expect(auditLines(file).map((l) => [l.tool, l.key ?? l.prefix, l.status])).toEqual([
      ["s3_list_objects", "a/", "success"],
      ["s3_delete_object", "a/1", "success"],
      ["s3_delete_object", "secret/s", "denied"],
      ["s3_get_object_metadata", "missing", "error"],
      ["s3_delete_object", "a/2", "success"],
      ["s3_list_objects", "", "success"],
    ]);
  });

  test("lines in parallel from stdin; each line's output comes out in one piece", async () => {
    const bucket = await createTestBucket(s3, "runpar");
    const folders = Array.from({ length: 6 }, (_, i) => `f${i}/`);
    await seed(
      bucket,
      folders.flatMap((f) => Array.from({ length: 40 }, (_, j) => `${f}k${String(j).padStart(2, "0")}`)),
    );
    const lines = folders.map((f) => `ls -r s3://${bucket}/${f}`).join("\n");
    const r = await cli(["run", "-", "--concurrency", "6"], {}, lines);
    expectExit(r, 0);
    const keys = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.replace(/^.* /, ""));
    expect(keys).toHaveLength(240);
    // Each folder's 40 keys are contiguous, in order.
    for (let i = 0; i < keys.length; i += 40) {
      const folder = (keys[i] as string).slice(0, 3);
      expect(keys.slice(i, i + 40)).toEqual(
        Array.from({ length: 40 }, (_, j) => `${folder}k${String(j).padStart(2, "0")}`),
      );
    }
  });

  test("--dry-run passes through: nothing changes, nothing is audited; commands without a dry run are not run", async () => {
    const bucket = await createTestBucket(s3, "rundry");
    await seed(bucket, ["a", "b"]);
    const file = auditFile();
    const r = await cli(
      ["run", "-", "--dry-run", "--json"],
      withAudit(file, WRITABLE),
      `rm s3://${bucket}/a\nrm -r --all s3://${bucket}\nmb s3://${bucket}-new\nls s3://${bucket}\nrb s3://${bucket}\n`,
    );
    expectExit(r, 0);
    expect(
      jsonLines(r.stdout)
        .map((x) => [x.op, x.source, x.decision])
        .sort(),
    ).toEqual(
      [
        ["delete", `s3://${bucket}/a`, "allow"],
        ["delete", `s3://${bucket}/a`, "allow"],
        ["delete", `s3://${bucket}/b`, "allow"],
        ["create-bucket", `s3://${bucket}-new`, "allow"],
        ["delete-bucket", `s3://${bucket}`, "allow"],
      ].sort(),
    );
    expect(await listAllKeys(s3, bucket)).toEqual(["a", "b"]);
    expect(await bucketExists(`${bucket}-new`)).toBe(false);
    expect(auditLines(file)).toEqual([]);
  });

  test("a missing file is a usage error; nested run and stdin inside run are refused", async () => {
    expectExit(await cli(["run", join(tmp.path, "nope.txt")]), 2);
    const r = await cli(["run", "-"], {}, "run -\nput - s3://b/k\n");
    expectExit(r, 1);
    expect(r.stderr).toContain("run cannot be run inside run");
    expect(r.stderr).toContain("stdin (-) cannot be read by a line of run");
  });
});
