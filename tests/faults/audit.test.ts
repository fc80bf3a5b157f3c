// Audit durability (SPEC §4): an audit log that cannot be written fails operations closed with a clear
// error (tests run as root, so permissions cannot make a file unwritable: a sparse file at its file
// system's size limit gives EFBIG on every append, and a 16 KiB tmpfs fills up mid-run where mounting
// is allowed); an audit path that is a link, a FIFO or another user's file stops startup; several processes
// appending to one file never interleave partial lines; SIGTERM during a burst loses no line for a
// call that returned.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { S3ToolError } from "../../src/errors.ts";
import { createOpsContext, headObject, listConnections, putObject } from "../../src/ops/index.ts";
import { fileThatRefusesAppends } from "../support/full-file.ts";
import type { TestS3 } from "../support/s3.ts";
import { runCli } from "./cli.ts";
import {
  createBucket,
  objectExists,
  productEnv,
  readLines,
  rgw,
  type Sandbox,
  sandbox,
  putObject as seed,
} from "./env.ts";
import { startMcp, toolErrorOf } from "./mcp.ts";

setDefaultTimeout(120_000);

let s3: TestS3;
let box: Sandbox;
let bucket: string;

beforeAll(async () => {
  s3 = await rgw();
  box = sandbox("faults-audit");
  bucket = await createBucket(s3, "faults-audit");
  await seed(s3, bucket, "data/present.txt", "present");
});
afterAll(() => box?.cleanup());

const env = (extra: Record<string, string> = {}) =>
  productEnv(s3, box, s3.endpoint, { MCP_S3_EXT_READONLY: "false", MCP_S3_EXT_AUDIT: "true", ...extra });

async function codeOf(p: Promise<unknown>): Promise<S3ToolError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(S3ToolError);
  return e as S3ToolError;
}

