// The pure parts of bulk transfers, table-driven: where a key may be saved (zip-slip), when sync
// sends an item, ETags, the side-by-side merge, the local walk's order and symlink rules, the
// concurrency pool, read-ahead, the progress line, local errors in words, --checksum on files.
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileMatchesEtag } from "../../src/bulk/checksum.ts";
import { DestinationDirectories } from "../../src/bulk/destination-dirs.ts";
import { type LocalEntry, walkLocal } from "../../src/bulk/local-tree.ts";
import { comparePaths, mergeByPath } from "../../src/bulk/merge.ts";
import { destinationKey, localPathFor, unsafeLocalPath } from "../../src/bulk/paths.ts";
import { forEachConcurrently } from "../../src/bulk/pool.ts";
import { clock, etaSeconds, renderBulkProgress } from "../../src/bulk/progress.ts";
import { readAhead } from "../../src/bulk/read-ahead.ts";
import {
  type CompareMode,
  compareForSync,
  type Direction,
  etagParts,
  type SyncSide,
  type SyncVerdict,
  sameEtag,
} from "../../src/bulk/sync-compare.ts";
import { PolicyRefusal, S3ToolError } from "../../src/errors.ts";
import { describeErrno, localFileError } from "../../src/local-errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "mcp-s3-bulk-logic-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("unsafeLocalPath / localPathFor (zip-slip)", () => {
  const rows: [relative: string, platform: string, unsafe: RegExp | undefined][] = [
    ["a/b.txt", "linux", undefined],
    ["with space/ünï ü.txt", "linux", undefined],
    ["..x/y", "linux", undefined], // a name that merely starts with dots
    ["a/..b", "linux", undefined],
    ["a\\..\\b", "linux", undefined], // a backslash is an ordinary character on POSIX
    ["../evil", "linux", /\.\. segment/],
    ["a/../../evil", "linux", /\.\. segment/],
    ["a/..", "linux", /\.\. segment/],
    ["..", "linux", /\.\. segment/],
    ["/etc/passwd", "linux", /separator/],
    ["//x", "linux", /separator/],
    ["a//b", "linux", /empty segment/],
    ["a/./b", "linux", /\. segment/],
    [".", "linux", /\. segment/],
    ["a/", "linux", /empty segment/],
    ["", "linux", /names no file/],
    ["a\0b", "linux", /NUL/],
    ["a\\..\\..\\evil", "win32", /\.\. segment/],
    ["\\evil", "win32", /separator/],
    ["C:/x", "win32", /colon/],
    ["a/b.txt", "win32", undefined],
  ];
  test.each(rows)("%j on %s", (relative, platform, unsafe) => {
    const why = unsafeLocalPath(relative, platform);
    if (unsafe === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(unsafe);
  });

  test("a safe path stays below the root; an unsafe one fails as InvalidArgument (not a policy refusal)", () => {
    expect(localPathFor("/dest", "a/b/c.txt", "p/a/b/c.txt")).toBe("/dest/a/b/c.txt");
    let caught: unknown;
    try {
      localPathFor("/dest", "../../etc/x", "p/../../etc/x");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(S3ToolError);
    expect(caught).not.toBeInstanceOf(PolicyRefusal);
    expect((caught as S3ToolError).code).toBe("InvalidArgument");
    expect((caught as S3ToolError).message).toContain('"p/../../etc/x"');
  });

  test.each([
    ["www/", "a/b.html", "www/a/b.html"],
    ["www", "a/b.html", "www/a/b.html"],
    ["", "a/b.html", "a/b.html"],
    ["x//", "b", "x//b"],
  ])("destinationKey(%j, %j) = %j", (prefix, relative, key) => {
    expect(destinationKey(prefix, relative)).toBe(key);
  });
});

describe("DestinationDirectories (created once; a symbolic link inside the destination that leads out)", () => {
  const root = join(tmp, "contained");
  const outside = join(tmp, "outside");
  mkdirSync(join(root, "a", "b"), { recursive: true });
  mkdirSync(outside, { recursive: true });
  symlinkSync(outside, join(root, "out"));
  symlinkSync(join(root, "a"), join(root, "in"));
  symlinkSync(join(tmp, "contained"), join(tmp, "contained-link"));
  const guard = new DestinationDirectories();
  test.each([
    ["the root itself", root, root, true],
    ["a directory below", root, join(root, "a", "b"), true],
    ["a link to a directory below", root, join(root, "in"), true],
    ["a link out of the root", root, join(root, "out"), false],
    ["a root given through a link", join(tmp, "contained-link"), join(tmp, "contained-link", "a"), true],
    ["a sibling with the root's name as prefix", root, outside, false],
    ["a new directory is created", root, join(root, "new", "deeper"), true],
  ])("%s", async (_name, r, dir, inside) => {
    if (inside) await guard.ensure(r, dir);
    else await expect(guard.ensure(r, dir)).rejects.toThrow("leads outside");
  });
});

describe("compareForSync", () => {
  const t = Date.UTC(2024, 0, 15, 10, 30, 0);
  const side = (size: number, mtimeMs: number | null, etag?: string): SyncSide => ({ size, mtimeMs, etag });
  const rows: [
    name: string,
    src: SyncSide,
    dst: SyncSide | undefined,
    mode: CompareMode,
    dir: Direction,
    verdict: SyncVerdict,
  ][] = [
    ["missing at the destination", side(1, t), undefined, "default", "upload", "missing"],
    ["other size", side(2, t), side(1, t + 5000), "default", "upload", "size"],
    ["other size wins over --size-only", side(2, t), side(1, t), "size-only", "download", "size"],
    ["upload: file newer than the object", side(1, t + 2000), side(1, t), "default", "upload", "newer"],
    ["upload: object newer than the file", side(1, t), side(1, t + 2000), "default", "upload", "same"],
    ["upload: within the same second", side(1, t + 900), side(1, t), "default", "upload", "same"],
    ["upload: the next second", side(1, t + 1000), side(1, t + 999), "default", "upload", "newer"],
    ["download: same second", side(1, t), side(1, t + 400), "default", "download", "same"],
    ["download: file newer (changed locally)", side(1, t), side(1, t + 5000), "default", "download", "newer"],
    ["download: object newer", side(1, t + 5000), side(1, t), "default", "download", "newer"],
    ["copy: source newer", side(1, t + 5000), side(1, t), "default", "copy", "newer"],
    ["copy: destination newer", side(1, t), side(1, t + 5000), "default", "copy", "same"],
    ["unknown time: sent", side(1, null), side(1, t), "default", "copy", "newer"],
    ["--size-only ignores time", side(1, t + 9000), side(1, t), "size-only", "upload", "same"],
    ["--checksum, local side: content check", side(1, t), side(1, t), "checksum", "upload", "content"],
    ["--checksum, copy: same ETag", side(1, t, '"abc"'), side(1, t + 9, "ABC"), "checksum", "copy", "same"],
    ["--checksum, copy: other ETag", side(1, t, '"abc"'), side(1, t, '"abd"'), "checksum", "copy", "newer"],
    ["--checksum, copy: unknown ETag", side(1, t), side(1, t), "checksum", "copy", "newer"],
  ];
  test.each(rows)("%s", (_name, src, dst, mode, dir, verdict) => {
    expect(compareForSync(src, dst, mode, dir)).toBe(verdict);
  });

  test.each([
    ['"d41d8cd98f00b204e9800998ecf8427e"', 0],
    ["d41d8cd98f00b204e9800998ecf8427e-12", 12],
    ["not-an-md5", -1],
  ])("etagParts(%j) = %d", (etag, parts) => {
    expect(etagParts(etag.replaceAll('"', ""))).toBe(parts);
  });

  test.each([
    ['"abc"', "abc", true],
    ['W/"abc"', '"ABC"', true],
    ['""', '""', false],
    [null, null, false],
    ['"abc"', '"abc-2"', false],
  ])("sameEtag(%j, %j) = %p", (a, b, same) => {
    expect(sameEtag(a, b)).toBe(same);
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* items<T>(list: readonly T[]): AsyncGenerator<T> {
  for (const x of list) yield x;
}

describe("mergeByPath", () => {
  test("pairs equal paths, keeps S3's byte order, passes the rest through", async () => {
    const src = ["a", "a-b", "a/x", "b", "z", "é"].map((relative) => ({ relative, side: "s" }));
    const dst = ["a-b", "a/y", "c", "é"].map((relative) => ({ relative, side: "d" }));
    const merged = await collect(mergeByPath(items(src), items(dst)));
    expect(merged.map((p) => [p.relative, p.src !== undefined, p.dst !== undefined])).toEqual([
      ["a", true, false],
      ["a-b", true, true],
      ["a/x", true, false],
      ["a/y", false, true],
      ["b", true, false],
      ["c", false, true],
      ["z", true, false],
      ["é", true, true],
    ]);
  });

  test.each([
    ["a-b", "a/b", -1],
    ["z", "é", -1], // UTF-8 bytes: 0x7a < 0xc3
    ["\u{10000}", "\uffff", 1], // UTF-16 would say the opposite
    ["same", "same", 0],
  ])("comparePaths(%j, %j) has sign %d", (a, b, sign) => {
    expect(Math.sign(comparePaths(a, b))).toBe(sign);
  });
});

describe("walkLocal", () => {
  const root = join(tmp, "walk");
  mkdirSync(join(root, "a", "b"), { recursive: true });
  mkdirSync(join(root, "with space"), { recursive: true });
  mkdirSync(join(root, "loop"), { recursive: true });
  writeFileSync(join(root, "a-b"), "1");
  writeFileSync(join(root, "a", "b", "c.txt"), "22");
  writeFileSync(join(root, "a", "z"), "");
  writeFileSync(join(root, "with space", "ü.txt"), "333");
  writeFileSync(join(root, "é"), "4");
  symlinkSync(join(root, "a"), join(root, "link-to-a"));
  symlinkSync(join(root, "a-b"), join(root, "link-to-file"));
  symlinkSync(join(root, "nowhere"), join(root, "dangling"));
  symlinkSync(root, join(root, "loop", "up"));

  const summary = (entries: LocalEntry[]) =>
    entries.map((e) => (e.kind === "file" ? `${e.relative} ${e.size}` : `skip ${e.relative}`));

  test("every file in key order; links are skipped, not followed", async () => {
    const entries = await collect(walkLocal(root, { followSymlinks: false }));
    expect(summary(entries)).toEqual([
      "a-b 1",
      "a/b/c.txt 2",
      "a/z 0",
      "skip dangling",
      "skip link-to-a",
      "skip link-to-file",
      "skip loop/up",
      "with space/ü.txt 3",
      "é 1",
    ]);
    const sorted = [...entries].sort((x, y) => comparePaths(x.relative, y.relative));
    expect(entries.map((e) => e.relative)).toEqual(sorted.map((e) => e.relative));
  });

  test("--follow-symlinks walks linked directories in key order and stops at a loop", async () => {
    const entries = await collect(walkLocal(root, { followSymlinks: true }));
    const lines = summary(entries);
    expect(lines).toContain("link-to-a/b/c.txt 2");
    expect(lines).toContain("link-to-file 1");
    expect(lines).toContain("skip dangling");
    expect(lines).toContain("skip loop/up"); // the loop back to the root is not walked again
    expect(entries.map((e) => e.relative)).toEqual(
      [...entries].sort((x, y) => comparePaths(x.relative, y.relative)).map((e) => e.relative),
    );
  });

  test("a filter leaves files out without stat'ing them; a file root yields itself", async () => {
    const entries = await collect(
      walkLocal(root, { followSymlinks: false, filter: (p) => p.endsWith(".txt") }),
    );
    expect(summary(entries)).toEqual(["a/b/c.txt 2", "with space/ü.txt 3"]);
    expect(summary(await collect(walkLocal(join(root, "a-b"), { followSymlinks: false })))).toEqual([
      "a-b 1",
    ]);
  });

  test("a missing root is an error naming it in words", async () => {
    const missing = join(root, "nope");
    expect(collect(walkLocal(missing, { followSymlinks: false }))).rejects.toThrow(
      `cannot read ${JSON.stringify(missing)}: no such file or directory (ENOENT)`,
    );
  });
});

describe("forEachConcurrently", () => {
  test("never more than `concurrency` in flight; every item done once", async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachConcurrently(items(Array.from({ length: 50 }, (_, i) => i)), 7, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      done.push(i);
      inFlight--;
    });
    expect(peak).toBe(7);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  test("after the signal nothing new starts; what is in flight finishes", async () => {
    const stop = new AbortController();
    let started = 0;
    let finished = 0;
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield i;
      }
    }
    await forEachConcurrently(
      source(),
      4,
      async (i) => {
        started++;
        if (i === 10) stop.abort();
        await new Promise((r) => setTimeout(r, 5));
        finished++;
      },
      stop.signal,
    );
    expect(started).toBeLessThan(16);
    expect(finished).toBe(started);
    expect(pulled).toBeLessThan(20); // the source is read only as far as the work went
  });

  test("a failing source fails the run after the work in flight", async () => {
    let finished = 0;
    async function* source() {
      yield 1;
      yield 2;
      throw new S3ToolError("PrefixDenied", "listing refused");
    }
    const run = forEachConcurrently(source(), 4, async () => {
      await new Promise((r) => setTimeout(r, 10));
      finished++;
    });
    await expect(run).rejects.toThrow("listing refused");
    expect(finished).toBe(2);
  });
});

describe("readAhead", () => {
  test("keeps order, counts items ahead of the consumer, reports the end", async () => {
    let seen = 0;
    let ended = false;
    const out = await collect(
      readAhead(items(Array.from({ length: 3000 }, (_, i) => i)), 100, {
        onItem: () => {
          seen++;
        },
        onEnd: () => {
          ended = true;
        },
      }),
    );
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(seen).toBe(3000);
    expect(ended).toBe(true);
  });

  test("reads no more than `max` ahead, and stops the source when the consumer stops", async () => {
    let produced = 0;
    let returned = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) {
          produced++;
          yield i;
        }
      } finally {
        returned = true;
      }
    }
    const it = readAhead(source(), 10);
    expect((await it.next()).value).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(produced).toBeLessThanOrEqual(12);
    await it.return(undefined);
    expect(returned).toBe(true);
  });

  test("a source failure reaches the consumer after the items before it", async () => {
    async function* source() {
      yield "a";
      throw new Error("boom");
    }
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const x of readAhead(source(), 5)) got.push(x);
      })(),
    ).rejects.toThrow("boom");
    expect(got).toEqual(["a"]);
  });
});

