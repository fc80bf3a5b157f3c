// §8 proof: the official MCP conformance suite (@modelcontextprotocol/conformance, pinned) runs
// against `serve --http`. Every scenario that applies passes; the ones that need the suite's
// fixtures are listed, with the reason, in conformance-baseline.yml. The suite exits non-zero on a
// failure not in the baseline and on a baseline entry that now passes (a stale baseline).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, ROOT } from "../mcp/harness.ts";
import { getTestS3, testEnv } from "../support/s3.ts";
import { freePort, type HttpServer, startHttpServer } from "./harness.ts";

setDefaultTimeout(120_000);

const SUITE = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const BASELINE = join(import.meta.dir, "conformance-baseline.yml");
/** The suite is killed after this long (the test's own limit is longer). */
const SUITE_TIMEOUT_MS = 100_000;

let server: HttpServer;

beforeAll(async () => {
  const s3 = await getTestS3();
  const port = await freePort();
  // Loopback without authorization (the suite sends no tokens), as a local server runs; the
  // suite's DNS-rebinding scenario sends Origin http://127.0.0.1:PORT and expects it accepted.
  server = await startHttpServer({
    env: { ...testEnv(s3), MCP_S3_HTTP_ALLOWED_ORIGINS: `http://127.0.0.1:${port}` },
    args: ["--http", `127.0.0.1:${port}`],
  });
});

afterAll(async () => {
  await server?.stop();
});

test("the conformance suite passes against serve --http, with the committed baseline", async () => {
  // Node 20 lacks fs.globSync, which the suite imports: it runs under Bun.
  const child = spawn(BUN, [SUITE, "server", "--url", server.url, "--expected-failures", BASELINE], {
    cwd: mkdtempSync(join(tmpdir(), "mcp-s3-conformance-")),
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), SUITE_TIMEOUT_MS);
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString("utf8");
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(killer);
  if (code !== 0) console.error(output);
  expect(code).toBe(0);
  expect(output).toContain("Baseline check passed");
  // The scenarios that apply to any server ran and passed (not merely listed as expected).
  for (const scenario of [
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "dns-rebinding-protection",
  ]) {
    expect(output).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
  }
});
