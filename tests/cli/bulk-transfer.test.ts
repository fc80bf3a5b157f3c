// Tree transfers of SPEC §6.1 end to end through the CLI against the real server: put -r / get -r /
// cp -r (every direction), sync both ways (a second run transfers no body, as the audit proves),
// --delete, --checksum, --size-only, mv, patterns, filters, --dry-run, zip-slip keys, symbolic
// links, a denied prefix inside the tree, local errors in words, and interruption (then sync
// finishes the job).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { needs } from "../support/capabilities.ts";
import { startFaultProxy } from "../support/faultproxy.ts";
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
import { BUN, errorCode, jsonLines, MAIN, type Result, run, tempDir, until } from "./helpers.ts";

setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
let s3: TestS3;
let env: Record<string, string>;
let bucket: string;
const tmp = tempDir("mcp-s3-bulk-xfer-");
let counter = 0;
const fresh = (name: string) => join(tmp.path, `${name}-${++counter}`);

const WRITABLE = { MCP_S3_EXT_READONLY: "false" };
function audited(vars: Record<string, string> = {}): {
  vars: Record<string, string>;
  lines(): Record<string, unknown>[];
} {
  const file = fresh("audit.jsonl");
  return {
    vars: { ...vars, MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: file },
    lines: () => (existsSync(file) ? jsonLines(readFileSync(file, "utf8")) : []),
  };
}
const cli = (args: string[], vars: Record<string, string> = {}, cwd?: string) =>
  run(args, { env: { ...env, ...vars }, timeoutMs: 100_000, ...(cwd === undefined ? {} : { cwd }) });
const tools = (lines: Record<string, unknown>[]) => lines.map((l) => l.tool);
const count = (lines: Record<string, unknown>[], tool: string) => lines.filter((l) => l.tool === tool).length;
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The files below `root`, as sorted relative paths (symlinks not followed). */
function filesBelow(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

/** Spaces, unicode, an empty file, a multipart-sized file, keys that look like paths, a link. */
const TREE_FILES: Record<string, string | Uint8Array> = {
  "a-b": "1",
  "a/b/c.txt": "hello",
  empty: "",
  "with space/f 1.txt": "spaced",
  "ünï/ü €.txt": "unicode",
  "deep/er/and/deeper/x.json": '{"x":1}',
  "logs/2024/a.gz": "gz-a",
  "logs/2024/b.log": "log-b",
  "logs/c.gz": "gz-c",
  "denied/secret.txt": "no",
  "big.bin": new Uint8Array(9 * MiB).map((_, i) => (i * 31) % 251),
};
const TREE_KEYS = Object.keys(TREE_FILES).sort();

function makeTree(): string {
  const root = fresh("tree");
  for (const [path, body] of Object.entries(TREE_FILES)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), body);
  }
  symlinkSync(join(root, "a"), join(root, "link-to-a"));
  return root;
}

function expectRecords(r: Result): Record<string, unknown>[] {
  return jsonLines(r.stdout);
}

beforeAll(async () => {
  s3 = await getTestS3();
  env = testEnv(s3);
  bucket = await createTestBucket(s3, "bulk-xfer");
});

afterAll(() => tmp.remove());

