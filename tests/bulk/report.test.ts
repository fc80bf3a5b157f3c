// Per-item records and the exit-code rule of bulk commands (SPEC §6.1 "Results", "--dry-run"):
// JSON records carry exactly the documented fields, human lines escape control characters, the
// summary goes to stderr, and the exit code is 3 > 1 > 0 (4 when nothing matched, if asked).
import { describe, expect, test } from "bun:test";
import { displayText } from "../../src/bulk/display.ts";
import { BulkReport, count, type DryRunRecord, type ItemRecord } from "../../src/bulk/report.ts";
import { createCli } from "../../src/cli/context.ts";
import type { Io } from "../../src/cli/io.ts";
import { findSpec } from "../../src/cli/registry.ts";

function fakeIo(): Io & { stdout: string; stderr: string[] } {
  const io = {
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdoutColor: false,
    stderrColor: false,
    stdout: "",
    stderr: [] as string[],
    async write(data: string | Uint8Array) {
      io.stdout += typeof data === "string" ? data : new TextDecoder().decode(data);
    },
    error(text: string) {
      io.stderr.push(text);
    },
    status() {},
    async flush() {},
    stdoutClosed: () => false,
  };
  return io;
}

function report(flags: { json?: boolean; quiet?: boolean } = {}) {
  const io = fakeIo();
  const cli = createCli(
    findSpec("rm") as NonNullable<ReturnType<typeof findSpec>>,
    {
      globals: { json: flags.json ?? false, quiet: flags.quiet ?? false, help: false, version: false },
      args: [],
      options: {},
    },
    io,
  );
  return { io, report: new BulkReport(cli) };
}

const done: ItemRecord = { op: "delete", source: "s3://b/a", dest: null, size: null, status: "done" };
const refused: ItemRecord = {
  op: "delete",
  source: "s3://b/secret/x",
  dest: null,
  size: null,
  status: "refused",
  error: "PrefixDenied",
  message: "key is under the denied prefix",
};
const failed: ItemRecord = { ...done, source: "s3://b/f", status: "failed", error: "AccessDenied" };
const skipped: ItemRecord = { ...done, source: "s3://b/s", status: "skipped", message: "excluded" };

describe("exit code: refused > failed > ok", () => {
  const rows: [name: string, items: ItemRecord[], nothingIs4: boolean, code: number][] = [
    ["all done", [done, done], false, 0],
    ["skipped only", [skipped], false, 0],
    ["a failure", [done, failed], false, 1],
    ["a refusal", [done, refused], false, 3],
    ["refusal beats failure", [failed, refused, done], false, 3],
    ["nothing, not asked for 4", [], false, 0],
    ["nothing, asked for 4", [], true, 4],
    ["something matched, asked for 4", [skipped], true, 0],
  ];
  test.each(rows)("%s", async (_name, items, nothingIs4, code) => {
    const { report: r } = report();
    for (const item of items) await r.item(item);
    expect(r.finish({ nothingMatchedIs4: nothingIs4 })).toBe(code);
  });
});

describe("--json records", () => {
  test("exactly op, source, dest, size, status and error when there is one", async () => {
    const { io, report: r } = report({ json: true });
    await r.item({ ...done, dest: "s3://c/a", size: 5 });
    await r.item(refused);
    expect(
      io.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { op: "delete", source: "s3://b/a", dest: "s3://c/a", size: 5, status: "done" },
      {
        op: "delete",
        source: "s3://b/secret/x",
        dest: null,
        size: null,
        status: "refused",
        error: "PrefixDenied",
      },
    ]);
    expect(r.finish()).toBe(3);
    expect(io.stderr).toEqual([]); // no human summary with --json
  });

  test("dry run records carry the decision", async () => {
    const { io, report: r } = report({ json: true });
    const allow: DryRunRecord = { op: "delete", source: "s3://b/a", dest: null, size: 3, decision: "allow" };
    await r.dryRun(allow);
    await r.dryRun({ ...allow, decision: "deny", error: "ReadOnlyMode", message: "read-only" });
    expect(
      io.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { op: "delete", source: "s3://b/a", dest: null, size: 3, decision: "allow" },
      { op: "delete", source: "s3://b/a", dest: null, size: 3, decision: "deny", error: "ReadOnlyMode" },
    ]);
    expect(r.finish()).toBe(3); // a denied item predicts the real run's exit code
  });

  test("control characters stay JSON escapes", async () => {
    const { io, report: r } = report({ json: true });
    await r.item({ ...done, source: "s3://b/a\nb\x1b[2J" });
    expect(io.stdout).toBe(
      '{"op":"delete","source":"s3://b/a\\nb\\u001b[2J","dest":null,"size":null,"status":"done"}\n',
    );
  });
});