describe("progress line", () => {
  test.each([
    [
      {
        objects: 12,
        objectsTotal: 340,
        bytes: 1.5 * 1024 ** 2,
        bytesTotal: 45 * 1024 ** 2,
        final: false,
        elapsedMs: 2000,
      },
      "12/~340 objects  1.5 MiB/~45 MiB  768 KiB/s  ETA ~0:58",
    ],
    [
      { objects: 0, objectsTotal: 2, bytes: 0, bytesTotal: 0, final: true, elapsedMs: 1000 },
      "0/2 objects  0 B/0 B  0 B/s",
    ],
    [
      {
        objects: 1000,
        objectsTotal: 1000,
        bytes: 4096000,
        bytesTotal: 4096000,
        final: true,
        elapsedMs: 4000,
      },
      "1,000/1,000 objects  3.9 MiB/3.9 MiB  1000 KiB/s  ETA 0:00",
    ],
  ])("%j", (state, line) => {
    expect(renderBulkProgress(state)).toBe(line);
  });

  test.each([
    [0, "0:00"],
    [59.2, "1:00"],
    [75, "1:15"],
    [3725, "1:02:05"],
  ])("clock(%d) = %s", (s, text) => {
    expect(clock(s)).toBe(text);
  });

  test("ETA by objects when no bytes move (empty files, deletes)", () => {
    expect(
      etaSeconds({ objects: 10, objectsTotal: 30, bytes: 0, bytesTotal: 0, final: true, elapsedMs: 5000 }),
    ).toBe(10);
  });
});

