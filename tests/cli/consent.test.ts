// Consent and the presign setting on the command line (SPEC §6.1 Consent, §3 Presign), driving the
// real CLI against the test S3 server: --yes for scripts, ConsentRequired (exit 3) with no terminal,
// and one y/N question on a terminal (a pseudo-terminal from script(1)).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createTestBucket,
  getTestObject,
  getTestS3,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { BUN, errorCode, MAIN, type Result, run, tempDir } from "./helpers.ts";

setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
let env: Record<string, string>;
const tmp = tempDir("mcp-s3-cli-consent-");
const auditFile = join(tmp.path, "audit.jsonl");

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "cli-consent");
  env = {
    ...testEnv(s3),
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_CONFIRM: "delete,write",
    MCP_S3_EXT_PREFIXACL: "true",
    MCP_S3_DENIED_PREFIXES: "secrets/",
    MCP_S3_EXT_AUDIT: "true",
    MCP_S3_AUDIT_FILE: auditFile,
  };
});
afterAll(() => tmp.remove());

const cli = (args: string[], extra: Record<string, string> = {}) =>
  run(args, { env: { ...env, ...extra }, timeoutMs: 30_000 });

function lastAudit(): Record<string, unknown> | undefined {
  const lines = existsSync(auditFile) ? readFileSync(auditFile, "utf8").trim().split("\n") : [];
  const last = lines.at(-1);
  return last === undefined ? undefined : (JSON.parse(last) as Record<string, unknown>);
}

async function exists(key: string): Promise<boolean> {
  return (await getTestObject(s3, bucket, key)) !== null;
}

describe("no terminal", () => {
  test("rm without --yes: ConsentRequired, exit 3, nothing deleted, audit consent unavailable", async () => {
    await putTestObject(s3, bucket, "a/keep.txt", "k");
    const r = await cli(["rm", `s3://${bucket}/a/keep.txt`]);
    expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 3, error: "ConsentRequired" });
    expect(r.stderr).toContain(
      `delete s3://${bucket}/a/keep.txt on connection "default" needs a human's consent`,
    );
    expect(r.stderr).toContain("stdin is not a terminal");
    expect(await exists("a/keep.txt")).toBe(true);
    expect(lastAudit()).toMatchObject({
      tool: "s3_delete_object",
      source: "cli",
      status: "denied",
      error: "ConsentRequired",
      consent: "unavailable",
    });
  });

  test("--json: the refusal is one JSON object naming --yes in its hint", async () => {
    const r = await cli(["--json", "put", "-", `s3://${bucket}/a/new.txt`]);
    expect(r.code).toBe(3);
    const body = JSON.parse(r.stderr.trim()) as { error: string; hint: string };
    expect(body.error).toBe("ConsentRequired");
    expect(body.hint).toContain("--yes");
  });

  test("--yes: consent given in advance; the object is deleted and the audit line says accepted", async () => {
    await putTestObject(s3, bucket, "a/go.txt", "g");
    const r = await cli(["--yes", "rm", `s3://${bucket}/a/go.txt`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await exists("a/go.txt")).toBe(false);
    expect(lastAudit()).toMatchObject({ tool: "s3_delete_object", status: "success", consent: "accepted" });
  });

  test("-y after the command works too (global flags go anywhere)", async () => {
    const r = await run(["put", "-", `s3://${bucket}/a/put.txt`, "-y"], {
      env,
      stdin: "body",
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(0);
    expect(await exists("a/put.txt")).toBe(true);
  });

  test("--yes never overrides another rule: a denied key is PrefixDenied", async () => {
    const r = await cli(["--yes", "rm", `s3://${bucket}/secrets/x`]);
    expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 3, error: "PrefixDenied" });
    expect(lastAudit()?.consent).toBeUndefined();
  });

  test("what confirm does not name runs without a question", async () => {
    await putTestObject(s3, bucket, "a/src.txt", "s");
    const r = await cli(["cp", `s3://${bucket}/a/src.txt`, `s3://${bucket}/a/dst.txt`], {
      MCP_S3_CONFIRM: "delete",
    });
    expect(r.code).toBe(0);
  });
});