describe("an unwritable audit log fails closed (a file at its size limit: EFBIG on every append)", () => {
  /** A fresh audit file that refuses every append, and the error code it gives (EFBIG). */
  let refused = "EFBIG";
  const fullFile = () => {
    const path = box.auditFile();
    const code = fileThatRefusesAppends(path);
    if (code === undefined) throw new Error("this file system cannot make a file that refuses appends");
    refused = code;
    return path;
  };

  test("ops: the call that finds out fails; every later call is refused before it reaches S3", async () => {
    const ctx = createOpsContext(loadConfig({ env: env({ MCP_S3_AUDIT_FILE: fullFile() }) }), {
      source: "cli",
    });
    try {
      const first = await codeOf(listConnections(ctx));
      expect(first.code).toBe("InternalError");
      expect(first.message).toContain(`could not be written (${refused})`);
      const put = await codeOf(
        putObject(ctx, { bucket, key: "after-failure.txt", body: new Uint8Array([1]) }),
      );
      expect(put.code).toBe("InternalError");
      expect(put.message).toContain(refused);
      expect(await objectExists(s3, bucket, "after-failure.txt")).toBe(false);
      const read = await codeOf(headObject(ctx, { bucket, key: "data/present.txt" }));
      expect(read.code).toBe("InternalError");
    } finally {
      ctx.close();
    }
  });

  test("ops: a write that finds out says truthfully that it was carried out, unaudited", async () => {
    const ctx = createOpsContext(loadConfig({ env: env({ MCP_S3_AUDIT_FILE: fullFile() }) }), {
      source: "cli",
    });
    try {
      const e = await codeOf(putObject(ctx, { bucket, key: "first-write.txt", body: new Uint8Array([1]) }));
      expect(e.code).toBe("InternalError");
      expect(e.message).toContain(
        `s3_put_object was carried out but its audit line could not be written (${refused})`,
      );
      // Documented residual risk: the one call that discovers the failure has already reached S3.
      expect(await objectExists(s3, bucket, "first-write.txt")).toBe(true);
    } finally {
      ctx.close();
    }
  });

  test("MCP: isError InternalError, later writes refused and not stored, the server stays up", async () => {
    const mcp = await startMcp(env({ MCP_S3_AUDIT_FILE: fullFile() }));
    try {
      const first = toolErrorOf(await mcp.call("s3_list_connections"));
      expect(first?.error).toBe("InternalError");
      const put = toolErrorOf(
        await mcp.call("s3_put_object", { bucket, key: "mcp-after-failure.txt", content: "x" }),
      );
      expect(put?.error).toBe("InternalError");
      expect(await objectExists(s3, bucket, "mcp-after-failure.txt")).toBe(false);
      const read = await mcp.call("s3_get_object", { bucket, key: "data/present.txt" });
      expect(read.isError).toBe(true);
      expect(JSON.stringify(read)).not.toContain('"present"');
      expect(mcp.alive()).toBe(true);
    } finally {
      expect(await mcp.close()).toBe(0);
    }
  });

  test("CLI: exit 1 with InternalError, the listing is withheld", async () => {
    const r = await runCli(["ls", `s3://${bucket}/`], env({ MCP_S3_AUDIT_FILE: fullFile() }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^mcp-s3: InternalError: .*${refused}`));
    expect(r.stdout).not.toContain("present.txt");
  });

  test("an audit file that cannot be opened is a startup error (exit 5), before any S3 request", async () => {
    const r = await runCli(
      ["ls", `s3://${bucket}/`],
      env({ MCP_S3_AUDIT_FILE: join(box.dir, "no-such-dir", "audit.jsonl") }),
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("audit file");
  });
});

describe("an audit path that is not our own regular file stops startup (exit 5), before any S3 request", () => {
  const put = (auditFile: string, key: string) =>
    runCli(["put", "-", `s3://${bucket}/${key}`], env({ MCP_S3_AUDIT_FILE: auditFile }), {
      stdin: "payload",
      killMs: 30_000,
    });

  test("a symbolic link: refused, the link's target keeps its mode and content, nothing stored", async () => {
    const target = box.auditFile("precious.txt");
    writeFileSync(target, "precious\n");
    chmodSync(target, 0o644);
    const link = box.auditFile("link.jsonl");
    symlinkSync(target, link);
    const r = await put(link, "via-link.txt");
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`audit file ${JSON.stringify(link)} is a symbolic link`);
    expect(readFileSync(target, "utf8")).toBe("precious\n");
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(await objectExists(s3, bucket, "via-link.txt")).toBe(false);
  });

  test("a FIFO: refused at once (a plain open would wait for a reader for ever), nothing stored", async () => {
    const fifo = box.auditFile("fifo");
    expect(spawnSync("mkfifo", [fifo], { timeout: 10_000 }).status).toBe(0);
    const r = await put(fifo, "via-fifo.txt");
    expect(r.code).toBe(5); // null if killed after 30 s
    expect(r.stderr).toContain("is a FIFO (named pipe)");
    expect(await objectExists(s3, bucket, "via-fifo.txt")).toBe(false);
  });

  test.skipIf(process.getuid?.() !== 0)(
    "another user's file: refused by the CLI and the MCP server, untouched",
    async () => {
      const theirs = box.auditFile("theirs.jsonl");
      writeFileSync(theirs, "theirs\n");
      chownSync(theirs, 65534, 65534);
      const r = await put(theirs, "via-theirs.txt");
      expect(r.code).toBe(5);
      expect(r.stderr).toContain("is owned by another user (uid 65534");
      const server = await runCli(["serve"], env({ MCP_S3_AUDIT_FILE: theirs }), { killMs: 30_000 });
      expect(server.code).toBe(5);
      expect(server.stdout).toBe("");
      expect(readFileSync(theirs, "utf8")).toBe("theirs\n");
      expect(await objectExists(s3, bucket, "via-theirs.txt")).toBe(false);
    },
  );
});

/** Mounts a tmpfs of `size` on a fresh directory, or returns undefined where that is not allowed. */
function tinyTmpfs(size: string): { dir: string; unmount(): void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = join(box.dir, `tmpfs-${Date.now()}`);
  mkdirSync(dir);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { timeout: 60_000 });
  if (r.status !== 0) return undefined;
  return { dir, unmount: () => void spawnSync("umount", ["-l", dir], { timeout: 60_000 }) };
}