describe("local errors in words", () => {
  const err = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
  test.each([
    ["ENOENT", "read", "InvalidArgument", 'cannot read "f": no such file or directory (ENOENT)'],
    ["EACCES", "write", "InternalError", 'cannot write "f": permission denied (EACCES)'],
    ["EISDIR", "write", "InvalidArgument", 'cannot write "f": it is a directory (EISDIR)'],
    [
      "ENOTDIR",
      "create",
      "InvalidArgument",
      'cannot create "f": a component of the path is not a directory (ENOTDIR)',
    ],
    ["ENOSPC", "write", "InternalError", 'cannot write "f": no space left on device (ENOSPC)'],
    ["EWEIRD", "read", "InternalError", 'cannot read "f": EWEIRD'],
  ] as const)("%s on %s", (code, action, errorCode, message) => {
    const e = localFileError(err(code), "f", action) as S3ToolError;
    expect(e).toBeInstanceOf(S3ToolError);
    expect({ code: e.code, message: e.message }).toEqual({ code: errorCode, message });
  });

  test("anything that is not a file-system error passes through", () => {
    const own = new S3ToolError("NoSuchKey", "x");
    expect(localFileError(own, "f", "read")).toBe(own);
    const plain = new Error("no code");
    expect(localFileError(plain, "f", "read")).toBe(plain);
    expect(describeErrno("ELOOP")).toBe("too many levels of symbolic links");
  });
});