describe("put -r / get -r / cp -r", () => {
  needs("byteOrder").test(
    "an adversarial tree goes up and comes back byte for byte; one audit line per object",
    async () => {
      const tree = makeTree();
      const up = audited(WRITABLE);
      const put = await cli(
        ["put", "-r", tree, `s3://${bucket}/t1/`, "--json", "--multipart-threshold", "1MiB"],
        up.vars,
      );
      expect({ code: put.code, stderr: put.stderr }).toEqual({ code: 0, stderr: "" });
      const records = expectRecords(put);
      const done = records.filter((r) => r.status === "done");
      expect(done.map((r) => r.dest).sort()).toEqual(TREE_KEYS.map((k) => `s3://${bucket}/t1/${k}`));
      for (const r of done) expect(Object.keys(r).sort()).toEqual(["dest", "op", "size", "source", "status"]);
      expect(records.find((r) => r.status === "skipped")).toMatchObject({
        op: "upload",
        source: join(tree, "link-to-a"),
        size: null,
      });
      expect(records.find((r) => r.dest === `s3://${bucket}/t1/big.bin`)).toMatchObject({
        op: "upload",
        size: 9 * MiB,
      });
      expect(await listAllKeys(s3, bucket, "t1/")).toEqual(TREE_KEYS.map((k) => `t1/${k}`));
      // One audit line per object, under the single put's tool name; the 9 MiB file went multipart.
      expect(
        up
          .lines()
          .filter((l) => l.tool === "s3_put_object")
          .map((l) => l.key)
          .sort(),
      ).toEqual(TREE_KEYS.map((k) => `t1/${k}`));
      const head = await adminClient(s3).send(new HeadObjectCommand({ Bucket: bucket, Key: "t1/big.bin" }));
      expect(head.ETag).toMatch(/-2"$/);
      const json = await adminClient(s3).send(
        new HeadObjectCommand({ Bucket: bucket, Key: "t1/deep/er/and/deeper/x.json" }),
      );
      expect(json.ContentType).toBe("application/json");

      // And back: get -r into a directory that does not exist yet (parents are created).
      const out = join(fresh("out"), "nested", "dir");
      const down = audited();
      const get = await cli(["get", "-r", `s3://${bucket}/t1`, out, "--json"], down.vars);
      expect({ code: get.code, stderr: get.stderr }).toEqual({ code: 0, stderr: "" });
      expect(filesBelow(out)).toEqual(TREE_KEYS);
      for (const k of TREE_KEYS) expect(sha(join(out, k))).toBe(sha(join(tree, k)));
      expect(count(down.lines(), "s3_get_object")).toBe(TREE_KEYS.length);
      expect(count(down.lines(), "s3_get_object_metadata")).toBe(0); // sizes came from the listing
      // Each file carries its object's LastModified, so a later sync sees them as the same.
      const listed = jsonLines((await cli(["ls", "-r", `s3://${bucket}/t1/`, "--json"])).stdout);
      for (const o of listed) {
        const file = join(out, String(o.key).slice(3));
        expect(Math.floor(statSync(file).mtimeMs / 1000)).toBe(
          Math.floor(Date.parse(String(o.last_modified)) / 1000),
        );
      }
    },
  );

  needs("byteOrder").test(
    "cp -r: directory to prefix (contents directly below, with or without /), prefix to prefix on the server",
    async () => {
      const tree = makeTree();
      for (const [dest, prefix] of [
        [`s3://${bucket}/c1`, "c1/"],
        [`s3://${bucket}/c2/`, "c2/"],
      ] as const) {
        const r = await cli(["cp", "-r", `${tree}/`, dest, "-q", "--exclude", "big.bin"], WRITABLE);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        expect(await listAllKeys(s3, bucket, prefix)).toEqual(
          TREE_KEYS.filter((k) => k !== "big.bin").map((k) => prefix + k),
        );
      }
      const a = audited(WRITABLE);
      const r = await cli(["cp", "-r", `s3://${bucket}/c1/`, `s3://${bucket}/c3/`], a.vars);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`copied s3://${bucket}/c1/a-b -> s3://${bucket}/c3/a-b (1 bytes)\n`);
      expect(r.stderr).toBe(`cp: ${TREE_KEYS.length - 1} done, 0 refused, 0 failed\n`);
      expect(await listAllKeys(s3, bucket, "c3/")).toEqual(
        TREE_KEYS.filter((k) => k !== "big.bin").map((k) => `c3/${k}`),
      );
      // Server-side: copies only, one audit line each, no get or put.
      expect(count(a.lines(), "s3_copy_object")).toBe(TREE_KEYS.length - 1);
      expect(tools(a.lines()).filter((t) => t !== "s3_copy_object" && t !== "s3_list_objects")).toEqual([]);
      expect(new TextDecoder().decode((await getTestObject(s3, bucket, "c3/ünï/ü €.txt")) ?? undefined)).toBe(
        "unicode",
      );
    },
  );

  test("patterns: ** keeps the path below the literal prefix, * stays in one folder; no match is exit 4", async () => {
    const tree = makeTree();
    expect(
      (await cli(["put", "-r", tree, `s3://${bucket}/p/`, "-q", "--exclude", "big.bin"], WRITABLE)).code,
    ).toBe(0);
    const arch = fresh("arch");
    const r = await cli(["cp", `s3://${bucket}/p/logs/**.gz`, `${arch}/`]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(filesBelow(arch)).toEqual(["2024/a.gz", "c.gz"]);
    const one = fresh("one");
    expect((await cli(["get", `s3://${bucket}/p/logs/*.gz`, one])).code).toBe(0);
    expect(filesBelow(one)).toEqual(["c.gz"]);
    const q = fresh("q");
    expect((await cli(["get", `s3://${bucket}/p/a-?`, q])).code).toBe(0);
    expect(filesBelow(q)).toEqual(["a-b"]);
    const none = await cli(["get", `s3://${bucket}/p/logs/*.zip`, fresh("none")]);
    expect({ code: none.code, stderr: none.stderr }).toEqual({ code: 4, stderr: "get: nothing matched\n" });
    const noPrefix = await cli(["cp", "-r", `s3://${bucket}/no-such-prefix/`, fresh("none")]);
    expect(noPrefix.code).toBe(4);
  });

  needs("byteOrder").test(
    "--include/--exclude: on the path below the source; the last matching filter wins",
    async () => {
      const tree = makeTree();
      const excludes = fresh("excludes.txt");
      writeFileSync(excludes, "# comment\n\ndenied/**\n");
      const r = await cli(
        [
          "put",
          "-r",
          tree,
          `s3://${bucket}/f/`,
          "--exclude",
          "*",
          "--include",
          "*.txt",
          "--exclude-from",
          excludes,
          "-q",
        ],
        WRITABLE,
      );
      expect(r.code).toBe(0);
      expect(await listAllKeys(s3, bucket, "f/")).toEqual([
        "f/a/b/c.txt",
        "f/with space/f 1.txt",
        "f/ünï/ü €.txt",
      ]);
    },
  );

  needs("byteOrder").test(
    "a denied prefix inside the tree: those items refused (audited denied), the rest done, exit 3",
    async () => {
      const tree = makeTree();
      const a = audited({ ...WRITABLE, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "d/denied/" });
      const r = await cli(["put", "-r", tree, `s3://${bucket}/d/`, "--exclude", "big.bin"], a.vars);
      expect(r.code).toBe(3);
      expect(r.stdout).toContain(
        `refused ${tree}/denied/secret.txt -> s3://${bucket}/d/denied/secret.txt: PrefixDenied: `,
      );
      expect(r.stderr).toBe(`put: ${TREE_KEYS.length - 2} done, 1 skipped, 1 refused, 0 failed\n`);
      expect(await listAllKeys(s3, bucket, "d/")).toEqual(
        TREE_KEYS.filter((k) => k !== "big.bin" && !k.startsWith("denied/")).map((k) => `d/${k}`),
      );
      expect(a.lines().filter((l) => l.status === "denied")).toEqual([
        expect.objectContaining({ tool: "s3_put_object", key: "d/denied/secret.txt", error: "PrefixDenied" }),
      ]);
    },
  );

  test("read-only: every item refused and audited denied, nothing stored, exit 3", async () => {
    const tree = makeTree();
    const a = audited();
    const r = await cli(["cp", "-r", tree, `s3://${bucket}/ro/`, "--json", "--exclude", "big.bin"], a.vars);
    expect(r.code).toBe(3);
    const records = expectRecords(r).filter((x) => x.status !== "skipped");
    expect(records.every((x) => x.status === "refused" && x.error === "ReadOnlyMode")).toBe(true);
    expect(records).toHaveLength(TREE_KEYS.length - 1);
    expect(a.lines().filter((l) => l.tool === "s3_put_object" && l.status === "denied")).toHaveLength(
      TREE_KEYS.length - 1,
    );
    expect(await listAllKeys(s3, bucket, "ro/")).toEqual([]);
  });

  test("symbolic links: skipped by default, followed with --follow-symlinks", async () => {
    const tree = makeTree();
    const r = await cli(
      [
        "put",
        "-r",
        tree,
        `s3://${bucket}/l/`,
        "--follow-symlinks",
        "--include",
        "*",
        "--exclude",
        "big.bin",
        "-q",
      ],
      WRITABLE,
    );
    expect(r.code).toBe(0);
    expect(await listAllKeys(s3, bucket, "l/link-to-a/")).toEqual(["l/link-to-a/b/c.txt"]);
  });
});

describe("local side safety", () => {
  needs("literalKeys").test(
    "zip-slip: keys with .. segments, a leading / or // fail per item (InvalidArgument); nothing is written outside",
    async () => {
      const keys = ["z/ok.txt", "z/../../evil.txt", "z/a/../../../evil2.txt", "z//abs.txt", "z/./dot.txt"];
      for (const k of keys) await putTestObject(s3, bucket, k, `body of ${k}`);
      expect((await listAllKeys(s3, bucket, "z/")).sort()).toEqual([...keys].sort());
      const base = fresh("slip");
      const out = join(base, "inner", "out");
      mkdirSync(out, { recursive: true });
      const r = await cli(["get", "-r", `s3://${bucket}/z/`, out, "--json"]);
      expect(r.code).toBe(1);
      const records = expectRecords(r);
      expect(records.filter((x) => x.status === "done").map((x) => x.source)).toEqual([
        `s3://${bucket}/z/ok.txt`,
      ]);
      const failed = records.filter((x) => x.status === "failed");
      expect(failed.map((x) => x.source).sort()).toEqual(
        keys
          .slice(1)
          .map((k) => `s3://${bucket}/${k}`)
          .sort(),
      );
      expect(failed.every((x) => x.error === "InvalidArgument")).toBe(true);
      expect(filesBelow(base)).toEqual(["inner/out/ok.txt"]);
      expect(existsSync(join(tmp.path, "evil.txt"))).toBe(false);
    },
  );

  test("a symbolic link inside the destination that leads outside is not written through", async () => {
    await putTestObject(s3, bucket, "sl/out/x.txt", "x");
    await putTestObject(s3, bucket, "sl/fine.txt", "fine");
    const base = fresh("sl");
    const outside = join(base, "outside");
    const out = join(base, "out");
    mkdirSync(outside, { recursive: true });
    mkdirSync(out);
    symlinkSync(outside, join(out, "out"));
    const r = await cli(["get", "-r", `s3://${bucket}/sl/`, out, "--json"]);
    expect(r.code).toBe(1);
    expect(
      expectRecords(r)
        .map((x) => `${x.status} ${x.error ?? ""} ${x.source}`)
        .sort(),
    ).toEqual([`done  s3://${bucket}/sl/fine.txt`, `failed InvalidArgument s3://${bucket}/sl/out/x.txt`]);
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a local error names the file in words; the other items are done (exit 1)", async () => {
    await putTestObject(s3, bucket, "le/blocked/x.txt", "x");
    await putTestObject(s3, bucket, "le/fine.txt", "fine");
    const out = fresh("le");
    mkdirSync(out);
    writeFileSync(join(out, "blocked"), "a file where a directory must go");
    const r = await cli(["get", "-r", `s3://${bucket}/le/`, out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`downloaded s3://${bucket}/le/fine.txt -> ${out}/fine.txt (4 bytes)`);
    expect(r.stdout).toMatch(
      new RegExp(
        `failed s3://${bucket}/le/blocked/x.txt -> ${out}/blocked/x.txt: InvalidArgument: cannot create "${out}/blocked": (it already exists|a component of the path is not a directory) \\(E[A-Z]+\\)`,
      ),
    );
    expect(readFileSync(join(out, "blocked"), "utf8")).toBe("a file where a directory must go");
  });

  test("a missing source directory is an error naming it; a directory without -r is a usage error", async () => {
    const missing = fresh("missing");
    const r = await cli(["put", "-r", missing, `s3://${bucket}/x/`], WRITABLE);
    expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 2, error: "InvalidArgument" });
    expect(r.stderr).toContain(`cannot read "${missing}": no such file or directory (ENOENT)`);
    const dir = fresh("dir");
    mkdirSync(dir);
    const m = await cli(["mv", dir, `s3://${bucket}/x/`], WRITABLE);
    expect({ code: m.code, error: errorCode(m) }).toEqual({ code: 2, error: "UsageError" });
  });
});

