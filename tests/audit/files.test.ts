// What the audit path may be (SPEC §4): a regular file owned by the user running mcp-s3, or absent
// (then created, mode 0600). A symbolic link, another user's file, a FIFO, a device, a socket or a
// directory is refused at startup with InvalidConfig naming the path and the reason, and is left
// exactly as it was: no chmod of a link's target, no line appended, no hang on a FIFO. The startup
// refusals run in child processes with a timeout, so a regression that blocks fails instead of hanging.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createAuditWriter } from "../../src/audit/writer.ts";
import { S3ToolError } from "../../src/errors.ts";
import { ownerProblem } from "../../src/owned-files.ts";

const ROOT = resolve(import.meta.dir, "../..");
const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-audit-files-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const IS_ROOT = process.getuid?.() === 0;
/** The uid nobody has on Debian and most Linux systems; any uid other than ours would do. */
const OTHER_UID = 65534;

let n = 0;
const fresh = (name = "audit.jsonl") => {
  const dir = join(TMP, `d${++n}`);
  mkdirSync(dir);
  return join(dir, name);
};
const mode = (path: string) => statSync(path).mode & 0o777;

function refusal(path: string): S3ToolError {
  try {
    createAuditWriter({ enabled: true, file: path }).close();
  } catch (e) {
    expect(e).toBeInstanceOf(S3ToolError);
    const err = e as S3ToolError;
    expect(err.code).toBe("InvalidConfig");
    expect(err.message).toContain(JSON.stringify(path));
    expect(err.hint).toContain("MCP_S3_AUDIT_FILE");
    return err;
  }
  throw new Error(`the audit path ${path} was accepted`);
}

function mkfifo(path: string): void {
  const r = spawnSync("mkfifo", ["-m", "600", path], { timeout: 10_000 });
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
}

describe("refused in-process, and left untouched", () => {
  test("a symbolic link to a file: the target keeps its mode and content", () => {
    const target = fresh("target.txt");
    writeFileSync(target, "precious\n");
    chmodSync(target, 0o644);
    const link = join(TMP, `link-${++n}.jsonl`);
    symlinkSync(target, link);
    const err = refusal(link);
    expect(err.message).toContain("is a symbolic link");
    expect(mode(target)).toBe(0o644);
    expect(readFileSync(target, "utf8")).toBe("precious\n");
  });

  test("a dangling symbolic link: its target is not created", () => {
    const target = join(TMP, `nowhere-${++n}`, "..", `created-through-link-${n}.jsonl`);
    const link = fresh("dangling.jsonl");
    symlinkSync(target, link);
    expect(refusal(link).message).toContain("is a symbolic link");
    expect(existsSync(target)).toBe(false);
  });

  test("a link to a link, and a link to a directory", () => {
    const target = fresh("t");
    writeFileSync(target, "");
    const first = `${target}.l1`;
    const second = `${target}.l2`;
    symlinkSync(target, first);
    symlinkSync(first, second);
    expect(refusal(second).message).toContain("symbolic link");
    const toDir = `${target}.dir-link`;
    symlinkSync(TMP, toDir);
    expect(refusal(toDir).message).toContain("symbolic link");
  });

  // Without a reader a plain open blocks for ever, so that case runs only in a child process (below).
  test("a FIFO with a reader", () => {
    const fifo = fresh("fifo");
    mkfifo(fifo);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      expect(refusal(fifo).message).toContain("is a FIFO (named pipe), not a regular file");
    } finally {
      closeSync(reader);
    }
  });

  test("a socket", async () => {
    const path = fresh("sock");
    const server = createServer();
    await new Promise<void>((done) => server.listen(path, done));
    try {
      expect(refusal(path).message).toContain("is a socket");
    } finally {
      server.close();
    }
  });

  test("a directory", () => {
    const dir = fresh("dir");
    mkdirSync(dir);
    expect(refusal(dir).message).toContain("is a directory");
  });

  test("a character device keeps its mode", () => {
    // As root a private node with /dev/null's numbers, so a regression cannot chmod the real one.
    let path = "/dev/null";
    if (IS_ROOT) {
      const own = fresh("null");
      if (spawnSync("mknod", ["-m", "666", own, "c", "1", "3"], { timeout: 10_000 }).status === 0) path = own;
    }
    const before = mode(path);
    expect(refusal(path).message).toContain("is a character device");
    expect(mode(path)).toBe(before);
  });

  test.skipIf(!IS_ROOT)("a file owned by another user: refused, its mode and content unchanged", () => {
    const path = fresh();
    writeFileSync(path, "theirs\n");
    chmodSync(path, 0o666);
    chownSync(path, OTHER_UID, OTHER_UID);
    const err = refusal(path);
    expect(err.message).toContain(`is owned by another user (uid ${OTHER_UID}`);
    expect(readFileSync(path, "utf8")).toBe("theirs\n");
    expect(mode(path)).toBe(0o666);
    expect(lstatSync(path).uid).toBe(OTHER_UID);
  });
});

