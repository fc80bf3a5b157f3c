// canonicalZip(): what makes the MCPB bundles reproducible. Inputs are real archives written by
// Info-ZIP with different entry orders, times, extra fields and data descriptors; outputs are read
// back with Info-ZIP's unzip, an implementation independent of the code under test.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalZip, dosDateTime, readZipEntries } from "../../scripts/zip.ts";
import { tempDir } from "./helpers.ts";

const tmp = tempDir("zip");
afterAll(() => tmp.cleanup());
const EPOCH = 1764435000; // 2025-11-29T16:50:00Z

/** A directory with three files (one executable, one in a sub-directory), created in `order`. */
function sourceTree(name: string, order: readonly string[], mtime: number): string {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, "server"), { recursive: true });
  const content: Record<string, string> = {
    "manifest.json": '{"name":"x"}\n',
    LICENSE: "license text\n".repeat(200),
    "server/mcp-s3": "#!/bin/sh\necho hi\n",
  };
  for (const f of order) {
    writeFileSync(join(dir, f), content[f] ?? "");
    chmodSync(join(dir, f), f.startsWith("server/") ? 0o755 : 0o644);
    utimesSync(join(dir, f), mtime, mtime);
  }
  return dir;
}

/** Runs Info-ZIP `zip` in `dir` with `args` and returns the archive's bytes. */
function infoZip(dir: string, out: string, args: readonly string[], files: readonly string[]): Buffer {
  const r = spawnSync("zip", ["-q", ...args, out, "--", ...files], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
  return readFileSync(out);
}

function unzipList(path: string): string[] {
  const r = spawnSync("unzip", ["-Z", "-T", path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`unzip -Z failed: ${r.stderr}`);
  // One line per entry starts with its Unix mode string; the header and summary lines do not.
  return r.stdout.split("\n").filter((l) => /^-[rwx-]{9}/.test(l));
}

function unzipTest(path: string): { code: number | null; out: string } {
  const r = spawnSync("unzip", ["-t", path], { encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("canonicalZip", () => {
  const files = ["LICENSE", "manifest.json", "server/mcp-s3"];
  const a = infoZip(sourceTree("a", files, 1_600_000_000), join(tmp.dir, "a.zip"), ["-X"], files);
  const reversed = [...files].reverse();
  // Other creation order, other times, extra fields (no -X) and argument order.
  const b = infoZip(sourceTree("b", reversed, 1_700_000_123), join(tmp.dir, "b.zip"), [], reversed);

  test("inputs differ: other order, times and extra fields", () => {
    expect(a.equals(b)).toBe(false);
    expect(readZipEntries(b).map((e) => e.name)).toEqual(reversed);
    expect(readZipEntries(b).some((e) => e.extraLength > 0)).toBe(true);
  });

  test("the canonical forms are byte-identical", () => {
    expect(canonicalZip(a, EPOCH).equals(canonicalZip(b, EPOCH))).toBe(true);
  });

  test("it is idempotent", () => {
    const once = canonicalZip(b, EPOCH);
    expect(canonicalZip(once, EPOCH).equals(once)).toBe(true);
  });

  test("unzip accepts the result: sorted names, one time stamp, modes kept, contents intact", () => {
    const out = join(tmp.dir, "canonical.zip");
    writeFileSync(out, canonicalZip(b, EPOCH));
    expect(unzipTest(out).code).toBe(0);
    const listing = unzipList(out);
    expect(listing.map((l) => l.split(/\s+/).at(-1))).toEqual(files);
    // -T prints yyyymmdd.hhmmss; the zip holds UTC, floored to even seconds.
    for (const line of listing) expect(line).toContain("20251129.165000");
    expect(listing.find((l) => l.endsWith("server/mcp-s3"))).toStartWith("-rwxr-xr-x");
    expect(listing.find((l) => l.endsWith("LICENSE"))).toStartWith("-rw-r--r--");
    const cat = spawnSync("unzip", ["-p", out, "server/mcp-s3"], { encoding: "utf8" });
    expect(cat.stdout).toBe("#!/bin/sh\necho hi\n");
    for (const e of readZipEntries(readFileSync(out))) {
      expect([e.name, e.extraLength, e.flags & 0x0008]).toEqual([e.name, 0, 0]);
    }
  });

  test("a streamed archive (sizes in data descriptors) becomes a plain one that unzip accepts", () => {
    const dir = join(tmp.dir, "a");
    // `zip -` writes to a pipe and cannot seek back: sizes and CRC follow the data.
    const r = spawnSync("bash", ["-c", `zip -q -X -fd - ${files.join(" ")}`], { cwd: dir });
    expect(r.status).toBe(0);
    const streamed = Buffer.from(r.stdout);
    expect(readZipEntries(streamed).some((e) => (e.flags & 0x0008) !== 0)).toBe(true);
    const out = join(tmp.dir, "streamed.zip");
    writeFileSync(out, canonicalZip(streamed, EPOCH));
    expect(unzipTest(out).code).toBe(0);
    expect(readZipEntries(readFileSync(out)).map((e) => [e.name, e.flags & 0x0008])).toEqual(
      files.map((f) => [f, 0]),
    );
    for (const f of files) {
      const cat = spawnSync("unzip", ["-p", out, f]);
      expect(Buffer.from(cat.stdout).equals(readFileSync(join(dir, f)))).toBe(true);
    }
  });

  test("the time stamp follows the epoch (UTC, 2-second steps, not before 1980)", () => {
    expect(dosDateTime(EPOCH)).toEqual({ date: (45 << 9) | (11 << 5) | 29, time: (16 << 11) | (50 << 5) });
    expect(dosDateTime(EPOCH + 1)).toEqual(dosDateTime(EPOCH));
    expect(dosDateTime(0)).toEqual({ date: (0 << 9) | (1 << 5) | 1, time: 0 });
    expect(canonicalZip(a, EPOCH).equals(canonicalZip(a, EPOCH + 2))).toBe(false);
  });

  const rejects: Array<[string, (zip: Buffer) => Buffer, RegExp]> = [
    [
      "not a zip at all",
      () => Buffer.from("hello world, definitely not a zip archive"),
      /no end of central directory/,
    ],
    ["empty input", () => Buffer.alloc(0), /no end of central directory/],
    ["truncated before the central directory", (z) => z.subarray(0, z.length - 40), /./],
    [
      "zip64 marker in the end record",
      (z) => {
        const c = Buffer.from(z);
        c.writeUInt32LE(0xffffffff, c.length - 22 + 16);
        return c;
      },
      /zip64/,
    ],
    [
      "encrypted entry",
      (z) => {
        const c = Buffer.from(z);
        const dir = c.readUInt32LE(c.length - 22 + 16);
        c.writeUInt16LE(c.readUInt16LE(dir + 8) | 1, dir + 8);
        return c;
      },
      /encrypted/,
    ],
    [
      "central directory pointing past the data",
      (z) => {
        const c = Buffer.from(z);
        const dir = c.readUInt32LE(c.length - 22 + 16);
        c.writeUInt32LE(c.length, dir + 20);
        return c;
      },
      /out of range/,
    ],
  ];
  for (const [name, mutate, message] of rejects) {
    test(`refuses: ${name}`, () => {
      expect(() => canonicalZip(mutate(a), EPOCH)).toThrow(message);
    });
  }

  test("refuses: two entries with the same name (which one would be extracted is undefined)", () => {
    const dir = join(tmp.dir, "dup");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "dupA.txt"), "first\n");
    writeFileSync(join(dir, "dupB.txt"), "second\n");
    const zip = infoZip(dir, join(tmp.dir, "dup.zip"), ["-X"], ["dupA.txt", "dupB.txt"]);
    // Same length, so renaming in place keeps every offset valid.
    const renamed = Buffer.from(zip.toString("latin1").replaceAll("dupB.txt", "dupA.txt"), "latin1");
    expect(readZipEntries(renamed).map((e) => e.name)).toEqual(["dupA.txt", "dupA.txt"]);
    expect(() => canonicalZip(renamed, EPOCH)).toThrow(/duplicate zip entry dupA.txt/);
  });
});