describe("sync", () => {
  needs("byteOrder").test(
    "directory → prefix and back; a second run transfers no object body (the audit has no put/get)",
    async () => {
      const tree = makeTree();
      const prefix = `s3://${bucket}/s1/`;
      const first = await cli(["sync", tree, prefix, "--json", "--exclude", "big.bin"], WRITABLE);
      expect(first.code).toBe(0);
      expect(expectRecords(first).filter((r) => r.status === "done")).toHaveLength(TREE_KEYS.length - 1);

      const again = audited(WRITABLE);
      const second = await cli(["sync", tree, prefix, "--json", "--exclude", "big.bin"], again.vars);
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: "" });
      const records = expectRecords(second);
      expect(
        records.filter((r) => r.status === "skipped" && r.op === "upload" && r.size !== null),
      ).toHaveLength(TREE_KEYS.length - 1);
      expect(records.filter((r) => r.status === "done")).toEqual([]);
      expect(new Set(tools(again.lines()))).toEqual(new Set(["s3_list_objects"]));

      // Down into an empty directory, then again: nothing.
      const out = fresh("sync-out");
      const down = await cli(["sync", prefix, out, "-q"]);
      expect({ code: down.code, stderr: down.stderr }).toEqual({ code: 0, stderr: "" });
      expect(filesBelow(out)).toEqual(TREE_KEYS.filter((k) => k !== "big.bin"));
      const downAgain = audited();
      const d2 = await cli(["sync", prefix, out], downAgain.vars);
      expect({ code: d2.code, stdout: d2.stdout, stderr: d2.stderr }).toEqual({
        code: 0,
        stdout: "",
        stderr: `sync: 0 done, ${TREE_KEYS.length - 1} skipped, 0 refused, 0 failed\n`,
      });
      expect(new Set(tools(downAgain.lines()))).toEqual(new Set(["s3_list_objects"]));

      // Prefix → prefix, twice.
      expect((await cli(["sync", prefix, `s3://${bucket}/s1-copy/`, "-q"], WRITABLE)).code).toBe(0);
      const copyAgain = audited(WRITABLE);
      expect((await cli(["sync", prefix, `s3://${bucket}/s1-copy/`], copyAgain.vars)).code).toBe(0);
      expect(new Set(tools(copyAgain.lines()))).toEqual(new Set(["s3_list_objects"]));
    },
  );

  needs("byteOrder").test(
    "a changed file is sent, the rest not; --delete removes what the source lacks but never an excluded item",
    async () => {
      const tree = makeTree();
      const prefix = `s3://${bucket}/s2/`;
      const filters = ["--exclude", "big.bin", "--exclude", "*.keep"];
      expect((await cli(["sync", tree, prefix, "-q", ...filters], WRITABLE)).code).toBe(0);
      await putTestObject(s3, bucket, "s2/extra.txt", "not in the source");
      await putTestObject(s3, bucket, "s2/logs/old.txt", "not in the source either");
      await putTestObject(s3, bucket, "s2/kept.keep", "excluded: never deleted");
      writeFileSync(join(tree, "a/b/c.txt"), "hello, changed");

      // Without --delete nothing is deleted; read-only refuses the deletes (exit 3) like any delete.
      const ro = await cli(["sync", tree, prefix, "--delete", ...filters]);
      expect(ro.code).toBe(3);
      expect(ro.stdout).toContain(`refused s3://${bucket}/s2/extra.txt: ReadOnlyMode`);

      const a = audited(WRITABLE);
      const r = await cli(["sync", tree, prefix, "--delete", "--json", ...filters], a.vars);
      expect(r.code).toBe(0);
      // Records come in the order the items finish: the deletes run side by side.
      const done = expectRecords(r)
        .filter((x) => x.status === "done")
        .sort((x, y) => String(x.source).localeCompare(String(y.source)));
      expect(done).toEqual([
        {
          op: "upload",
          source: join(tree, "a/b/c.txt"),
          dest: `${prefix}a/b/c.txt`,
          size: 14,
          status: "done",
        },
        { op: "delete", source: `${prefix}extra.txt`, dest: null, size: 17, status: "done" },
        { op: "delete", source: `${prefix}logs/old.txt`, dest: null, size: 24, status: "done" },
      ]);
      expect(
        a
          .lines()
          .filter((l) => l.tool !== "s3_list_objects")
          .map((l) => `${l.tool} ${l.key}`),
      ).toEqual(
        expect.arrayContaining([
          "s3_put_object s2/a/b/c.txt",
          "s3_delete_object s2/extra.txt",
          "s3_delete_object s2/logs/old.txt",
        ]),
      );
      expect(await getTestObject(s3, bucket, "s2/kept.keep")).not.toBeNull();
      expect(await getTestObject(s3, bucket, "s2/extra.txt")).toBeNull();

      // Down with --delete: a local file the prefix lacks goes; an excluded one stays.
      const out = fresh("s2-out");
      expect((await cli(["sync", prefix, out, "-q", ...filters])).code).toBe(0);
      writeFileSync(join(out, "stray.txt"), "stray");
      writeFileSync(join(out, "mine.keep"), "excluded");
      const down = await cli(["sync", prefix, out, "--delete", ...filters]);
      expect(down.code).toBe(0);
      expect(down.stdout).toBe(`deleted ${out}/stray.txt (5 bytes)\n`);
      expect(existsSync(join(out, "mine.keep"))).toBe(true);
    },
  );

  test("--checksum sends a same-size change the times do not show; --size-only ignores times", async () => {
    const dir = fresh("cs");
    mkdirSync(dir);
    writeFileSync(join(dir, "same-size.txt"), "AAAA");
    writeFileSync(join(dir, "touched.txt"), "BBBB");
    const prefix = `s3://${bucket}/cs/`;
    expect((await cli(["sync", dir, prefix, "-q"], WRITABLE)).code).toBe(0);
    // Same size, new content, but an old time: by times the object looks newer, so nothing is sent.
    writeFileSync(join(dir, "same-size.txt"), "CCCC");
    utimesSync(join(dir, "same-size.txt"), new Date(2000, 0, 1), new Date(2000, 0, 1));
    // Same content, new time.
    utimesSync(join(dir, "touched.txt"), new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));

    const byTime = await cli(["sync", dir, prefix, "--dry-run"], WRITABLE);
    expect(byTime.stdout).toBe(
      `(dry run) upload ${dir}/touched.txt -> ${prefix}touched.txt (4 bytes): allow\n`,
    );
    const sizeOnly = await cli(["sync", dir, prefix, "--size-only", "--dry-run"], WRITABLE);
    expect(sizeOnly.stdout).toBe("");
    const a = audited(WRITABLE);
    const byContent = await cli(["sync", dir, prefix, "--checksum"], a.vars);
    expect(byContent.code).toBe(0);
    expect(byContent.stdout).toBe(`uploaded ${dir}/same-size.txt -> ${prefix}same-size.txt (4 bytes)\n`);
    expect(new TextDecoder().decode((await getTestObject(s3, bucket, "cs/same-size.txt")) ?? undefined)).toBe(
      "CCCC",
    );

    // Downloads: a local file with other content of the same size is fixed by --checksum only.
    const out = fresh("cs-out");
    expect((await cli(["sync", prefix, out, "-q"])).code).toBe(0);
    writeFileSync(join(out, "touched.txt"), "XXXX");
    const t = statSync(join(out, "same-size.txt")).mtime;
    utimesSync(join(out, "touched.txt"), t, t);
    const down = await cli(["sync", prefix, out, "--checksum"]);
    expect(down.stdout).toBe(`downloaded ${prefix}touched.txt -> ${out}/touched.txt (4 bytes)\n`);
    expect(readFileSync(join(out, "touched.txt"), "utf8")).toBe("BBBB");
  });

  test("usage errors: two local sides, a pattern, --checksum with --size-only", async () => {
    for (const args of [
      ["sync", fresh("a"), fresh("b")],
      ["sync", `s3://${bucket}/x/*.txt`, fresh("c")],
      ["sync", fresh("d"), `s3://${bucket}/x/`, "--checksum", "--size-only"],
    ]) {
      const r = await cli(args, WRITABLE);
      expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 2, error: "UsageError" });
    }
  });
});

