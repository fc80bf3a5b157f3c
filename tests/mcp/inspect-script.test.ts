// `npm run inspect -- …` works from any folder: the wrapper runs the MCP Inspector CLI where it can
// find itself and points it at this checkout's server by absolute path.
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getTestS3, testEnv } from "../support/s3.ts";
import { spawnAsync } from "../support/spawn.ts";

const ROOT = join(import.meta.dir, "../..");

test("npm run inspect -- --method tools/list, from a folder outside the checkout", async () => {
  const s3 = await getTestS3();
  const elsewhere = mkdtempSync(join(tmpdir(), "mcp-s3-inspect-"));
  const r = await spawnAsync(process.execPath, [join(ROOT, "scripts/inspect.ts"), "--method", "tools/list"], {
    cwd: elsewhere,
    env: { ...testEnv(s3), PATH: process.env.PATH ?? "" },
    timeout: 60_000,
  });
  expect(r.status).toBe(0);
  const names = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
  expect(names).toContain("s3_get_object");
  expect(names.length).toBeGreaterThanOrEqual(9);
});
