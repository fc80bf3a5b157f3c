// The read budget (src/mcp/read-budget.ts): admission, first come first served, the bounded queue,
// the deadline, cancellation and reclaiming. Pure: no S3, no server (the server-level behaviour is in
// read-budget-server.test.ts).
import { describe, expect, test } from "bun:test";
import { type Lease, ReadBudget, type ReadBudgetOptions } from "../../src/mcp/read-budget.ts";

const MiB = 1024 * 1024;
const options = (o: Partial<ReadBudgetOptions> = {}): ReadBudgetOptions => ({
  capacityBytes: 10 * MiB,
  maxWaiting: 4,
  maxWaitMs: 60_000,
  ...o,
});
/** Lets pending promise callbacks run. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Tracks which acquisitions have settled, and how. */
function track(p: Promise<Lease>) {
  const state: { lease?: Lease; error?: unknown } = {};
  p.then(
    (lease) => {
      state.lease = lease;
    },
    (error) => {
      state.error = error;
    },
  );
  return state;
}

describe("admission", () => {
  test.each([
    // [held before, asked, admitted at once]
    [[], 0, true],
    [[], 10 * MiB, true],
    [[], 50 * MiB, true], // larger than the whole budget: runs alone rather than never
    [[6 * MiB], 4 * MiB, true],
    [[6 * MiB], 4 * MiB + 1, false],
    [[1], 10 * MiB, false],
    [[10 * MiB], 0, true], // nothing to reserve
    [[10 * MiB], -5, true], // nonsense sizes count as 0
    [[9 * MiB], 0.5, true], // fractions round up to a byte
  ])("holding %p, asking %p bytes: admitted at once = %p", async (held, asked, atOnce) => {
    const budget = new ReadBudget(options());
    for (const h of held) await budget.acquire(h);
    const state = track(budget.acquire(asked));
    await tick();
    expect(state.lease !== undefined).toBe(atOnce);
    expect(budget.waiting).toBe(atOnce ? 0 : 1);
  });

  test("in use goes up and down with leases; releasing twice is harmless", async () => {
    const budget = new ReadBudget(options());
    const a = await budget.acquire(3 * MiB);
    const b = await budget.acquire(2 * MiB);
    expect(budget.inUse).toBe(5 * MiB);
    a.release();
    a.release();
    expect(budget.inUse).toBe(2 * MiB);
    b.release();
    expect(budget.inUse).toBe(0);
  });
});

describe("waiting", () => {
  test("first come, first served: a large waiter is not overtaken by small ones that would fit", async () => {
    const budget = new ReadBudget(options());
    const first = await budget.acquire(8 * MiB);
    const large = track(budget.acquire(6 * MiB));
    const small = track(budget.acquire(1 * MiB)); // would fit now, but waits behind `large`
    await tick();
    expect([large.lease, small.lease]).toEqual([undefined, undefined]);
    first.release();
    await tick();
    expect(large.lease?.bytes).toBe(6 * MiB);
    expect(small.lease?.bytes).toBe(1 * MiB);
    expect(budget.inUse).toBe(7 * MiB);
  });

  test("a release admits as many waiters as now fit, in order, and no more", async () => {
    const budget = new ReadBudget(options());
    const holder = await budget.acquire(10 * MiB);
    const waiters = [4, 4, 4].map((n) => track(budget.acquire(n * MiB)));
    holder.release();
    await tick();
    expect(waiters.map((w) => w.lease !== undefined)).toEqual([true, true, false]);
    waiters[0]?.lease?.release();
    await tick();
    expect(waiters[2]?.lease).toBeDefined();
  });

  test("a full queue refuses at once with ServiceUnavailable and a hint", async () => {
    const budget = new ReadBudget(options({ maxWaiting: 2 }));
    await budget.acquire(10 * MiB);
    const queued = [track(budget.acquire(MiB)), track(budget.acquire(MiB))];
    let refused: unknown;
    await budget.acquire(MiB).catch((e) => {
      refused = e;
    });
    expect(refused).toMatchObject({ code: "ServiceUnavailable" });
    expect((refused as Error).message).toContain("too many large reads in flight");
    expect((refused as Error).message).toContain("2 reads are already waiting");
    expect((refused as { hint: string }).hint).toContain("offset/length");
    expect(queued.every((q) => q.error === undefined)).toBe(true);
    expect(budget.waiting).toBe(2);
  });

  test("a wait past the deadline is refused with ServiceUnavailable; the queue moves on", async () => {
    const budget = new ReadBudget(options({ maxWaitMs: 20 }));
    const holder = await budget.acquire(10 * MiB);
    let refused: unknown;
    await budget.acquire(MiB).catch((e) => {
      refused = e;
    });
    expect(refused).toMatchObject({ code: "ServiceUnavailable" });
    expect((refused as Error).message).toContain("no room came free");
    expect(budget.waiting).toBe(0);
    holder.release();
    expect(budget.inUse).toBe(0);
  });

  test("a cancelled waiter leaves the queue with the abort error; those behind it move up", async () => {
    const budget = new ReadBudget(options());
    await budget.acquire(6 * MiB);
    const controller = new AbortController();
    const blocked = track(budget.acquire(6 * MiB, controller.signal));
    const behind = track(budget.acquire(2 * MiB));
    await tick();
    expect(behind.lease).toBeUndefined();
    controller.abort();
    await tick();
    expect((blocked.error as Error).name).toBe("AbortError");
    // The head of the queue blocked it; once the head has gone it fits.
    expect(behind.lease?.bytes).toBe(2 * MiB);
    expect(budget.waiting).toBe(0);
  });

  test("an already cancelled call is refused without waiting", async () => {
    const budget = new ReadBudget(options());
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(budget.acquire(MiB, controller.signal)).rejects.toThrow("gone");
    expect(budget.inUse).toBe(0);
  });
});

describe("reclaiming", () => {
  test.each([
    // [reclaimEveryBytes, garbage reported in order, collections expected]
    [8 * MiB, [3 * MiB, 3 * MiB], 0],
    [8 * MiB, [3 * MiB, 3 * MiB, 3 * MiB], 1],
    [8 * MiB, [20 * MiB], 1],
    [8 * MiB, [8 * MiB, 8 * MiB, 7 * MiB], 2],
    [0, [1, 1, 1], 3],
  ])("every %p bytes of garbage, after %p: %p collections", (every, garbage, expected) => {
    let collections = 0;
    const budget = new ReadBudget(
      options({
        reclaim: () => {
          collections++;
        },
        reclaimEveryBytes: every,
      }),
    );
    for (const g of garbage) budget.discarded(g);
    expect(collections).toBe(expected);
  });

  test("released leases count as garbage", async () => {
    let collections = 0;
    const budget = new ReadBudget(
      options({
        reclaim: () => {
          collections++;
        },
        reclaimEveryBytes: 8 * MiB,
      }),
    );
    (await budget.acquire(5 * MiB)).release();
    expect(collections).toBe(0);
    (await budget.acquire(5 * MiB)).release();
    expect(collections).toBe(1);
  });
});
