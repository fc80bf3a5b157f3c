// Help that points the right way: a mistyped command or flag suggests the nearest one, and a
// command's help lists its own flags and sends the reader to `mcp-s3 --help` for the global ones.
import { describe, expect, test } from "bun:test";
import { errorCode, run } from "./helpers.ts";

const env = { PATH: process.env.PATH ?? "", HOME: "/nonexistent", AWS_EC2_METADATA_DISABLED: "true" };
const cli = (args: string[]) => run(args, { env });

describe("did you mean", () => {
  test.each([
    [["lss", "s3://b/"], "did you mean `ls`"],
    [["stt", "s3://b/k"], "did you mean `stat`"],
    [["ls", "--recursiv", "s3://b/"], "did you mean --recursive"],
    [["cat", "--rnge", "0-1", "s3://b/k"], "did you mean --range"],
    [["--read-onli", "version"], "did you mean --read-only"],
    [["ls", "--jsn"], "did you mean --json"],
  ])("%j", async (args, hint) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(errorCode(r)).toBe("UsageError");
    expect(r.stderr).toContain(hint);
  });

  test("nothing close: the usual pointer to --help, no guess", async () => {
    const r = await cli(["ls", "--zzzzzzzz", "s3://b/"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown flag --zzzzzzzz");
    expect(r.stderr).not.toContain("did you mean");
  });
});

describe("per-command help", () => {
  test("lists its own flags, points to --help for the global ones", async () => {
    const r = await cli(["cat", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--range");
    expect(r.stdout).toContain("`mcp-s3 --help` lists them");
    // The global flags are not repeated in full.
    expect(r.stdout).not.toContain("--max-put-size SIZE");
    expect((await cli(["--help"])).stdout).toContain("--max-put-size SIZE");
  });
});
