// Shell completion driven the way each shell drives it, against a real S3 server: buckets and keys
// come from `mcp-s3 __complete` under the policy, local names with spaces and directories are
// quoted, an s3:// word is never completed with local files, and `-c` completes connection names.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestBucket, getTestS3, putTestObject, testEnv } from "../support/s3.ts";
import { BUN, MAIN, run, tempDir } from "./helpers.ts";

const tmp = tempDir("mcp-s3-completion-");
const bin = join(tmp.path, "bin");
const work = join(tmp.path, "work");
let env: Record<string, string>;
let bucket: string;

/** A shell's output, with a timeout well under the test's. */
function shell(cmd: string, args: string[], input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: work, env, stdio: ["pipe", "pipe", "pipe"], timeout: 30_000 });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
    child.stdin.end(input ?? "");
  });
}

function installed(name: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => {
    try {
      return Bun.file(join(d, name)).size > 0;
    } catch {
      return false;
    }
  });
}

beforeAll(async () => {
  const s3 = await getTestS3();
  bucket = await createTestBucket(s3, "comp");
  await Promise.all([
    putTestObject(s3, bucket, "top.txt", "x"),
    putTestObject(s3, bucket, "dir one/file a.txt", "x"),
    putTestObject(s3, bucket, "dir one/sub/b.txt", "x"),
    putTestObject(s3, bucket, "secret/hidden.txt", "x"),
  ]);
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(work, "some dir"), { recursive: true });
  writeFileSync(join(work, "my file.txt"), "x");
  writeFileSync(join(work, "s3notes.txt"), "x");
  // `mcp-s3` on PATH, as an installed binary would be.
  writeFileSync(join(bin, "mcp-s3"), `#!/bin/sh\nexec "${BUN}" "${MAIN}" "$@"\n`);
  chmodSync(join(bin, "mcp-s3"), 0o755);
  env = {
    ...testEnv(s3),
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    MCP_S3_EXT_PREFIXACL: "true",
    MCP_S3_DENIED_PREFIXES: "secret/",
  };
});
afterAll(() => tmp.remove());