describe("accepted", () => {
  test("an absent path is created, mode 0600, whatever the umask", () => {
    const path = fresh();
    const old = process.umask(0o000);
    try {
      createAuditWriter({ enabled: true, file: path }).close();
    } finally {
      process.umask(old);
    }
    expect(lstatSync(path).isFile()).toBe(true);
    expect(mode(path)).toBe(0o600);
  });

  test("our own file is appended to, and tightened to 0600 if others could read it", () => {
    const path = fresh();
    writeFileSync(path, "earlier\n");
    chmodSync(path, 0o644);
    const w = createAuditWriter({ enabled: true, file: path });
    w.write({ tool: "t", connection: "c", status: "success", duration_ms: 1 });
    w.close();
    expect(readFileSync(path, "utf8")).toStartWith("earlier\n{");
    expect(mode(path)).toBe(0o600);
  });

  test("a symbolic link in a parent directory is followed (only the last component is checked)", () => {
    const real = fresh("dir");
    mkdirSync(real);
    const linkedDir = `${real}-link`;
    symlinkSync(real, linkedDir);
    createAuditWriter({ enabled: true, file: join(linkedDir, "audit.jsonl") }).close();
    expect(lstatSync(join(real, "audit.jsonl")).isFile()).toBe(true);
  });
});

describe("ownership, table-driven", () => {
  const rows: [string, number, number | undefined, boolean, boolean][] = [
    // [case, file uid, running uid, root allowed, refused]
    ["own file", 1000, 1000, false, false],
    ["another user's file", 1001, 1000, false, true],
    ["root's file, root not allowed (audit)", 0, 1000, false, true],
    ["root's file, root allowed (config)", 0, 1000, true, false],
    ["another user's file, root allowed", 65534, 1000, true, true],
    ["running as root, own file", 0, 0, false, false],
    ["running as root, nobody's file", 65534, 0, true, true],
    ["no user ids (Windows): nothing to compare", 1234, undefined, false, false],
  ];
  test.each(rows)("%s", (_name, fileUid, runningUid, rootAllowed, refused) => {
    const problem = ownerProblem(fileUid, runningUid, rootAllowed);
    expect(problem !== undefined).toBe(refused);
    if (problem !== undefined) expect(problem).toContain(`uid ${fileUid}`);
  });
});

describe("startup is refused (exit 5) without blocking: CLI and MCP server as child processes", () => {
  const run = (args: string[], auditFile: string) =>
    spawnSync(process.execPath, ["src/main.ts", ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: TMP,
        XDG_CONFIG_HOME: TMP,
        MCP_S3_EXT_AUDIT: "true",
        MCP_S3_AUDIT_FILE: auditFile,
        // Nothing may be sent: an S3 request here would fail with exit 1, not 5.
        S3_ENDPOINT: "http://127.0.0.1:9",
        AWS_ACCESS_KEY_ID: "AK",
        AWS_SECRET_ACCESS_KEY: "not-used-secret",
      },
      input: "",
      encoding: "utf8",
      timeout: 30_000,
    });

  const cases: [string, () => string, string][] = [
    [
      "a FIFO without a reader",
      () => {
        const p = fresh("fifo");
        mkfifo(p);
        return p;
      },
      "is a FIFO (named pipe)",
    ],
    [
      "a symbolic link",
      () => {
        const target = fresh("target");
        writeFileSync(target, "");
        symlinkSync(target, `${target}.link`);
        return `${target}.link`;
      },
      "is a symbolic link",
    ],
  ];
  if (IS_ROOT) {
    cases.push([
      "another user's file",
      () => {
        const p = fresh();
        writeFileSync(p, "");
        chownSync(p, OTHER_UID, OTHER_UID);
        return p;
      },
      "is owned by another user",
    ]);
  }

  for (const [name, make, reason] of cases) {
    for (const args of [["ls", "s3://bucket/"], ["serve"]]) {
      test(`${name}: \`mcp-s3 ${args.join(" ")}\``, () => {
        const path = make();
        const r = run(args, path);
        expect(r.error).toBeUndefined(); // not killed by the timeout
        expect(r.status).toBe(5);
        expect(r.stderr).toContain("InvalidConfig");
        expect(r.stderr).toContain(JSON.stringify(path));
        expect(r.stderr).toContain(reason);
        expect(r.stdout).toBe("");
      });
    }
  }
});