describe("bulk: rm -r (DeleteObjects)", () => {
  test("no terminal: every key refused ConsentRequired, exit 3, nothing deleted; --yes deletes them", async () => {
    for (const k of ["r/1", "r/2", "r/3"]) await putTestObject(s3, bucket, k, k);
    const refused = await cli(["--json", "rm", "-r", `s3://${bucket}/r/`]);
    expect(refused.code).toBe(3);
    const records = refused.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string; error?: string });
    expect(records.map((r) => [r.status, r.error])).toEqual([
      ["refused", "ConsentRequired"],
      ["refused", "ConsentRequired"],
      ["refused", "ConsentRequired"],
    ]);
    for (const k of ["r/1", "r/2", "r/3"]) expect(await exists(k)).toBe(true);
    const done = await cli(["--yes", "rm", "-r", `s3://${bucket}/r/`]);
    expect(done.code).toBe(0);
    for (const k of ["r/1", "r/2", "r/3"]) expect(await exists(k)).toBe(false);
  });
});

describe("presign setting", () => {
  test("presign off: PresignDisabled, exit 3, the hint speaks to the administrator", async () => {
    const r = await cli(["presign", `s3://${bucket}/a/src.txt`], { MCP_S3_PRESIGN: "off" });
    expect({ code: r.code, error: errorCode(r) }).toEqual({ code: 3, error: "PresignDisabled" });
    const json = await cli(["--json", "presign", `s3://${bucket}/a/src.txt`], { MCP_S3_PRESIGN: "off" });
    expect((JSON.parse(json.stderr.trim()) as { hint: string }).hint).toContain("administrator");
  });

  test("presign get: GET URLs only", async () => {
    const get = await cli(["presign", `s3://${bucket}/a/src.txt`], { MCP_S3_PRESIGN: "get" });
    expect(get.code).toBe(0);
    const put = await cli(["presign", "--method", "PUT", `s3://${bucket}/a/src.txt`], {
      MCP_S3_PRESIGN: "get",
    });
    expect({ code: put.code, error: errorCode(put) }).toEqual({ code: 3, error: "PresignDisabled" });
  });
});

// script(1) gives the command a pseudo-terminal: stdin is a TTY there, and what we write to
// script's stdin is what the user types.
const hasScript = existsSync("/usr/bin/script");

