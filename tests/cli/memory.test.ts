// The memory governor (src/cli/memory.ts): when it collects, given the resident set it sees before
// and after each collection. A transfer whose live memory sits above the ceiling must not collect
// at every step (each collection then frees nothing and costs a full GC), yet memory must stay
// bounded: never more than ceiling + headroom before a collection.
import { describe, expect, test } from "bun:test";
import { memoryGovernor } from "../../src/cli/memory.ts";

const MiB = 1024 * 1024;

/** Runs the governor over `steps` progress calls; rss[i] is what it sees at call i (and after collecting there, `after`). */
function collections(
  options: Parameters<typeof memoryGovernor>[0],
  rssAt: (step: number) => number,
  after: (rssBefore: number) => number,
  steps = 20,
): number[] {
  let step = 0;
  let current = 0;
  const done: number[] = [];
  const govern = memoryGovernor(options, {
    rss: () => current,
    collect: () => {
      done.push(step);
      current = after(current);
    },
  });
  for (step = 1; step <= steps; step++) {
    current = rssAt(step);
    govern(step * 8 * MiB);
  }
  return done;
}

describe("memoryGovernor", () => {
  const plain = { step: 8 * MiB, ceiling: 96 * MiB };
  const withHeadroom = { ...plain, headroom: 32 * MiB };

  test("under the ceiling: never collects", () => {
    expect(
      collections(
        withHeadroom,
        () => 80 * MiB,
        (r) => r,
      ),
    ).toEqual([]);
  });

  test("without headroom: collects at every step while above the ceiling, even when it frees nothing", () => {
    expect(
      collections(
        plain,
        () => 110 * MiB,
        (r) => r,
        5,
      ),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  test("with headroom: live memory just above the ceiling is collected once, then only after it grew by the headroom", () => {
    // Grows 4 MiB a step from 100 MiB; a collection brings it back to 100 MiB.
    let base = 100 * MiB;
    const got = collections(
      withHeadroom,
      () => {
        base += 4 * MiB;
        return base;
      },
      () => {
        base = 100 * MiB;
        return base;
      },
    );
    // 104 > 96 at step 1; the collection leaves 100, so the next limit is 100 + 32 = 132, capped
    // at 96 + 32 = 128 MiB: passed 8 steps later, and so on.
    expect(got).toEqual([1, 9, 17]);
  });

  test("memory that stays high after collecting is collected at every step again (the bound wins)", () => {
    expect(
      collections(
        withHeadroom,
        () => 140 * MiB,
        (r) => r,
        6,
      ),
    ).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("checks only once per step of progress", () => {
    let checks = 0;
    const govern = memoryGovernor(plain, {
      rss: () => {
        checks++;
        return 0;
      },
      collect: () => {},
    });
    for (let b = 0; b < 64 * MiB; b += MiB) govern(b);
    expect(checks).toBe(7);
  });

  test("no collector on this runtime: does nothing", () => {
    const govern = memoryGovernor(withHeadroom, { rss: () => 1e12, collect: undefined });
    expect(() => govern(1e12)).not.toThrow();
  });
});