describe("human output", () => {
  test("one line per item on stdout, summary on stderr", async () => {
    const { io, report: r } = report();
    await r.item(done);
    await r.item(refused);
    await r.item(failed);
    await r.item(skipped);
    expect(io.stdout).toBe(
      [
        "deleted s3://b/a",
        "refused s3://b/secret/x: PrefixDenied: key is under the denied prefix",
        "failed s3://b/f: AccessDenied",
        "skipped s3://b/s: excluded",
        "",
      ].join("\n"),
    );
    expect(r.finish()).toBe(3);
    expect(io.stderr).toEqual(["rm: 1 done, 1 skipped, 1 refused, 1 failed"]);
  });

  test("a key cannot move the cursor or forge a line", async () => {
    const { io, report: r } = report();
    await r.item({ ...done, source: "s3://b/x\n\rdeleted s3://b/forged\x1b[1A\u202e" });
    expect(io.stdout).toBe("deleted s3://b/x\\x0a\\x0ddeleted s3://b/forged\\x1b[1A\\u{202e}\n");
  });

  test("--quiet: no item lines; the summary only when something went wrong", async () => {
    const ok = report({ quiet: true });
    await ok.report.item(done);
    expect(ok.report.finish()).toBe(0);
    expect({ stdout: ok.io.stdout, stderr: ok.io.stderr }).toEqual({ stdout: "", stderr: [] });
    const bad = report({ quiet: true });
    await bad.report.item(failed);
    expect(bad.report.finish()).toBe(1);
    expect({ stdout: bad.io.stdout, stderr: bad.io.stderr }).toEqual({
      stdout: "",
      stderr: ["rm: 0 done, 0 refused, 1 failed"],
    });
  });

  test("dry run lines and summary", async () => {
    const { io, report: r } = report();
    await r.dryRun({ op: "delete", source: "s3://b/a", dest: null, size: 2, decision: "allow" });
    await r.dryRun({
      op: "delete",
      source: "s3://b/s",
      dest: null,
      size: null,
      decision: "deny",
      error: "PrefixDenied",
      message: "denied prefix",
    });
    expect(io.stdout).toBe(
      "(dry run) delete s3://b/a (2 bytes): allow\n(dry run) delete s3://b/s: deny: PrefixDenied: denied prefix\n",
    );
    expect(r.finish()).toBe(3);
    expect(io.stderr).toEqual(["rm: dry run: 1 allowed, 1 denied; nothing was changed"]);
  });

  test("nothing matched", () => {
    const { io, report: r } = report();
    expect(r.finish({ nothingMatchedIs4: true })).toBe(4);
    expect(io.stderr).toEqual(["rm: nothing matched"]);
  });
});

describe("helpers", () => {
  const rows: [input: string, shown: string][] = [
    ["plain/key.txt", "plain/key.txt"],
    ["sp ace/ünï/日本", "sp ace/ünï/日本"],
    ["a\tb", "a\\x09b"],
    ["\x00\x7f\x9b", "\\x00\\x7f\\x9b"],
    ["line\u2028sep", "line\\u{2028}sep"],
    ["\u2066isolate\u2069", "\\u{2066}isolate\\u{2069}"],
  ];
  test.each(rows)("displayText(%p)", (input, shown) => {
    expect(displayText(input)).toBe(shown);
  });
  test.each([
    [0, "0"],
    [999, "999"],
    [1000, "1,000"],
    [1234567, "1,234,567"],
  ] as const)("count(%p)", (n, text) => {
    expect(count(n)).toBe(text);
  });
});
