// rm on a terminal and under Ctrl-C (SPEC §6.1 "Speed and memory", "Interrupt"): a progress line of
// objects deleted out of those found, rate and ETA (none with --quiet); an interrupt stops
// scheduling, says what was done, exits 130, and the keys not yet deleted are still there.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { needs } from "../support/capabilities.ts";
import { type FaultProxy, startFaultProxy } from "../support/faultproxy.ts";
import {
  createTestBucket,
  getTestS3,
  listAllKeys,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { BUN, MAIN } from "./helpers.ts";

setDefaultTimeout(90_000);

let s3: TestS3;
let bucket: string;
let env: Record<string, string>;
let proxy: FaultProxy;
const hasScript = existsSync("/usr/bin/script");

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "rm-tty");
  proxy = await startFaultProxy({ upstream: s3.endpoint, holdMaxMs: 30_000, lifetimeMs: 300_000 });
  env = { ...testEnv(s3), MCP_S3_EXT_READONLY: "false", S3_ENDPOINT: proxy.endpoint, S3_TIMEOUT: "1500ms" };
});
afterAll(() => proxy?.stop());

async function seed(prefix: string, n: number): Promise<void> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}k${String(i).padStart(4, "0")}`);
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(keys.slice(i, i + 64).map((k) => putTestObject(s3, bucket, k, "x")));
  }
}

/** The first DeleteObjects request is held (then times out and is retried): the run lasts a while. */
async function holdFirstDelete(): Promise<void> {
  await proxy.set({
    fault: { kind: "stall" },
    times: 1,
    match: (req) => req.method === "POST" && req.target.includes("delete"),
  });
}

describe.skipIf(!hasScript)("rm -r on a terminal", () => {
  test("a progress line: objects deleted out of those found, rate, ETA; none with --quiet", async () => {
    const run = async (prefix: string, extra: string) => {
      await seed(prefix, 30);
      await holdFirstDelete();
      const cmd = `"${BUN}" "${MAIN}" rm -r s3://${bucket}/${prefix} ${extra} 2>&1 >/dev/null`;
      const proc = Bun.spawn(["script", "-qfec", cmd, "/dev/null"], {
        env: { ...env, TERM: "xterm", NO_COLOR: "1" },
        stdout: "pipe",
      });
      const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      const text = await new Response(proc.stdout).text();
      const code = await proc.exited;
      clearTimeout(timer);
      expect(code).toBe(0);
      expect(await listAllKeys(s3, bucket, prefix)).toEqual([]);
      return text;
    };
    expect(await run("shown/", "")).toMatch(/\d+\/~?\d+ objects {2}/);
    expect(await run("quiet/", "--quiet")).not.toContain("objects");
  });
});

// 1,500 keys: the listing pages, and a server that pages out of byte order loses keys between them.
needs("byteOrder").test(
  "Ctrl-C during rm -r: exit 130, what was done is said, nothing more is deleted; rm -r again finishes",
  async () => {
    await seed("interrupted/", 1500);
    await holdFirstDelete();
    const proc = Bun.spawn([BUN, MAIN, "rm", "-r", "--concurrency", "1", `s3://${bucket}/interrupted/`], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    // The first batch of 1,000 is held at the proxy: interrupt while it is in flight.
    for (let i = 0; i < 200 && (proxy.counts().stall ?? 0) === 0; i++) await Bun.sleep(50);
    proc.kill("SIGINT");
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted by SIGINT");
    expect(stderr).toMatch(/rm: \d+ done/);
    // The held batch was abandoned and no second one was sent: keys remain.
    const left = await listAllKeys(s3, bucket, "interrupted/");
    expect(left.length).toBeGreaterThan(0);
    await proxy.pass();
    const again = Bun.spawn([BUN, MAIN, "rm", "-r", "-q", `s3://${bucket}/interrupted/`], {
      env,
      stdout: "pipe",
    });
    expect(await again.exited).toBe(0);
    expect(await listAllKeys(s3, bucket, "interrupted/")).toEqual([]);
  },
);
