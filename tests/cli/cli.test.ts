// The CLI end to end: `bun src/main.ts COMMAND` as a subprocess against the real S3 test server.
// Every command in both output modes, every exit code, stdin/stdout with binary data, policy and
// audit, completion scripts.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { needs } from "../support/capabilities.ts";
import {
  adminClient,
  createTestBucket,
  getTestObject,
  getTestS3,
  listAllKeys,
  listMultipartUploads,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { BUN, errorCode, jsonLines, MAIN, type Result, run, tempDir } from "./helpers.ts";

setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
let env: Record<string, string>;
let writable: Record<string, string>;
const tmp = tempDir();
const BINARY = randomBytes(300 * 1024); // every byte value, not valid UTF-8

const cli = (args: string[], options: Partial<Parameters<typeof run>[1]> = {}) =>
  run(args, { env, ...options });

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "cli");
  env = testEnv(s3);
  writable = { ...env, MCP_S3_EXT_READONLY: "false" };
  await Promise.all([
    putTestObject(s3, bucket, "hello.txt", "hello, world\n", "text/plain"),
    putTestObject(s3, bucket, "dir/a.txt", "a"),
    putTestObject(s3, bucket, "dir/b.txt", "bb"),
    putTestObject(s3, bucket, "dir/sub/c.txt", "ccc"),
    putTestObject(s3, bucket, "secret/key.txt", "do not read"),
    putTestObject(s3, bucket, "bin/data.bin", BINARY),
    putTestObject(s3, bucket, "big/eleven-mib.bin", new Uint8Array(11 * 1024 * 1024)),
  ]);
  // 1,005 keys: more than one page of ListObjectsV2.
  const client = adminClient(s3);
  const keys = Array.from({ length: 1005 }, (_, i) => `many/k${String(i).padStart(4, "0")}`);
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(
      keys
        .slice(i, i + 64)
        .map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x" }))),
    );
  }
  client.destroy();
});

afterAll(() => tmp.remove());

function expectOk(r: Result): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
}

function expectError(r: Result, exit: number, code: string): void {
  expect({ exit: r.code, code: errorCode(r) }).toEqual({ exit, code });
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1); // one line (no TTY, so no hint)
}

