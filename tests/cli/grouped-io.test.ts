// The per-line streams of `mcp-s3 run`: lines running at once never interleave their output, and a
// line whose output outgrows its buffer writes through (bounded memory) while holding the lock.
import { describe, expect, test } from "bun:test";
import { groupedIo, OutputLock } from "../../src/cli/grouped-io.ts";
import type { Io } from "../../src/cli/io.ts";

function baseIo(): Io & { events: string[] } {
  const events: string[] = [];
  return {
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdoutColor: false,
    stderrColor: false,
    events,
    async write(data) {
      events.push(`out:${typeof data === "string" ? data : new TextDecoder().decode(data)}`);
      await new Promise((r) => setTimeout(r, 1)); // let other lines run in between
    },
    error(text) {
      events.push(`err:${text}`);
    },
    status() {},
    async flush() {},
    stdoutClosed: () => false,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 2));

describe("groupedIo", () => {
  test("two lines writing at the same time come out one after the other, stdout then stderr", async () => {
    const base = baseIo();
    const lock = new OutputLock();
    const a = groupedIo(base, lock, 1024);
    const b = groupedIo(base, lock, 1024);
    const line = async (io: typeof a, name: string) => {
      for (let i = 0; i < 3; i++) {
        await io.write(`${name}${i}\n`);
        if (i === 1) io.error(`${name} warning`);
        await tick();
      }
      await io.finish();
    };
    await Promise.all([line(a, "a"), line(b, "b")]);
    const first = (base.events[0] as string).slice(4, 5);
    const second = first === "a" ? "b" : "a";
    expect(base.events).toEqual([
      ...[0, 1, 2].map((i) => `out:${first}${i}\n`),
      `err:${first} warning`,
      ...[0, 1, 2].map((i) => `out:${second}${i}\n`),
      `err:${second} warning`,
    ]);
  });

  test("output beyond the buffer takes the lock and writes through; the other line waits its turn", async () => {
    const base = baseIo();
    const lock = new OutputLock();
    const big = groupedIo(base, lock, 8);
    const small = groupedIo(base, lock, 1024);
    await small.write("s0\n"); // buffered
    await big.write("b0-123\n"); // 7 bytes: buffered
    await big.write("b1-123\n"); // over 8: takes the lock, flushes b0, writes b1
    expect(base.events).toEqual(["out:b0-123\n", "out:b1-123\n"]);
    const smallDone = small.finish(); // must wait for big to finish
    await tick();
    expect(base.events).toHaveLength(2);
    await big.write(new TextEncoder().encode("b2\n")); // straight through while holding the lock
    await big.finish();
    await smallDone;
    expect(base.events).toEqual(["out:b0-123\n", "out:b1-123\n", "out:b2\n", "out:s0\n"]);
  });

  test("a buffered chunk is a copy: the caller may reuse its buffer", async () => {
    const base = baseIo();
    const io = groupedIo(base, new OutputLock(), 1024);
    const buf = new TextEncoder().encode("abc");
    await io.write(buf);
    buf.set([120, 120, 120]);
    await io.finish();
    expect(base.events).toEqual(["out:abc"]);
  });
});