async function onTerminal(args: string, typed: string | undefined, extra: Record<string, string> = {}) {
  const proc = Bun.spawn(["script", "-qfec", `"${BUN}" "${MAIN}" ${args}`, "/dev/null"], {
    env: { ...env, TERM: "xterm", NO_COLOR: "1", ...extra },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  if (typed !== undefined) proc.stdin.write(typed);
  // Without an answer the input stays open: the question must time out on its own.
  const output = await new Response(proc.stdout).text();
  const code = await proc.exited;
  clearTimeout(killer);
  proc.stdin.end();
  return { code, output } as Pick<Result, "code"> & { output: string };
}

describe.skipIf(!hasScript)("on a terminal", () => {
  test("one question naming the operation; y deletes", async () => {
    await putTestObject(s3, bucket, "t/yes.txt", "y");
    const r = await onTerminal(`rm s3://${bucket}/t/yes.txt`, "y\n");
    expect(r.output).toContain(`mcp-s3: delete s3://${bucket}/t/yes.txt on connection "default"? [y/N]`);
    expect(r.output.match(/\[y\/N\]/g)).toHaveLength(1);
    expect(r.code).toBe(0);
    expect(await exists("t/yes.txt")).toBe(false);
    expect(lastAudit()).toMatchObject({ status: "success", consent: "accepted" });
  });

  test("n (or anything but y) refuses: ConsentDeclined, exit 3, nothing deleted", async () => {
    await putTestObject(s3, bucket, "t/no.txt", "n");
    const r = await onTerminal(`rm s3://${bucket}/t/no.txt`, "n\n");
    expect(r.code).toBe(3);
    expect(r.output).toContain("mcp-s3: ConsentDeclined:");
    expect(await exists("t/no.txt")).toBe(true);
    expect(lastAudit()).toMatchObject({ status: "denied", error: "ConsentDeclined", consent: "declined" });
  });

  test("no answer within consent_timeout: ConsentDeclined, exit 3", async () => {
    await putTestObject(s3, bucket, "t/silent.txt", "s");
    const r = await onTerminal(`rm s3://${bucket}/t/silent.txt`, undefined, { MCP_S3_CONSENT_TIMEOUT: "1s" });
    expect(r.code).toBe(3);
    expect(r.output).toContain("not approved within 1s");
    expect(await exists("t/silent.txt")).toBe(true);
  });

  test("a denied key is refused without a question", async () => {
    const r = await onTerminal(`rm s3://${bucket}/secrets/x`, "y\n");
    expect(r.code).toBe(3);
    expect(r.output).toContain("PrefixDenied");
    expect(r.output).not.toContain("[y/N]");
  });

  test("--yes on a terminal asks nothing", async () => {
    await putTestObject(s3, bucket, "t/pre.txt", "p");
    const r = await onTerminal(`--yes rm s3://${bucket}/t/pre.txt`, undefined);
    expect(r.code).toBe(0);
    expect(r.output).not.toContain("[y/N]");
    expect(await exists("t/pre.txt")).toBe(false);
  });
});

describe.skipIf(!hasScript)("bulk on a terminal: one question for the whole command, with counts", () => {
  test("rm -r of 12 keys: one question naming 12 objects; y deletes them all, each audited accepted", async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `bulk-yes/k${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((k) => putTestObject(s3, bucket, k, "x")));
    const r = await onTerminal(`rm -r s3://${bucket}/bulk-yes/`, "y\n");
    expect(r.output).toContain(
      `mcp-s3: delete 12 objects under s3://${bucket}/bulk-yes/ on connection "default"? [y/N]`,
    );
    expect(r.output.match(/\[y\/N\]/g)).toHaveLength(1);
    expect(r.code).toBe(0);
    for (const k of keys) expect(await exists(k)).toBe(false);
    const lines = readFileSync(auditFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.tool === "s3_delete_object" && String(l.key).startsWith("bulk-yes/"));
    expect(lines).toHaveLength(12);
    for (const l of lines) expect(l).toMatchObject({ status: "success", consent: "accepted" });
  });

  test("n refuses every item (ConsentDeclined, exit 3), one question, nothing deleted", async () => {
    const keys = ["bulk-no/a", "bulk-no/b", "bulk-no/c"];
    await Promise.all(keys.map((k) => putTestObject(s3, bucket, k, "x")));
    const r = await onTerminal(`rm -r s3://${bucket}/bulk-no/`, "n\n");
    expect(r.output.match(/\[y\/N\]/g)).toHaveLength(1);
    expect(r.output).toContain("delete 3 objects under");
    expect(r.code).toBe(3);
    for (const k of keys) expect(await exists(k)).toBe(true);
  });
});

describe.skipIf(!hasScript)("bulk transfers on a terminal: one question for the whole command", () => {
  test("put -r of 5 files with confirm: write: one question naming 5 uploads; y stores them all", async () => {
    const dir = join(tmp.path, "tree-yes");
    mkdirSync(join(dir, "sub"), { recursive: true });
    for (const name of ["a.txt", "b.txt", "sub/c.txt", "sub/d.txt", "e.txt"])
      writeFileSync(join(dir, name), name);
    const r = await onTerminal(`put -r ${dir} s3://${bucket}/tree-yes/`, "y\n");
    expect(r.output).toContain("upload 5 objects");
    expect(r.output.match(/\[y\/N\]/g)).toHaveLength(1);
    expect(r.code).toBe(0);
    for (const k of ["a.txt", "sub/c.txt", "e.txt"]) expect(await exists(`tree-yes/${k}`)).toBe(true);
  });

  test("n: every upload refused with ConsentDeclined (exit 3), nothing stored", async () => {
    const dir = join(tmp.path, "tree-no");
    mkdirSync(dir, { recursive: true });
    for (const name of ["x.txt", "y.txt"]) writeFileSync(join(dir, name), name);
    const r = await onTerminal(`put -r ${dir} s3://${bucket}/tree-no/`, "n\n");
    expect(r.output.match(/\[y\/N\]/g)).toHaveLength(1);
    expect(r.code).toBe(3);
    expect(await exists("tree-no/x.txt")).toBe(false);
  });
});

test("bulk upload with no terminal and no --yes: every item ConsentRequired, exit 3; --yes stores them", async () => {
  const dir = join(tmp.path, "tree-script");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "only.txt"), "o");
  const refused = await cli(["put", "-r", dir, `s3://${bucket}/tree-script/`, "--json"]);
  expect(refused.code).toBe(3);
  expect(refused.stdout).toContain('"error":"ConsentRequired"');
  expect(await exists("tree-script/only.txt")).toBe(false);
  const ok = await cli(["--yes", "put", "-r", dir, `s3://${bucket}/tree-script/`]);
  expect(ok.code).toBe(0);
  expect(await exists("tree-script/only.txt")).toBe(true);
});