describe("mv", () => {
  needs("byteOrder").test(
    "S3 to S3 (-r): each source deleted after its copy; read-only refuses and keeps every source",
    async () => {
      for (const k of ["m/a.txt", "m/sub/b.txt"]) await putTestObject(s3, bucket, k, k);
      const ro = await cli(["mv", "-r", `s3://${bucket}/m/`, `s3://${bucket}/m2/`]);
      expect(ro.code).toBe(3);
      expect(await listAllKeys(s3, bucket, "m/")).toEqual(["m/a.txt", "m/sub/b.txt"]);

      const a = audited(WRITABLE);
      const r = await cli(["mv", "-r", `s3://${bucket}/m/`, `s3://${bucket}/m2/`, "--json"], a.vars);
      expect(r.code).toBe(0);
      // In the order the moves finish: sorted here.
      const moved = expectRecords(r).sort((x, y) => String(x.source).localeCompare(String(y.source)));
      expect(moved).toEqual([
        {
          op: "move",
          source: `s3://${bucket}/m/a.txt`,
          dest: `s3://${bucket}/m2/a.txt`,
          size: 7,
          status: "done",
        },
        {
          op: "move",
          source: `s3://${bucket}/m/sub/b.txt`,
          dest: `s3://${bucket}/m2/sub/b.txt`,
          size: 11,
          status: "done",
        },
      ]);
      expect(await listAllKeys(s3, bucket, "m/")).toEqual([]);
      expect(await listAllKeys(s3, bucket, "m2/")).toEqual(["m2/a.txt", "m2/sub/b.txt"]);
      // Per object: the copy's line, then the delete's.
      const perKey = a.lines().filter((l) => l.tool !== "s3_list_objects");
      expect(perKey.map((l) => `${l.tool} ${l.key}`)).toEqual(
        expect.arrayContaining([
          "s3_copy_object m/a.txt",
          "s3_delete_object m/a.txt",
          "s3_copy_object m/sub/b.txt",
          "s3_delete_object m/sub/b.txt",
        ]),
      );
      const copyAt = perKey.findIndex((l) => l.tool === "s3_copy_object" && l.key === "m/a.txt");
      const deleteAt = perKey.findIndex((l) => l.tool === "s3_delete_object" && l.key === "m/a.txt");
      expect(copyAt).toBeLessThan(deleteAt);
    },
  );

  test("one object renamed; local → S3 removes the file; S3 → local deletes the object; a missing one is exit 4", async () => {
    await putTestObject(s3, bucket, "mv1/x.txt", "x");
    const rename = await cli(["mv", `s3://${bucket}/mv1/x.txt`, `s3://${bucket}/mv1/y.txt`], WRITABLE);
    expect({ code: rename.code, stdout: rename.stdout }).toEqual({
      code: 0,
      stdout: `moved s3://${bucket}/mv1/x.txt -> s3://${bucket}/mv1/y.txt (1 bytes)\n`,
    });
    expect(await listAllKeys(s3, bucket, "mv1/")).toEqual(["mv1/y.txt"]);

    const dir = fresh("mv-local");
    mkdirSync(dir);
    writeFileSync(join(dir, "up.txt"), "up");
    expect((await cli(["mv", join(dir, "up.txt"), `s3://${bucket}/mv1/`], WRITABLE)).code).toBe(0);
    expect(existsSync(join(dir, "up.txt"))).toBe(false);
    expect(await listAllKeys(s3, bucket, "mv1/")).toEqual(["mv1/up.txt", "mv1/y.txt"]);

    expect((await cli(["mv", `s3://${bucket}/mv1/y.txt`, `${dir}/`], WRITABLE)).code).toBe(0);
    expect(readFileSync(join(dir, "y.txt"), "utf8")).toBe("x");
    expect(await listAllKeys(s3, bucket, "mv1/")).toEqual(["mv1/up.txt"]);

    const missing = await cli(["mv", `s3://${bucket}/mv1/nope.txt`, `s3://${bucket}/mv1/z.txt`], WRITABLE);
    expect({ code: missing.code, error: errorCode(missing) }).toEqual({ code: 4, error: "NoSuchKey" });
    const self = await cli(["mv", `s3://${bucket}/mv1/up.txt`, `s3://${bucket}/mv1/up.txt`], WRITABLE);
    expect(self.code).toBe(2);
    expect(await listAllKeys(s3, bucket, "mv1/")).toEqual(["mv1/up.txt"]);
  });
});

