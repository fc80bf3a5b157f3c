// The audit writer (SPEC §4): one JSON line per attempt, exact fields, mode 0600, appended, and a
// failure to write is an error rather than an unaudited operation.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type AuditRecord,
  AuditWriteError,
  createAuditWriter,
  formatAuditLine,
  NO_AUDIT,
} from "../../src/audit/writer.ts";
import { type ErrorCode, S3ToolError } from "../../src/errors.ts";
import { fileThatRefusesAppends } from "../support/full-file.ts";

const ROOT = resolve(import.meta.dir, "../..");
const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-audit-test-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const IS_ROOT = process.getuid?.() === 0;

const FIXED = new Date("2024-01-15T10:30:00.000Z");
const BASE: AuditRecord = {
  tool: "s3_get_object",
  bucket: "my-bucket",
  key: "path/to/file.txt",
  connection: "default",
  status: "success",
  duration_ms: 45,
};

let n = 0;
const fresh = (name = "audit.jsonl") => {
  const dir = join(TMP, `d${++n}`);
  mkdirSync(dir);
  return join(dir, name);
};
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "");
const mode = (path: string) => statSync(path).mode & 0o777;

function expectCode(fn: () => unknown, code: ErrorCode): S3ToolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(S3ToolError);
    expect((e as S3ToolError).code).toBe(code);
    return e as S3ToolError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe("line format", () => {
  test("the SPEC example, byte for byte", () => {
    expect(formatAuditLine(BASE, FIXED)).toBe(
      '{"timestamp":"2024-01-15T10:30:00.000Z","tool":"s3_get_object","bucket":"my-bucket","key":"path/to/file.txt","connection":"default","status":"success","duration_ms":45}\n',
    );
  });

  test("every field, in a fixed order", () => {
    const full: AuditRecord = {
      bytes: 1234,
      prefix: "p/",
      dest_key: "dk",
      dest_bucket: "db",
      source: "cli",
      error: "AccessDenied",
      duration_ms: 7,
      status: "error",
      connection: "c",
      key: "k",
      bucket: "b",
      tool: "s3_copy_object",
    };
    const parsed = JSON.parse(formatAuditLine(full, FIXED));
    expect(Object.keys(parsed)).toEqual([
      "timestamp",
      "tool",
      "bucket",
      "key",
      "connection",
      "status",
      "duration_ms",
      "error",
      "source",
      "dest_bucket",
      "dest_key",
      "prefix",
      "bytes",
    ]);
    expect(parsed).toEqual({ timestamp: FIXED.toISOString(), ...full });
  });

  test("optional fields are omitted when undefined, never written as null", () => {
    const line = formatAuditLine(
      {
        tool: "s3_list_buckets",
        connection: "default",
        status: "denied",
        duration_ms: 0,
        bucket: undefined,
        key: undefined,
        error: undefined,
        source: undefined,
        dest_bucket: undefined,
        dest_key: undefined,
        prefix: undefined,
        bytes: undefined,
      },
      FIXED,
    );
    expect(Object.keys(JSON.parse(line))).toEqual([
      "timestamp",
      "tool",
      "connection",
      "status",
      "duration_ms",
    ]);
    expect(line).not.toContain("null");
  });

  test("zero and empty values are kept (they are not undefined)", () => {
    const parsed = JSON.parse(formatAuditLine({ ...BASE, bytes: 0, prefix: "" }, FIXED));
    expect(parsed.bytes).toBe(0);
    expect(parsed.prefix).toBe("");
  });

  test("the timestamp is ISO 8601 UTC with milliseconds", () => {
    const parsed = JSON.parse(formatAuditLine(BASE, new Date()));
    expect(parsed.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(parsed.timestamp) - Date.now())).toBeLessThan(5000);
  });

  test("keys with newlines, quotes and unicode stay on one line and round-trip", () => {
    const key = 'evil\n{"status":"success"}\r\u2028"\\ caf\u00e9 \u{1F600}';
    const line = formatAuditLine({ ...BASE, key }, FIXED);
    expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(line).not.toContain("\r");
    expect(JSON.parse(line).key).toBe(key);
  });
});