describe("an audit disk that fills up mid-run (16 KiB tmpfs)", () => {
  test("every call answered before the disk filled has its line; after that, calls fail closed", async () => {
    const fs = tinyTmpfs("16k");
    if (fs === undefined) {
      console.warn("skipped: cannot mount a tmpfs here (not root, or not permitted)");
      return;
    }
    const path = join(fs.dir, "audit.jsonl");
    const mcp = await startMcp(env({ MCP_S3_AUDIT_FILE: path }));
    try {
      let ok = 0;
      let firstFailure = -1;
      for (let i = 0; i < 400 && firstFailure < 0; i++) {
        const r = await mcp.call("s3_get_object_metadata", {
          bucket,
          key: `data/missing-${i}-${"k".repeat(100)}`,
        });
        if (toolErrorOf(r)?.error === "InternalError") firstFailure = i;
        else ok++;
      }
      expect(firstFailure).toBeGreaterThan(0);
      // Fail closed from then on, writes included, and nothing reaches S3.
      const put = toolErrorOf(
        await mcp.call("s3_put_object", { bucket, key: "tmpfs-after.txt", content: "x" }),
      );
      expect(put?.error).toBe("InternalError");
      expect(await objectExists(s3, bucket, "tmpfs-after.txt")).toBe(false);
      // Every answered call has a complete line; at most one partial line (the failing write) ends the file.
      const text = readFileSync(path, "utf8");
      const lines = text.split("\n");
      const complete = lines.slice(0, -1).map((l) => JSON.parse(l) as { key: string });
      expect(complete).toHaveLength(ok);
      expect(lines[lines.length - 1]?.startsWith("{") || lines[lines.length - 1] === "").toBe(true);
      expect(mcp.alive()).toBe(true);
    } finally {
      await mcp.close();
      fs.unmount();
    }
  });
});

describe("concurrent writers", () => {
  test("4 server processes x 150 concurrent calls into one file: no partial or interleaved line", async () => {
    const path = box.auditFile("shared.jsonl");
    const extra = {
      MCP_S3_AUDIT_FILE: path,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secret/",
    };
    const sessions = await Promise.all([0, 1, 2, 3].map(() => startMcp(env(extra))));
    // ~3 KB lines (multi-byte key), far past the size of one small write.
    const pad = "数据".repeat(480);
    try {
      await Promise.all(
        sessions.map((m, w) =>
          Promise.all(
            Array.from({ length: 150 }, (_, i) =>
              m.call("s3_get_object_metadata", {
                bucket,
                // Denied: answered without S3, so the burst is as dense as it gets.
                key: `secret/w${w}/i${i}/${pad}`,
              }),
            ),
          ),
        ),
      );
    } finally {
      await Promise.all(sessions.map((m) => m.close()));
    }
    const raw = readFileSync(path, "utf8");
    expect(raw.endsWith("\n")).toBe(true);
    const lines = raw.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(600);
    const seen = new Set<string>();
    for (const line of lines) {
      const rec = JSON.parse(line) as { key: string; status: string };
      expect(rec.status).toBe("denied");
      expect(rec.key.endsWith(pad)).toBe(true);
      seen.add(rec.key.split("/").slice(1, 3).join("/"));
    }
    expect(seen.size).toBe(600);
  });
});

describe("SIGTERM during a burst", () => {
  test("every call that returned has its audit line; the server exits 0", async () => {
    const path = box.auditFile("sigterm.jsonl");
    const mcp = await startMcp(
      env({ MCP_S3_AUDIT_FILE: path, MCP_S3_EXT_PREFIXACL: "true", MCP_S3_DENIED_PREFIXES: "secret/" }),
    );
    const returned: string[] = [];
    let answered = 0;
    let signalled = false;
    const calls = Array.from({ length: 300 }, (_, i) => {
      // A mix: refused without S3, and real requests to RGW (NoSuchKey).
      const key = i % 3 === 0 ? `secret/burst-${i}` : `data/burst-${i}`;
      return mcp
        .call("s3_get_object_metadata", { bucket, key })
        .then((r) => {
          returned.push(key);
          if (!r.isError) throw new Error("unexpected success");
          if (++answered === 60 && !signalled) {
            signalled = true;
            mcp.kill("SIGTERM");
          }
        })
        .catch(() => {
          // Requests the server never read before it stopped reading get no answer: fine.
        });
    });
    const code = await mcp.exited;
    await Promise.all(calls);
    expect(signalled).toBe(true);
    expect(code).toBe(0);
    expect(returned.length).toBeGreaterThanOrEqual(60);
    const audited = new Set(readLines(path).map((l) => l.key as string));
    for (const key of returned) expect(audited.has(key)).toBe(true);
    // Every line is whole.
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
  });
});