describe("--dry-run", () => {
  test("one line per item with the gate's decision; nothing changes, nothing is audited", async () => {
    const tree = makeTree();
    const a = audited({ ...WRITABLE, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "dry/denied/" });
    const r = await cli(
      ["cp", "-r", tree, `s3://${bucket}/dry/`, "--dry-run", "--json", "--exclude", "big.bin"],
      a.vars,
    );
    expect(r.code).toBe(3);
    const records = expectRecords(r).filter((x) => "decision" in x);
    expect(records).toHaveLength(TREE_KEYS.length - 1);
    expect(records.find((x) => x.dest === `s3://${bucket}/dry/a/b/c.txt`)).toEqual({
      op: "upload",
      source: join(tree, "a/b/c.txt"),
      dest: `s3://${bucket}/dry/a/b/c.txt`,
      size: 5,
      decision: "allow",
    });
    expect(records.filter((x) => x.decision === "deny")).toEqual([
      expect.objectContaining({ dest: `s3://${bucket}/dry/denied/secret.txt`, error: "PrefixDenied" }),
    ]);
    expect(a.lines()).toEqual([]);
    expect(await listAllKeys(s3, bucket, "dry/")).toEqual([]);

    // S3 sources: only listings are sent; sync --delete shows its deletes; still no audit line.
    await putTestObject(s3, bucket, "dry2/gone.txt", "x");
    const b = audited(WRITABLE);
    const sync = await cli(["sync", `${tree}/a`, `s3://${bucket}/dry2/`, "--delete", "--dry-run"], b.vars);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toBe(
      `(dry run) upload ${tree}/a/b/c.txt -> s3://${bucket}/dry2/b/c.txt (5 bytes): allow\n` +
        `(dry run) delete s3://${bucket}/dry2/gone.txt (1 bytes): allow\n`,
    );
    expect(sync.stderr).toBe("sync: dry run: 2 allowed, 0 denied; nothing was changed\n");
    const mv = await cli(["mv", "-r", `s3://${bucket}/dry2/`, fresh("mvdry"), "--dry-run"], b.vars);
    expect(mv.stdout).toContain(`(dry run) move s3://${bucket}/dry2/gone.txt -> `);
    expect(b.lines()).toEqual([]);
    expect(await listAllKeys(s3, bucket, "dry2/")).toEqual(["dry2/gone.txt"]);
    // Read-only: every item denied, exit 3, still nothing audited.
    const ro = audited();
    const denied = await cli(["put", "--dry-run", join(tree, "a-b"), `s3://${bucket}/dry3/`], ro.vars);
    expect({ code: denied.code, stdout: denied.stdout }).toEqual({
      code: 3,
      stdout: `(dry run) upload ${tree}/a-b -> s3://${bucket}/dry3/a-b (1 bytes): deny: ReadOnlyMode: write refused: this connection is read-only\n`,
    });
    expect(ro.lines()).toEqual([]);
  });
});