describe("createAuditWriter", () => {
  test("disabled: the no-op writer", () => {
    const w = createAuditWriter({ enabled: false, file: join(TMP, "never-created.jsonl") });
    expect(w).toBe(NO_AUDIT);
    expect(w.enabled).toBe(false);
    w.write(BASE);
    w.close();
    expect(() => statSync(join(TMP, "never-created.jsonl"))).toThrow();
  });

  test("the file is created with mode 0600, whatever the umask", () => {
    const path = fresh();
    const old = process.umask(0);
    try {
      const w = createAuditWriter({ enabled: true, file: path, now: () => FIXED });
      expect(mode(path)).toBe(0o600);
      w.write(BASE);
      w.close();
    } finally {
      process.umask(old);
    }
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(path, "utf8")).toBe(formatAuditLine(BASE, FIXED));
  });

  test("an existing file readable by others is tightened to 0600", () => {
    const path = fresh();
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    createAuditWriter({ enabled: true, file: path }).close();
    expect(mode(path)).toBe(0o600);
  });

  test("a write is on disk when write() returns (no buffering)", () => {
    const path = fresh();
    const w = createAuditWriter({ enabled: true, file: path, now: () => FIXED });
    w.write(BASE);
    expect(readFileSync(path, "utf8")).toBe(formatAuditLine(BASE, FIXED));
    w.write({ ...BASE, status: "denied", error: "ReadOnlyMode" });
    expect(lines(path)).toHaveLength(2);
    w.close();
  });

  test("appends to an existing file, across writers", () => {
    const path = fresh();
    writeFileSync(path, '{"earlier":"line"}\n', { mode: 0o600 });
    const a = createAuditWriter({ enabled: true, file: path });
    a.write({ ...BASE, key: "one" });
    a.close();
    const b = createAuditWriter({ enabled: true, file: path });
    b.write({ ...BASE, key: "two" });
    b.close();
    const got = lines(path).map((l) => JSON.parse(l));
    expect(got.map((g) => g.key ?? g.earlier)).toEqual(["line", "one", "two"]);
  });

  test("two writers open at once interleave whole lines only", () => {
    const path = fresh();
    const a = createAuditWriter({ enabled: true, file: path });
    const b = createAuditWriter({ enabled: true, file: path });
    const big = "x".repeat(8000);
    for (let i = 0; i < 200; i++) {
      (i % 2 === 0 ? a : b).write({ ...BASE, key: `${i}-${big}` });
    }
    a.close();
    b.close();
    const got = lines(path);
    expect(got).toHaveLength(200);
    expect(got.map((l) => Number(JSON.parse(l).key.split("-")[0]))).toEqual([...Array(200).keys()]);
  });

  test("writers in separate processes append whole lines only", async () => {
    const path = fresh();
    const script = join(TMP, `child-${n}.ts`);
    writeFileSync(
      script,
      `import { createAuditWriter } from ${JSON.stringify(join(ROOT, "src/audit/writer.ts"))};
const w = createAuditWriter({ enabled: true, file: process.argv[2] });
for (let i = 0; i < 300; i++) w.write({ tool: "t", connection: process.argv[3], status: "success", duration_ms: i, key: "k".repeat(3000) });
w.close();
`,
    );
    const procs = ["p1", "p2", "p3"].map((id) =>
      Bun.spawn([process.execPath, script, path, id], { stdout: "ignore", stderr: "pipe" }),
    );
    for (const p of procs) expect(await p.exited).toBe(0);
    const got = lines(path).map((l) => JSON.parse(l));
    expect(got).toHaveLength(900);
    for (const id of ["p1", "p2", "p3"]) {
      expect(got.filter((g) => g.connection === id).map((g) => g.duration_ms)).toEqual([
        ...Array(300).keys(),
      ]);
    }
  });

  test("without a file, lines go to stderr", () => {
    const script = join(TMP, "stderr-child.ts");
    writeFileSync(
      script,
      `import { createAuditWriter } from ${JSON.stringify(join(ROOT, "src/audit/writer.ts"))};
const w = createAuditWriter({ enabled: true, now: () => new Date("2024-01-15T10:30:00.000Z") });
w.write({ tool: "s3_get_object", bucket: "my-bucket", key: "path/to/file.txt", connection: "default", status: "success", duration_ms: 45 });
w.close();
process.stdout.write("stdout-untouched");
`,
    );
    const r = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(formatAuditLine(BASE, FIXED));
    expect(r.stdout).toBe("stdout-untouched");
  });
});

describe("failures", () => {
  test.each([
    ["a file in a directory that does not exist", () => join(TMP, "no", "such", "dir", "audit.jsonl")],
    ["a path that is a directory", () => TMP],
    [
      "a path under a regular file",
      () => {
        const f = fresh("plain");
        writeFileSync(f, "");
        return join(f, "audit.jsonl");
      },
    ],
  ])("unwritable (%s): createAuditWriter throws InvalidConfig naming the file", (_name, where) => {
    const path = where();
    const err = expectCode(() => createAuditWriter({ enabled: true, file: path }), "InvalidConfig");
    expect(err.message).toContain(JSON.stringify(path));
    expect(err.hint).toContain("MCP_S3_AUDIT_FILE");
  });

  test.skipIf(IS_ROOT)("unwritable (no permission, as an ordinary user): InvalidConfig", () => {
    const path = fresh();
    writeFileSync(path, "");
    chmodSync(path, 0o400);
    expectCode(() => createAuditWriter({ enabled: true, file: path }), "InvalidConfig");
  });

  test("a write that fails (EFBIG) throws AuditWriteError; the operation must not go unaudited", () => {
    const path = fresh();
    const refused = fileThatRefusesAppends(path);
    if (refused === undefined) {
      console.warn("skipped: this file system cannot make a file that refuses appends");
      return;
    }
    const w = createAuditWriter({ enabled: true, file: path });
    const err = expectCode(() => w.write(BASE), "InternalError");
    expect(err).toBeInstanceOf(AuditWriteError);
    expect((err as AuditWriteError).errnoCode).toBe(refused);
    expect(err.message).toContain(refused);
    expect(err.message).toContain("not completed unaudited");
    // Sticky: the next operation is refused before it is attempted, with the same code.
    const again = expectCode(() => w.check?.(), "InternalError") as AuditWriteError;
    expect(again).toBeInstanceOf(AuditWriteError);
    expect(again.errnoCode).toBe(refused);
    expect(again.message).toContain(`an earlier write failed: ${refused}`);
    w.close();
  });

  test("a write after close throws InternalError", () => {
    const path = fresh();
    const w = createAuditWriter({ enabled: true, file: path });
    w.close();
    w.close(); // closing twice is harmless
    const err = expectCode(() => w.write(BASE), "InternalError");
    expect(err).toBeInstanceOf(AuditWriteError);
    expect((err as AuditWriteError).errnoCode).toBeUndefined();
    expect(readFileSync(path, "utf8")).toBe("");
  });
});