describe("__complete (the helper the scripts call)", () => {
  test("buckets, then one folder level, filtered by the policy; nothing on an error", async () => {
    const ask = async (...args: string[]) => (await run(["__complete", ...args], { env })).stdout;
    expect((await ask("location", "s3://")).split("\n")).toContain(`s3://${bucket}/`);
    expect(await ask("location", `s3://${bucket}/`)).toBe(
      `s3://${bucket}/dir one/\ns3://${bucket}/top.txt\n`,
    );
    expect(await ask("location", `s3://${bucket}/dir one/f`)).toBe(`s3://${bucket}/dir one/file a.txt\n`);
    expect(await ask("location", `s3://${bucket}/secret/`)).toBe("");
    const missing = await run(["__complete", "location", "s3://no-such-bucket-here/"], { env });
    expect({ code: missing.code, stdout: missing.stdout, stderr: missing.stderr }).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect(await ask("connections")).toBe("default\n");
  });

  test("is not offered to users: not in help, not in the completion scripts", async () => {
    expect((await run(["--help"], { env })).stdout).not.toContain("__complete");
    for (const sh of ["bash", "zsh", "fish"]) {
      const script = (await run(["completion", sh], { env })).stdout;
      expect(script).not.toMatch(/__complete[)'\s]*:/); // not a command case
    }
  });
});

describe("bash", () => {
  /** Runs the completion function for a line, with COMP_WORDS split as bash splits them (at ':'). */
  const complete = async (line: string, words: string[]): Promise<string[]> => {
    const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(" ");
    const script = `source <(mcp-s3 completion bash)
COMP_LINE=${JSON.stringify(line)}
COMP_POINT=\${#COMP_LINE}
COMP_WORDS=(${quoted})
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_mcp_s3
printf "%s\\n" "\${COMPREPLY[@]}"`;
    const r = await shell("bash", ["-c", script]);
    expect(r.code).toBe(0);
    return r.out.split("\n").filter((l) => l !== "");
  };

  test("buckets and keys from S3; the part before ':' is left to bash; spaces escaped", async () => {
    expect(
      await complete(`mcp-s3 ls s3://${bucket.slice(0, 6)}`, [
        "mcp-s3",
        "ls",
        "s3",
        ":",
        `//${bucket.slice(0, 6)}`,
      ]),
    ).toContain(`//${bucket}/`);
    expect(await complete("mcp-s3 ls s3", ["mcp-s3", "ls", "s3"])).toContain(`s3://${bucket}/`);
    expect(await complete("mcp-s3 ls s3:", ["mcp-s3", "ls", "s3", ":"])).toContain(`://${bucket}/`);
    expect(
      await complete(`mcp-s3 get s3://${bucket}/dir\\ one/`, [
        "mcp-s3",
        "get",
        "s3",
        ":",
        `//${bucket}/dir\\ one/`,
      ]),
    ).toEqual([`//${bucket}/dir\\ one/file\\ a.txt`, `//${bucket}/dir\\ one/sub/`]);
  });

  test("an s3:// word never gets local files; a denied prefix gets nothing", async () => {
    expect(
      await complete(`mcp-s3 put s3://${bucket}/m`, ["mcp-s3", "put", "s3", ":", `//${bucket}/m`]),
    ).toEqual([]);
    expect(
      await complete(`mcp-s3 cp s3://${bucket}/secret/`, ["mcp-s3", "cp", "s3", ":", `//${bucket}/secret/`]),
    ).toEqual([]);
  });

  test("local names with spaces and directories, for the commands that take files", async () => {
    expect(await complete("mcp-s3 put my", ["mcp-s3", "put", "my"])).toEqual(["my file.txt"]);
    expect(await complete("mcp-s3 put so", ["mcp-s3", "put", "so"])).toEqual(["some dir"]);
    // "s3" is also the start of a local name: both are offered.
    expect(await complete("mcp-s3 cp s3", ["mcp-s3", "cp", "s3"])).toEqual([
      "s3notes.txt",
      `s3://${bucket}/`,
    ]);
    // ls takes no local files.
    expect(await complete("mcp-s3 ls my", ["mcp-s3", "ls", "my"])).toEqual([]);
  });

  test("connection names after -c; the chosen connection is used for keys", async () => {
    expect(await complete("mcp-s3 -c ", ["mcp-s3", "-c", ""])).toEqual(["default"]);
    expect(
      await complete(`mcp-s3 -c default ls s3://${bucket}/t`, [
        "mcp-s3",
        "-c",
        "default",
        "ls",
        "s3",
        ":",
        `//${bucket}/t`,
      ]),
    ).toEqual([`//${bucket}/top.txt`]);
  });
});

describe("fish", () => {
  test.skipIf(!installed("fish"))(
    "complete -C: keys with spaces, local files, connections [skipped unless fish is installed]",
    async () => {
      const script = await run(["completion", "fish"], { env });
      writeFileSync(join(tmp.path, "mcp-s3.fish"), script.stdout);
      const r = await shell("fish", [
        "-c",
        [
          `source ${join(tmp.path, "mcp-s3.fish")}`,
          `complete -C "mcp-s3 get s3://${bucket}/dir\\ one/"`,
          "echo ---",
          'complete -C "mcp-s3 put my"',
          "echo ---",
          'complete -C "mcp-s3 -c "',
          "echo ---",
          `complete -C "mcp-s3 put s3://${bucket}/m"`,
        ].join("; "),
      ]);
      const [keys, files, conns, none] = r.out
        .split("---\n")
        .map((p) => p.trim().split("\n").filter(Boolean));
      expect(keys).toEqual([`s3://${bucket}/dir one/file a.txt`, `s3://${bucket}/dir one/sub/`]);
      expect(files).toEqual(["my file.txt"]);
      expect(conns?.[0]).toStartWith("default");
      expect(none).toEqual([]);
    },
  );
});