needs("multipartAdmin").describe("interruption", () => {
  test.each(["put", "get"] as const)(
    "%s -r interrupted mid-transfer: exit 130, nothing partial left; sync then finishes the job",
    async (direction) => {
      const tree = makeTree();
      const prefix = `s3://${bucket}/int-${direction}/`;
      if (direction === "get") {
        expect((await cli(["put", "-r", tree, prefix, "-q"], WRITABLE)).code).toBe(0);
      }
      const out = fresh("int-out");
      mkdirSync(out);
      // The big file's transfer is held by the proxy, so the command is always mid-transfer when
      // the signal lands; the small files go through.
      const proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 60_000, lifetimeMs: 120_000 });
      try {
        await proxy.set(
          direction === "put"
            ? {
                fault: { kind: "stall" },
                match: (req) => req.method === "PUT" && req.target.includes("partNumber="),
              }
            : {
                fault: { kind: "stall-response", afterBytes: 1 * MiB },
                match: (req) => req.method === "GET" && req.target.includes("big.bin"),
              },
        );
        let held = false;
        const args =
          direction === "put"
            ? ["put", "-r", tree, prefix, "--multipart-threshold", "1MiB"]
            : ["get", "-r", prefix, out];
        const r = await run(args, {
          env: { ...env, ...WRITABLE, S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "60s" },
          timeoutMs: 100_000,
          onSpawn: (proc) => {
            void until(async () => {
              if (direction === "put") {
                return proxy.counts().stall > 0 && (await listMultipartUploads(s3, bucket)).length > 0;
              }
              // The small files are in place (so their items were reported) and big.bin is underway.
              const files = readdirSync(out);
              return (
                files.includes("a-b") &&
                files.includes("empty") &&
                files.some((f) => f.startsWith(".big.bin.") && statSync(join(out, f)).size > 0)
              );
            }, 60_000).then((found) => {
              held = found;
              proc.kill("SIGINT");
            });
          },
        });
        expect(held).toBe(true);
        expect(r.code).toBe(130);
        expect(r.stderr).toMatch(/\nmcp-s3: Cancelled: interrupted by SIGINT\n$/);
        expect(r.stderr).toMatch(new RegExp(`^${direction}: \\d+ done, `));
      } finally {
        await proxy.stop();
      }
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
      expect(readdirSync(out).filter((f) => f.endsWith(".mcp-s3-part"))).toEqual([]);
      if (direction === "put") expect(await getTestObject(s3, bucket, `int-put/big.bin`)).toBeNull();
      else expect(existsSync(join(out, "big.bin"))).toBe(false);

      // Running sync finishes the job.
      const again =
        direction === "put"
          ? await cli(["sync", tree, prefix, "-q"], WRITABLE)
          : await cli(["sync", prefix, out, "-q"]);
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
      if (direction === "put") {
        expect(await listAllKeys(s3, bucket, `int-put/`)).toEqual(TREE_KEYS.map((k) => `int-put/${k}`));
      } else {
        expect(filesBelow(out)).toEqual(TREE_KEYS);
        expect(sha(join(out, "big.bin"))).toBe(sha(join(tree, "big.bin")));
      }
    },
  );
});