describe("--checksum on a local file", () => {
  const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
  const MiB = 1024 * 1024;
  const small = join(tmp, "small.bin");
  const big = join(tmp, "big.bin");
  const smallBytes = new TextEncoder().encode("hello, world\n");
  const bigBytes = new Uint8Array(9 * MiB).map((_, i) => i % 251);
  writeFileSync(small, smallBytes);
  writeFileSync(big, bigBytes);
  utimesSync(big, new Date(0), new Date(0));
  // The multipart ETag of our uploads: 8 MiB parts.
  const partEtag = `${md5(
    new Uint8Array(
      Buffer.concat([
        createHash("md5")
          .update(bigBytes.subarray(0, 8 * MiB))
          .digest(),
        createHash("md5")
          .update(bigBytes.subarray(8 * MiB))
          .digest(),
      ]),
    ),
  )}-2`;

  test.each([
    ["single-PUT ETag, same bytes", () => small, smallBytes.length, `"${md5(smallBytes)}"`, true],
    ["single-PUT ETag, other bytes", () => small, smallBytes.length, `"${md5(new Uint8Array([1]))}"`, false],
    ["multipart ETag of our 8 MiB parts", () => big, bigBytes.length, `"${partEtag}"`, true],
    [
      "multipart ETag with another part count",
      () => big,
      bigBytes.length,
      `"${partEtag.replace(/-2$/, "-3")}"`,
      false,
    ],
    ["an ETag that is no MD5 (SSE-KMS)", () => small, smallBytes.length, '"xyz"', false],
    ["no ETag", () => small, smallBytes.length, null, false],
  ] as const)("%s", async (_name, path, size, etag, same) => {
    expect(await fileMatchesEtag(path(), size, etag)).toBe(same);
  });
});
