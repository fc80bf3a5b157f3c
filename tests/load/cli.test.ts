// 50 CLI processes at once against RGW, all writing to one audit file: every one answers correctly
// (output and exit code), and the audit file holds exactly one whole line per process, with the
// status its exit code implies.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { runCli } from "../faults/cli.ts";
import { productEnv, rgw, type Sandbox, sandbox } from "../faults/env.ts";
import type { TestS3 } from "../support/s3.ts";
import { createTestBucket, listAllKeys, putTestObject } from "../support/s3.ts";

setDefaultTimeout(240_000);

let s3: TestS3;
let box: Sandbox;
let bucket: string;
let env: Record<string, string>;
let auditPath: string;
const body = (i: number) => `cli load object ${i}\n`.repeat(20 + i);

beforeAll(async () => {
  s3 = await rgw();
  box = sandbox("load-cli");
  bucket = await createTestBucket(s3, "load-cli");
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => putTestObject(s3, bucket, `data/o${i}.txt`, body(i))),
  );
  auditPath = box.auditFile();
  env = productEnv(s3, box, s3.endpoint, { MCP_S3_EXT_AUDIT: "true", MCP_S3_AUDIT_FILE: auditPath });
});
afterAll(() => box?.cleanup());

interface Job {
  args: string[];
  code: number;
  tool: string;
  status: string;
  check: (stdout: string) => void;
}

function job(i: number): Job {
  const n = i % 10;
  const o = `s3://${bucket}`;
  switch (i % 5) {
    case 0:
    case 1:
      return {
        args: ["cat", `${o}/data/o${n}.txt`],
        code: 0,
        tool: "s3_get_object",
        status: "success",
        check: (out) => expect(out).toBe(body(n)),
      };
    case 2:
      return {
        args: ["ls", "--json", `${o}/data/`],
        code: 0,
        tool: "s3_list_objects",
        status: "success",
        check: (out) => expect(out.split("\n").filter((l) => l !== "")).toHaveLength(10),
      };
    case 3:
      return {
        args: ["stat", "--json", `${o}/data/o${n}.txt`],
        code: 0,
        tool: "s3_get_object_metadata",
        status: "success",
        check: (out) => expect(JSON.parse(out).size).toBe(Buffer.byteLength(body(n))),
      };
    default:
      // Read-only by default: refused before S3, exit 3.
      return {
        args: ["rm", `${o}/data/o${n}.txt`],
        code: 3,
        tool: "s3_delete_object",
        status: "denied",
        check: (out) => expect(out).toBe(""),
      };
  }
}

test("50 concurrent CLI processes: all correct, exactly one audit line each", async () => {
  const jobs = Array.from({ length: 50 }, (_, i) => job(i));
  const t0 = performance.now();
  const runs = await Promise.all(jobs.map((j) => runCli(j.args, env)));
  const ms = performance.now() - t0;
  runs.forEach((r, i) => {
    const j = jobs[i] as Job;
    expect({ args: j.args, code: r.code }).toEqual({ args: j.args, code: j.code });
    j.check(r.stdout);
  });
  const raw = readFileSync(auditPath, "utf8");
  expect(raw.endsWith("\n")).toBe(true);
  const lines = raw
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { tool: string; status: string; source: string });
  expect(lines).toHaveLength(50);
  expect(lines.map((l) => `${l.tool} ${l.status}`).sort()).toEqual(
    jobs.map((j) => `${j.tool} ${j.status}`).sort(),
  );
  for (const l of lines) expect(l.source).toBe("cli");
  console.log(`CLI load: 50 processes in ${Math.round(ms)} ms`);
  // Every data object is still there (the refused rm calls never reached S3).
  expect(await listAllKeys(s3, bucket, "data/")).toHaveLength(10);
});