describe("terminal", () => {
  const hasScript = existsSync("/usr/bin/script");
  test.skipIf(!hasScript)("progress on a TTY: objects, bytes, rate and ETA; none with --quiet", async () => {
    const tree = makeTree();
    const prefix = `s3://${bucket}/tty/`;
    expect((await cli(["put", "-r", tree, prefix, "-q"], WRITABLE)).code).toBe(0);
    // One GET is held for a second (then times out and is retried), so the run lasts long enough
    // for the progress line to be drawn.
    const proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 30_000, lifetimeMs: 120_000 });
    try {
      const show = async (extra: string) => {
        await proxy.set({
          fault: { kind: "stall" },
          times: 1,
          match: (req) =>
            req.method === "GET" && req.target.includes("big.bin") && !req.target.includes("list-type"),
        });
        const out = fresh("tty-out");
        const cmd = `"${BUN}" "${MAIN}" get -r ${prefix} ${out} ${extra} 2>&1 >/dev/null`;
        // Spawned asynchronously: the proxy runs in this process and must keep answering.
        const proc = Bun.spawn(["script", "-qfec", cmd, "/dev/null"], {
          env: { ...env, S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "1500ms", TERM: "xterm", NO_COLOR: "1" },
          stdout: "pipe",
        });
        const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
        const text = await new Response(proc.stdout).text();
        const code = await proc.exited;
        clearTimeout(timer);
        expect({ code, done: existsSync(join(out, "big.bin")) }).toEqual({ code: 0, done: true });
        return text;
      };
      const shown = await show("");
      expect(shown).toMatch(
        /\d+\/\d+ objects {2}[\d.]+ (B|KiB|MiB)\/[\d.]+ MiB {2}[\d.]+ (B|KiB|MiB)\/s( {2}ETA \d+:\d\d)?/,
      );
      expect(await show("--quiet")).not.toContain("objects");
    } finally {
      await proxy.stop();
    }
  });
});