describe("version and help", () => {
  test("version: human and --json", async () => {
    const human = await cli(["version"]);
    expectOk(human);
    expect(human.stdout).toMatch(/^mcp-s3 \d+\.\d+\.\d+ \(commit \S+, bun-[a-z0-9-]+, bun \S+\)\n$/);
    const json = await cli(["version", "--json"]);
    expectOk(json);
    expect(JSON.parse(json.stdout)).toMatchObject({
      version: expect.any(String),
      commit: "dev",
      runtime: "bun",
    });
    expect((await cli(["--version"])).stdout).toBe(human.stdout);
  });

  test("version, help and completion never load the AWS SDK or the MCP SDK", async () => {
    // A preload that makes every import of the SDKs fail: the light commands must not notice.
    const hook = join(tmp.path, "no-sdk.ts");
    writeFileSync(
      hook,
      `Bun.plugin({ name: "no-sdk", setup(b) { b.onLoad({ filter: /node_modules\\/@(aws-sdk|smithy|modelcontextprotocol)\\// }, (a) => { throw new Error("SDK imported: " + a.path); }); } });\n`,
    );
    const light = (args: string[]) =>
      spawnSync(BUN, ["--preload", hook, MAIN, ...args], { env, encoding: "utf8", timeout: 60_000 });
    for (const args of [
      ["version"],
      ["--help"],
      ["ls", "--help"],
      ["completion", "bash"],
      ["config", "check"],
    ]) {
      const r = light(args);
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: "" });
    }
    // Control: a command that talks to S3 does load it, so the hook works.
    const control = spawnSync(BUN, ["--preload", hook, MAIN, "buckets"], {
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(control.status).not.toBe(0);
    expect(control.stderr).toContain("SDK imported");
  });

  test("--help lists every command, the global flags and the exit codes", async () => {
    const r = await cli(["--help"]);
    expectOk(r);
    for (const c of ["serve", "buckets", "ls", "cat", "get", "put", "cp", "rm", "stat", "presign"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    }
    for (const c of ["connections", "config", "version", "completion"]) expect(r.stdout).toContain(`  ${c} `);
    for (const f of [
      "--config",
      "--connection",
      "--json",
      "--quiet",
      "--read-only",
      "--max-get-size",
      "--audit",
    ]) {
      expect(r.stdout).toContain(f);
    }
    for (const code of ["0 ", "1 ", "2 ", "3 ", "4 ", "5 "]) expect(r.stdout).toContain(`\n  ${code}`);
  });

  test("per-command help: COMMAND --help, -h and help COMMAND", async () => {
    const a = await cli(["ls", "--help"]);
    expectOk(a);
    expect(a.stdout).toContain("mcp-s3 ls [s3://bucket[/prefix]]");
    expect(a.stdout).toContain("--recursive");
    expect(a.stdout).toContain("Audited as s3_list_objects");
    expect((await cli(["ls", "-h"])).stdout).toBe(a.stdout);
    expect((await cli(["help", "ls"])).stdout).toBe(a.stdout);
    expect((await cli(["--help", "ls"])).stdout).toBe(a.stdout);
    const put = await cli(["put", "--help"]);
    expect(put.stdout).toContain("--content-type TYPE");
    expect(put.stdout).toContain("--metadata K=V");
  });
});

describe("usage errors exit 2", () => {
  test.each([
    [["nosuchcommand"], /unknown command "nosuchcommand"/],
    [["ls", "--bogus"], /unknown flag --bogus/],
    [["--bogus", "version"], /unknown flag --bogus/],
    [["cat"], /missing argument; usage: mcp-s3 cat s3:\/\/bucket\/key/],
    [["stat", "s3://b/k", "extra"], /unexpected argument "extra"/],
    [["ls", "--max", "0", "s3://b/"], /--max "0" is not valid/],
    [["cat", "--range", "9-3", "s3://b/k"], /--range "9-3" is not valid/],
    [["presign", "--method", "POST", "s3://b/k"], /--method "POST" is not valid/],
    [["presign", "--expires", "soon", "s3://b/k"], /--expires "soon" is not valid/],
    [["cat", "s3://"], /names no bucket/],
    [["stat", "s3://bucket-only"], /names no object key/],
    [["cp", "a.txt", "b.txt"], /needs an s3:\/\/ location/],
    [["config", "edit"], /unknown "edit", expected one of check, show/],
    [["completion", "powershell"], /expected one of bash, zsh, fish/],
    [["--read-only=", "version"], /--read-only= needs a value/],
  ])("%j", async (args, message) => {
    const r = await cli(args);
    expectError(r, 2, "UsageError");
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  test("--json makes the error one JSON object on stderr", async () => {
    const r = await cli(["--json", "ls", "--bogus"]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ error: "UsageError", hint: expect.any(String) });
  });

  test("-- ends the flags: a key that starts with a dash", async () => {
    await putTestObject(s3, bucket, "-dash", "dash");
    const r = await cli(["cat", "--", `${bucket}/-dash`]);
    expectOk(r);
    expect(r.stdout).toBe("dash");
  });
});

describe("configuration", () => {
  test("an invalid configuration exits 5 and lists every problem", async () => {
    const r = await cli(["ls", `s3://${bucket}/`, "--max-get-size", "lots"], {
      env: { ...env, S3_TIMEOUT: "forever", MCP_S3_EXT_READONLY: "perhaps" },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^mcp-s3: InvalidConfig: invalid configuration \(3 problems\):/);
    expect(r.stderr).toContain("--max-get-size");
    expect(r.stderr).toContain("S3_TIMEOUT");
    expect(r.stderr).toContain("MCP_S3_EXT_READONLY");
    const json = await cli(["--json", "config", "check"], { env: { ...env, S3_TIMEOUT: "forever" } });
    expect(json.code).toBe(5);
    const body = JSON.parse(json.stderr) as { error: string; problems: string[] };
    expect(body.error).toBe("InvalidConfig");
    expect(body.problems).toHaveLength(1);
  });

  test("--read-only=maybe is a configuration error (5); an unknown -c connection is not found (4)", async () => {
    const bad = await cli(["--read-only=maybe", "buckets"]);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain('--read-only: "maybe" is not valid');
    expectError(await cli(["-c", "nope", "buckets"]), 4, "ConnectionNotFound");
    expect((await cli(["--connection", "default", "ls", `s3://${bucket}/dir/`])).code).toBe(0);
  });

  test("config check: human and --json", async () => {
    const r = await cli(["config", "check"]);
    expectOk(r);
    expect(r.stdout).toContain("configuration is valid");
    const j = await cli(["config", "check", "--json"]);
    expect(JSON.parse(j.stdout)).toEqual({
      valid: true,
      config_file: null,
      default_connection: "default",
      connections: ["default"],
    });
  });

  test("config show and connections never print a secret", async () => {
    const secret = s3.users[0]?.secretAccessKey as string;
    const file = join(tmp.path, "config.yaml");
    writeFileSync(
      file,
      [
        "connections:",
        "  other:",
        "    endpoint: http://127.0.0.1:9",
        "    access_key_id: AKIAOTHERKEY0000",
        "    secret_access_key: other-secret-value",
        "    session_token: other-session-token",
        "",
      ].join("\n"),
    );
    chmodSync(file, 0o600);
    const e = { ...env, S3_CONNECTION_NAME: "other" };
    for (const args of [
      ["config", "show"],
      ["config", "show", "--json"],
      ["connections"],
      ["connections", "--json"],
    ]) {
      const r = await cli(["--config", file, ...args], { env: e });
      expectOk(r);
      for (const s of [secret, "other-secret-value", "other-session-token", "AKIAOTHERKEY0000"]) {
        expect(r.stdout).not.toContain(s);
      }
    }
    const show = await cli(["--config", file, "config", "show", "--json"], { env: e });
    expect(JSON.parse(show.stdout)).toMatchObject({
      config_file: file,
      connections: { other: { secret_access_key: "********", access_key_id: "********0000" } },
    });
    const human = await cli(["--config", file, "config", "show"], { env: e });
    expect(human.stdout).toContain('secret_access_key: "********"');
  });

  test("connections: a table, or one JSON object per line", async () => {
    const r = await cli(["connections"]);
    expectOk(r);
    const [header, row] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(
      /NAME\s+REGION\s+ENDPOINT\s+CREDENTIALS\s+ACCESS\s+MAX GET\s+MAX PUT\s+PREFIX ACL/,
    );
    expect(row).toMatch(
      /^\*\s+default\s+us-east-1\s+http:\/\/127\.0\.0\.1:\d+\s+static keys\s+read-only\s+10 MiB\s+100 MiB\s+off$/,
    );
    const j = jsonLines((await cli(["connections", "--json", "--no-read-only"])).stdout);
    expect(j).toHaveLength(1);
    expect(j[0]).toMatchObject({
      name: "default",
      default: true,
      credentials: "static keys",
      path_style: true,
      policy: { read_only: false, max_get_size: 10485760 },
    });
  });
});

describe("buckets and ls", () => {
  test("buckets: human and JSON lines", async () => {
    const r = await cli(["buckets"]);
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${bucket}$`, "m"));
    const j = jsonLines((await cli(["buckets", "--json"])).stdout);
    expect(j.find((b) => b.name === bucket)).toEqual({ name: bucket, creation_date: expect.any(String) });
    // ls without a location lists buckets too.
    expect((await cli(["ls"])).stdout).toBe(r.stdout);
  });

  test("ls: folders as PRE lines, objects as date, size, key (aws s3 ls columns)", async () => {
    const r = await cli(["ls", `s3://${bucket}/dir/`]);
    expectOk(r);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {10}1 dir\/a\.txt$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {10}2 dir\/b\.txt$/);
    expect(lines[2]).toBe(`${" ".repeat(26)} PRE dir/sub/`);
    // bucket/prefix without s3:// names the same place.
    expect((await cli(["ls", `${bucket}/dir/`])).stdout).toBe(r.stdout);
  });

  needs("byteOrder").test(
    "ls --json: one object per line with stable fields; jq-style filtering works",
    async () => {
      const r = await cli(["ls", `s3://${bucket}/dir/`, "--json"]);
      expectOk(r);
      const rows = jsonLines(r.stdout);
      expect(rows).toEqual([
        {
          type: "object",
          bucket,
          key: "dir/a.txt",
          size: 1,
          last_modified: expect.any(String),
          etag: expect.any(String),
          storage_class: expect.any(String),
        },
        expect.objectContaining({ type: "object", key: "dir/b.txt", size: 2 }),
        { type: "prefix", bucket, key: "dir/sub/" },
      ]);
      const sh = spawnSync(
        "bash",
        ["-c", `"$BUN" "$MAIN" ls "s3://${bucket}/dir/" --recursive --json | grep -c '"type":"object"'`],
        { env: { ...env, BUN, MAIN }, encoding: "utf8", timeout: 60_000 },
      );
      expect(sh.stdout.trim()).toBe("3");
    },
  );

  needs("byteOrder").test("ls --recursive lists every key; pages are fetched transparently", async () => {
    const r = await cli(["ls", "-r", `s3://${bucket}/many/`, "--json"]);
    expectOk(r);
    const rows = jsonLines(r.stdout);
    expect(rows).toHaveLength(1005);
    expect(rows[1004]).toMatchObject({ key: "many/k1004" });
    expect(new Set(rows.map((o) => o.key)).size).toBe(1005);
    const all = await cli(["ls", "--recursive", `s3://${bucket}`]);
    expect(all.stdout.trimEnd().split("\n").length).toBe((await listAllKeys(s3, bucket)).length);
  });

  needs("byteOrder").test("ls --max N stops after N entries, across pages too", async () => {
    expect(
      jsonLines((await cli(["ls", "-r", "--max", "3", `s3://${bucket}/many/`, "--json"])).stdout),
    ).toHaveLength(3);
    // Command flags may also come before the command word.
    expect(
      (await cli(["--max", "2", "-r", "ls", `s3://${bucket}/many/`])).stdout.trimEnd().split("\n"),
    ).toHaveLength(2);
    const r = await cli(["ls", "-r", "--max", "1002", `s3://${bucket}/many/`]);
    expectOk(r);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1002);
  });

  test("ls of a missing bucket exits 4", async () => {
    expectError(await cli(["ls", "s3://no-such-bucket-mcp-s3-cli/"]), 4, "NoSuchBucket");
  });
});

describe("cat, get, stat", () => {
  test("cat streams an object to stdout; --range reads bytes A-B", async () => {
    const r = await cli(["cat", `s3://${bucket}/hello.txt`]);
    expectOk(r);
    expect(r.stdout).toBe("hello, world\n");
    expect((await cli(["cat", "--range", "7-11", `s3://${bucket}/hello.txt`])).stdout).toBe("world");
    expect((await cli(["cat", "--range", "7-", `s3://${bucket}/hello.txt`])).stdout).toBe("world\n");
  });

  test("cat and get - write binary data to stdout byte for byte", async () => {
    const a = await cli(["cat", `s3://${bucket}/bin/data.bin`]);
    expectOk(a);
    expect(Buffer.from(a.bytes).equals(BINARY)).toBe(true);
    const b = await cli(["get", `s3://${bucket}/bin/data.bin`, "-"]);
    expectOk(b);
    expect(Buffer.from(b.bytes).equals(BINARY)).toBe(true);
  });

  test("the get limit: 3 for a larger object, a range within it is fine, --max-get-size raises it", async () => {
    const key = `s3://${bucket}/big/eleven-mib.bin`;
    const r = await cli(["cat", key]);
    expectError(r, 3, "EntityTooLarge");
    expect(r.stdout).toBe("");
    expect((await cli(["cat", "--range", "0-1023", key])).bytes.length).toBe(1024);
    const raised = await cli(["--max-get-size", "12MB", "cat", key]);
    expectOk(raised);
    expect(raised.bytes.length).toBe(11 * 1024 * 1024);
    const dir = join(tmp.path, "limit");
    mkdirSync(dir);
    expectError(await cli(["get", key, dir]), 3, "EntityTooLarge");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("missing keys and buckets exit 4", async () => {
    expectError(await cli(["cat", `s3://${bucket}/nope`]), 4, "NoSuchKey");
    expectError(await cli(["stat", `s3://${bucket}/nope`]), 4, "NoSuchKey");
    expectError(await cli(["cat", "s3://no-such-bucket-mcp-s3-cli/k"]), 4, "NoSuchBucket");
    const dir = join(tmp.path, "missing");
    mkdirSync(dir);
    expectError(await cli(["get", `s3://${bucket}/nope`, dir]), 4, "NoSuchKey");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("get: to a file, into a directory, to the base name in the working directory", async () => {
    const dir = join(tmp.path, "get");
    mkdirSync(dir);
    const a = await cli(["get", `s3://${bucket}/bin/data.bin`, join(dir, "named.bin")]);
    expectOk(a);
    expect(a.stdout).toBe(
      `downloaded s3://${bucket}/bin/data.bin -> ${join(dir, "named.bin")} (${BINARY.length} bytes)\n`,
    );
    expect(readFileSync(join(dir, "named.bin")).equals(BINARY)).toBe(true);
    const b = await cli(["get", `s3://${bucket}/dir/b.txt`, `${dir}/`, "--json"]);
    expectOk(b);
    expect(JSON.parse(b.stdout)).toEqual({
      bucket,
      key: "dir/b.txt",
      file: join(dir, "b.txt"),
      size: 2,
      content_type: expect.any(String),
      last_modified: expect.any(String),
      etag: expect.any(String),
    });
    const c = await cli(["get", "-q", `s3://${bucket}/dir/a.txt`], { cwd: dir });
    expectOk(c);
    expect(c.stdout).toBe("");
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("a");
    // No temporary file is left behind.
    expect(readdirSync(dir).sort()).toEqual(["a.txt", "b.txt", "named.bin"]);
    // A destination directory that does not exist is a usage error.
    expectError(
      await cli(["get", `s3://${bucket}/dir/a.txt`, join(dir, "no", "such", "x")]),
      2,
      "InvalidArgument",
    );
  });

  test("stat: human and --json", async () => {
    const r = await cli(["stat", `s3://${bucket}/hello.txt`]);
    expectOk(r);
    expect(r.stdout).toMatch(
      new RegExp(
        `^s3://${bucket}/hello.txt\n  size: +13 \\(13 B\\)\n  content_type: +text/plain\n  last_modified: +\\S+\n  etag: +"[0-9a-f]+"\n$`,
      ),
    );
    const j = JSON.parse((await cli(["stat", `s3://${bucket}/hello.txt`, "--json"])).stdout);
    expect(j).toEqual({
      bucket,
      key: "hello.txt",
      content_type: "text/plain",
      content_length: 13,
      size: 13,
      last_modified: expect.any(String),
      etag: expect.any(String),
      metadata: {},
    });
  });
});

describe("put, cp, rm: writes", () => {
  needs("multipartAdmin").test(
    "read-only (the default): put - exits 3 without reading stdin and without touching S3",
    async () => {
      const before = await listAllKeys(s3, bucket);
      // stdin is a pipe that never ends: a put that read it before asking the policy would hang.
      const proc = Bun.spawn([BUN, MAIN, "put", "-", `s3://${bucket}/refused.bin`], {
        env,
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
      proc.stdin.write(new Uint8Array(64 * 1024));
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      const code = await proc.exited;
      clearTimeout(timer);
      expect(code).toBe(3);
      expect(await new Response(proc.stderr).text()).toMatch(/^mcp-s3: ReadOnlyMode: write refused/);
      expect(await listAllKeys(s3, bucket)).toEqual(before);
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    },
  );

  needs("multipartAdmin").test(
    "read-only refuses put, cp, rm and presign --method PUT with exit 3; nothing changes",
    async () => {
      const before = await listAllKeys(s3, bucket);
      const file = join(tmp.path, "small.txt");
      writeFileSync(file, "small");
      for (const args of [
        ["put", file, `s3://${bucket}/refused.txt`],
        ["cp", `s3://${bucket}/hello.txt`, `s3://${bucket}/copy.txt`],
        ["cp", file, `s3://${bucket}/refused.txt`],
        ["rm", `s3://${bucket}/hello.txt`],
        ["presign", "--method", "PUT", `s3://${bucket}/x`],
        // --read-only on the command line wins over the environment.
        ["--read-only", "rm", `s3://${bucket}/hello.txt`],
      ]) {
        const r = await cli(args, { env: args[0] === "--read-only" ? writable : env });
        expectError(r, 3, "ReadOnlyMode");
      }
      expect(await listAllKeys(s3, bucket)).toEqual(before);
    },
  );

  test("put from stdin and get to stdout round-trip binary data", async () => {
    const put = await cli(["--read-only=false", "put", "-", `s3://${bucket}/io/stdin.bin`], {
      stdin: BINARY,
    });
    expectOk(put);
    expect(put.stdout).toBe(`uploaded stdin -> s3://${bucket}/io/stdin.bin (${BINARY.length} bytes)\n`);
    const stored = await getTestObject(s3, bucket, "io/stdin.bin");
    expect(Buffer.from(stored ?? []).equals(BINARY)).toBe(true);
    const back = await cli(["get", `s3://${bucket}/io/stdin.bin`, "-"]);
    expect(Buffer.from(back.bytes).equals(BINARY)).toBe(true);
  });

  test("put a file: --json result, key from the file name, content type, metadata", async () => {
    const file = join(tmp.path, "report.json");
    writeFileSync(file, '{"ok":true}\n');
    const r = await cli(
      ["put", file, `s3://${bucket}/reports/`, "--metadata", "owner=ci", "--metadata", "run=7", "--json"],
      { env: writable },
    );
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({
      bucket,
      key: "reports/report.json",
      etag: expect.any(String),
      size: 12,
      version_id: null,
    });
    const stat = JSON.parse((await cli(["stat", `s3://${bucket}/reports/report.json`, "--json"])).stdout);
    expect(stat).toMatchObject({ content_type: "application/json", metadata: { owner: "ci", run: "7" } });
    const typed = await cli(["put", file, `s3://${bucket}/reports/x`, "--content-type", "text/x-test"], {
      env: writable,
    });
    expectOk(typed);
    expect(JSON.parse((await cli(["stat", `${bucket}/reports/x`, "--json"])).stdout).content_type).toBe(
      "text/x-test",
    );
  });

  needs("multipartAdmin").test(
    "put: a missing file or a directory is a usage error; the put limit exits 3",
    async () => {
      expectError(
        await cli(["put", join(tmp.path, "nope"), `s3://${bucket}/x`], { env: writable }),
        2,
        "UsageError",
      );
      expectError(await cli(["put", tmp.path, `s3://${bucket}/x`], { env: writable }), 2, "UsageError");
      const file = join(tmp.path, "two-kib");
      writeFileSync(file, new Uint8Array(2048));
      const r = await cli(["--max-put-size", "1K", "put", file, `s3://${bucket}/too-big`], { env: writable });
      expectError(r, 3, "EntityTooLarge");
      const s = await cli(["--max-put-size", "1K", "put", "-", `s3://${bucket}/too-big`], {
        env: writable,
        stdin: new Uint8Array(2048),
      });
      expectError(s, 3, "EntityTooLarge");
      expect(await getTestObject(s3, bucket, "too-big")).toBeNull();
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    },
  );

  test("cp: S3 to S3 on the server, into a folder, local to S3 and S3 to local", async () => {
    const a = await cli(["cp", `s3://${bucket}/hello.txt`, `s3://${bucket}/copies/`, "--json"], {
      env: writable,
    });
    expectOk(a);
    expect(JSON.parse(a.stdout)).toMatchObject({
      source_bucket: bucket,
      source_key: "hello.txt",
      dest_bucket: bucket,
      dest_key: "copies/hello.txt",
    });
    expect(new TextDecoder().decode((await getTestObject(s3, bucket, "copies/hello.txt")) ?? undefined)).toBe(
      "hello, world\n",
    );
    const human = await cli(["cp", `s3://${bucket}/hello.txt`, `s3://${bucket}/copies/h2.txt`], {
      env: writable,
    });
    expect(human.stdout).toBe(`copied s3://${bucket}/hello.txt -> s3://${bucket}/copies/h2.txt\n`);
    const file = join(tmp.path, "cp-up.bin");
    writeFileSync(file, BINARY);
    expectOk(await cli(["cp", file, `s3://${bucket}/copies/up.bin`], { env: writable }));
    const down = join(tmp.path, "cp-down.bin");
    expectOk(await cli(["cp", `s3://${bucket}/copies/up.bin`, down]));
    expect(readFileSync(down).equals(BINARY)).toBe(true);
    const out = await cli(["cp", `s3://${bucket}/copies/up.bin`, "-"]);
    expect(Buffer.from(out.bytes).equals(BINARY)).toBe(true);
    expectError(
      await cli(["cp", `s3://${bucket}/nope`, `s3://${bucket}/x`], { env: writable }),
      4,
      "NoSuchKey",
    );
  });

  test("rm: human and --json; deleting a missing key succeeds as in S3", async () => {
    await putTestObject(s3, bucket, "rm/one", "1");
    await putTestObject(s3, bucket, "rm/two", "2");
    const r = await cli(["rm", `s3://${bucket}/rm/one`], { env: writable });
    expectOk(r);
    expect(r.stdout).toBe(`deleted s3://${bucket}/rm/one\n`);
    const j = await cli(["rm", `s3://${bucket}/rm/two`, "--json"], { env: writable });
    expect(JSON.parse(j.stdout)).toEqual({ bucket, key: "rm/two", deleted: true });
    expect(await listAllKeys(s3, bucket, "rm/")).toEqual([]);
    expectOk(await cli(["rm", `s3://${bucket}/rm/never`, "-q"], { env: writable }));
  });
});

describe("presign", () => {
  test("a GET URL that works, expiry from --expires; --json", async () => {
    const r = await cli(["presign", `s3://${bucket}/hello.txt`, "--expires", "15m"]);
    expectOk(r);
    const url = r.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Expires=900/);
    expect(await (await fetch(url)).text()).toBe("hello, world\n");
    const j = JSON.parse((await cli(["presign", `s3://${bucket}/hello.txt`, "--json"])).stdout);
    expect(j).toMatchObject({ bucket, key: "hello.txt", method: "GET", expires_in_seconds: 3600 });
  });

  test("a PUT URL when writes are allowed", async () => {
    const r = await cli(["presign", "--method", "put", `s3://${bucket}/presigned.txt`, "--json"], {
      env: writable,
    });
    expectOk(r);
    const { url, method } = JSON.parse(r.stdout) as { url: string; method: string };
    expect(method).toBe("PUT");
    expect((await fetch(url, { method: "PUT", body: "via url" })).status).toBe(200);
    expect(new TextDecoder().decode((await getTestObject(s3, bucket, "presigned.txt")) ?? undefined)).toBe(
      "via url",
    );
  });
});

describe("policy and audit are the MCP tools'", () => {
  test("every command is audited under its tool name with source cli; refusals as denied", async () => {
    const audit = join(tmp.path, "audit.jsonl");
    const e = { ...env, MCP_S3_AUDIT_FILE: audit };
    const file = join(tmp.path, "audited.txt");
    writeFileSync(file, "audited");
    const steps: [string[], string, string][] = [
      [["buckets"], "s3_list_buckets", "success"],
      [["ls", `s3://${bucket}/dir/`], "s3_list_objects", "success"],
      [["cat", `s3://${bucket}/hello.txt`], "s3_get_object", "success"],
      [["get", `s3://${bucket}/hello.txt`, join(tmp.path, "audited-get.txt")], "s3_get_object", "success"],
      [["stat", `s3://${bucket}/hello.txt`], "s3_get_object_metadata", "success"],
      [["presign", `s3://${bucket}/hello.txt`], "s3_presign_url", "success"],
      [["connections"], "s3_list_connections", "success"],
      [["put", file, `s3://${bucket}/audited.txt`], "s3_put_object", "denied"],
      [["--read-only=false", "put", file, `s3://${bucket}/audited.txt`], "s3_put_object", "success"],
      [["cp", `s3://${bucket}/hello.txt`, `s3://${bucket}/audited-copy.txt`], "s3_copy_object", "denied"],
      [["rm", `s3://${bucket}/audited.txt`], "s3_delete_object", "denied"],
      [["--no-read-only", "rm", `s3://${bucket}/audited.txt`], "s3_delete_object", "success"],
      [["cat", `s3://${bucket}/nope`], "s3_get_object", "error"],
    ];
    for (const [args] of steps) await cli(["--audit", ...args], { env: e });
    // --audit=false (or no flag) writes nothing.
    await cli(["--audit=false", "buckets"], { env: e });
    await cli(["buckets"], { env: e });
    const lines = jsonLines(readFileSync(audit, "utf8"));
    expect(lines.map((l) => [l.tool, l.status])).toEqual(steps.map(([, tool, status]) => [tool, status]));
    for (const l of lines) expect(l).toMatchObject({ source: "cli", connection: "default" });
    expect(lines[2]).toMatchObject({ bucket, key: "hello.txt", bytes: 13 });
    expect(lines[7]).toMatchObject({ error: "ReadOnlyMode" });
    expect(lines[12]).toMatchObject({ error: "NoSuchKey" });
    expect(readFileSync(audit, "utf8")).not.toContain("X-Amz-Signature");
  });

  test("prefix ACL: refused keys exit 3, listings hide them", async () => {
    const e = { ...env, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "secret/" };
    expectError(await cli(["cat", `s3://${bucket}/secret/key.txt`], { env: e }), 3, "PrefixDenied");
    expectError(await cli(["ls", `s3://${bucket}/secret/`], { env: e }), 3, "PrefixDenied");
    const root = await cli(["ls", `s3://${bucket}/`, "--json"], { env: e });
    expectOk(root);
    const keys = jsonLines(root.stdout).map((r) => r.key);
    expect(keys).toContain("dir/");
    expect(keys).not.toContain("secret/");
  });
});

describe("completion", () => {
  const commands = [
    "serve",
    "buckets",
    "ls",
    "cat",
    "get",
    "put",
    "cp",
    "rm",
    "stat",
    "presign",
    "connections",
    "config",
    "version",
    "completion",
  ];

  test("bash: valid syntax (bash -n), lists the commands, completes them", async () => {
    const r = await cli(["completion", "bash"]);
    expectOk(r);
    const file = join(tmp.path, "mcp-s3.bash");
    writeFileSync(file, r.stdout);
    const check = spawnSync("bash", ["-n", file], { encoding: "utf8", timeout: 60_000 });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: "" });
    for (const c of commands) expect(r.stdout).toContain(c);
    // Drive the completion function the way bash would.
    const driven = spawnSync(
      "bash",
      [
        "-c",
        `source ${file}; COMP_WORDS=(mcp-s3 c); COMP_CWORD=1; _mcp_s3; echo "\${COMPREPLY[*]}"; COMP_WORDS=(mcp-s3 ls --r); COMP_CWORD=2; _mcp_s3; echo "\${COMPREPLY[*]}"; COMP_WORDS=(mcp-s3 config ""); COMP_CWORD=2; _mcp_s3; echo "\${COMPREPLY[*]}"`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(driven.stdout.split("\n").slice(0, 3)).toEqual([
      "cat cp connections config completion",
      "--recursive --read-only --read-only=",
      "check show",
    ]);
  });

  test.each(["zsh", "fish"])(
    "%s: lists the commands (and parses, when the shell is installed)",
    async (shell) => {
      const r = await cli(["completion", shell]);
      expectOk(r);
      for (const c of commands) expect(r.stdout).toContain(c);
      const which = spawnSync("sh", ["-c", `command -v ${shell}`], { encoding: "utf8", timeout: 60_000 });
      if (which.status === 0) {
        const file = join(tmp.path, `mcp-s3.${shell}`);
        writeFileSync(file, r.stdout);
        const check = spawnSync(shell, ["-n", file], { encoding: "utf8", timeout: 60_000 });
        expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: "" });
      }
    },
  );
});

describe("terminal output", () => {
  // `script` gives the child a pseudo-terminal, so stderr is a TTY there.
  const hasScript = existsSync("/usr/bin/script");

  test.skipIf(!hasScript)(
    "a progress bar on a TTY stderr; none with --quiet or --json; NO_COLOR honoured",
    async () => {
      const out = (extra: string, envExtra: Record<string, string> = {}) => {
        const dir = join(tmp.path, `tty-${Math.random().toString(36).slice(2)}`);
        mkdirSync(dir);
        const cmd = `"${BUN}" "${MAIN}" --max-get-size 20MB ${extra} get s3://${bucket}/big/eleven-mib.bin ${dir}/ 2>&1 >/dev/null`;
        const r = spawnSync("script", ["-qfec", cmd, "/dev/null"], {
          env: { ...env, TERM: "xterm", ...envExtra },
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(r.status).toBe(0);
        return r.stdout;
      };
      const shown = out("");
      expect(shown).toMatch(/eleven-mib\.bin +\d+% \[/);
      expect(shown).toContain("/ 11 MiB");
      expect(shown).toContain("\x1b[34m"); // the bar is coloured
      const plain = out("", { NO_COLOR: "1" });
      expect(plain).toMatch(/100% \[#+\]/);
      expect(plain).not.toContain("\x1b[34m");
      expect(out("--quiet")).not.toContain("%");
      expect(out("--json")).not.toContain("%");
    },
  );

  test.skipIf(!hasScript)("on a terminal an error gets its hint on a second line", () => {
    const r = spawnSync("script", ["-qfec", `"${BUN}" "${MAIN}" cat s3://${bucket}/nope`, "/dev/null"], {
      env: { ...env, TERM: "xterm", NO_COLOR: "1" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/^mcp-s3: NoSuchKey: no such key .*\r?\nhint: check the key/);
  });
});

test("serve: the MCP server answers on stdio and exits 0 at EOF", async () => {
  const init = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  };
  for (const args of [[], ["serve"]]) {
    const r = await cli(args, { stdin: `${JSON.stringify(init)}\n` });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.split("\n")[0] as string)).toMatchObject({
      id: 1,
      result: { serverInfo: { name: "mcp-s3" } },
    });
  }
});
