// Which config files are trusted (SPEC §2.2): a regular file that group and others cannot write,
// owned by the user running mcp-s3 or by root, as ssh requires of its config. A symbolic link is
// fine (ssh allows it too) but its target is what is checked. A FIFO is refused without blocking.
// Another user's file is made with chown (the tests run as root here); "root's file read by an
// ordinary user" runs mcp-s3 as uid 65534 in a child process. Child processes have a timeout.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";

const ROOT = resolve(import.meta.dir, "../..");
const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-config-files-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const EMPTY = join(TMP, "empty");
mkdirSync(EMPTY);

let n = 0;
/** A config that switches read-only off, in a fresh directory, mode 0644. */
function configFile(): string {
  const dir = join(TMP, `c${++n}`);
  mkdirSync(dir);
  const path = join(dir, "config.yaml");
  writeFileSync(path, "policy:\n  read_only: false\n");
  chmodSync(path, 0o644);
  return path;
}

function problemsOf(path: string): readonly string[] {
  try {
    loadConfig({ env: { HOME: EMPTY, XDG_CONFIG_HOME: EMPTY }, flags: { config: path } });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

const readOnlyOff = (path: string) =>
  loadConfig({ env: { HOME: EMPTY, XDG_CONFIG_HOME: EMPTY }, flags: { config: path } }).connections.default
    ?.policy.read_only === false;

describe("ownership", () => {
  test("our own file is read", () => {
    expect(readOnlyOff(configFile())).toBe(true);
  });

  test.skipIf(!IS_ROOT)("another user's file is refused, naming the path and the owner", () => {
    const path = configFile();
    chownSync(path, NOBODY, NOBODY);
    const problems = problemsOf(path);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith(`${path}: is owned by another user (uid ${NOBODY};`);
    expect(problems[0]).toContain("could switch read-only off");
  });

  test.skipIf(!IS_ROOT)("a symbolic link to another user's file is refused (the target is checked)", () => {
    const target = configFile();
    chownSync(target, NOBODY, NOBODY);
    const link = `${target}.link`;
    symlinkSync(target, link);
    expect(problemsOf(link)[0]).toContain(`is owned by another user (uid ${NOBODY}`);
  });

  test("a symbolic link to our own file is read (as ssh allows)", () => {
    const target = configFile();
    const link = `${target}.link`;
    symlinkSync(target, link);
    expect(readOnlyOff(link)).toBe(true);
  });

  test("a symbolic link to a group-writable file is refused (the target's mode is checked)", () => {
    const target = configFile();
    chmodSync(target, 0o664);
    const link = `${target}.link`;
    symlinkSync(target, link);
    expect(problemsOf(link)[0]).toContain("writable by group or others");
  });

  const asNobody = (path: string) =>
    spawnSync(process.execPath, ["src/main.ts", "config", "check", "--config", path], {
      cwd: ROOT,
      uid: NOBODY,
      gid: NOBODY,
      env: { PATH: process.env.PATH ?? "", HOME: EMPTY, XDG_CONFIG_HOME: EMPTY },
      encoding: "utf8",
      timeout: 30_000,
    });

  test.skipIf(!IS_ROOT)("an ordinary user (uid 65534) may use root's file, not a third user's", () => {
    chmodSync(TMP, 0o755);
    const roots = configFile();
    const ok = asNobody(roots);
    expect(ok.error).toBeUndefined();
    expect(ok.status).toBe(0);
    const theirs = configFile();
    chownSync(theirs, NOBODY - 1, NOBODY - 1);
    const refused = asNobody(theirs);
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain(
      `is owned by another user (uid ${NOBODY - 1}; mcp-s3 runs as uid ${NOBODY}`,
    );
  });
});

describe("not a regular file", () => {
  test("a directory", () => {
    const dir = join(TMP, `dir${++n}`);
    mkdirSync(dir);
    expect(problemsOf(dir)[0]).toBe(`${dir}: is a directory, not a regular file`);
  });

  test("a character device", () => {
    expect(problemsOf("/dev/null")[0]).toBe("/dev/null: is a character device, not a regular file");
  });

  const check = (path: string) =>
    spawnSync(process.execPath, ["src/main.ts", "config", "check", "--config", path], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: EMPTY, XDG_CONFIG_HOME: EMPTY },
      encoding: "utf8",
      timeout: 30_000,
    });

  // Opening a FIFO for reading blocks until a writer comes: in-process that would hang the test run.
  test("a FIFO (and a link to one) is refused at once: `config check` exits 5", () => {
    const fifo = join(TMP, `fifo${++n}`);
    expect(spawnSync("mkfifo", ["-m", "600", fifo], { timeout: 10_000 }).status).toBe(0);
    symlinkSync(fifo, `${fifo}.link`);
    for (const path of [fifo, `${fifo}.link`]) {
      const r = check(path);
      expect(r.error).toBeUndefined(); // not killed by the timeout
      expect(r.status).toBe(5);
      expect(r.stderr).toContain(`${path}: is a FIFO (named pipe), not a regular file`);
    }
  });
});
