// Audit durability (SPEC §4): an audit log that cannot be written fails operations closed with a clear
// error (tests run as root, so permissions cannot make a file unwritable: /dev/full gives ENOSPC on
// every write, and a 16 KiB tmpfs fills up mid-run where mounting is allowed); several processes
// appending to one file never interleave partial lines; SIGTERM during a burst loses no line for a
// call that returned.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { S3ToolError } from "../../src/errors.ts";
import { createOpsContext, headObject, listConnections, putObject } from "../../src/ops/index.ts";
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

describe("an unwritable audit log fails closed (/dev/full: ENOSPC on every write)", () => {
  test("ops: the call that finds out fails; every later call is refused before it reaches S3", async () => {
    const ctx = createOpsContext(loadConfig({ env: env({ MCP_S3_AUDIT_FILE: "/dev/full" }) }), {
      source: "cli",
    });
    try {
      const first = await codeOf(listConnections(ctx));
      expect(first.code).toBe("InternalError");
      expect(first.message).toContain("could not be written (ENOSPC)");
      const put = await codeOf(
        putObject(ctx, { bucket, key: "after-failure.txt", body: new Uint8Array([1]) }),
      );
      expect(put.code).toBe("InternalError");
      expect(put.message).toContain("ENOSPC");
      expect(await objectExists(s3, bucket, "after-failure.txt")).toBe(false);
      const read = await codeOf(headObject(ctx, { bucket, key: "data/present.txt" }));
      expect(read.code).toBe("InternalError");
    } finally {
      ctx.close();
    }
  });

  test("ops: a write that finds out says truthfully that it was carried out, unaudited", async () => {
    const ctx = createOpsContext(loadConfig({ env: env({ MCP_S3_AUDIT_FILE: "/dev/full" }) }), {
      source: "cli",
    });
    try {
      const e = await codeOf(putObject(ctx, { bucket, key: "first-write.txt", body: new Uint8Array([1]) }));
      expect(e.code).toBe("InternalError");
      expect(e.message).toContain("s3_put_object was carried out but its audit line could not be written");
      // Documented residual risk: the one call that discovers the failure has already reached S3.
      expect(await objectExists(s3, bucket, "first-write.txt")).toBe(true);
    } finally {
      ctx.close();
    }
  });

  test("MCP: isError InternalError, later writes refused and not stored, the server stays up", async () => {
    const mcp = await startMcp(env({ MCP_S3_AUDIT_FILE: "/dev/full" }));
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
    const r = await runCli(["ls", `s3://${bucket}/`], env({ MCP_S3_AUDIT_FILE: "/dev/full" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mcp-s3: InternalError: .*ENOSPC/);
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
