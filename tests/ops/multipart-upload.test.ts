// How a streamed body is cut into parts (src/ops/multipart-upload.ts PartReader): every part but the
// last exactly the part size, in order, nothing lost or repeated whatever the chunk sizes; a chunk
// that holds a whole part is handed out as a view, anything else copied into the worker's buffer.
import { describe, expect, test } from "bun:test";
import { bufferOf, type Part, PartReader } from "../../src/ops/multipart-upload.ts";
import type { ReadsInto } from "../../src/ops/put-object.ts";

const PART = 16;

/** `total` bytes (0, 1, 2, ... mod 251) as chunks of the given sizes, repeated. */
function chunks(total: number, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < total; i++) {
    const n = Math.min(sizes[i % sizes.length] as number, total - at);
    out.push(Uint8Array.from({ length: n }, (_, j) => (at + j) % 251));
    at += n;
  }
  return out;
}

async function* from(list: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* list;
}

/** The same bytes as a body that reads into a buffer, at most `perRead` bytes a call (a file, short reads). */
function readsInto(list: readonly Uint8Array[], perRead: number): ReadsInto & { closed: number } {
  const all = new Uint8Array(list.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of list) {
    all.set(c, at);
    at += c.byteLength;
  }
  let pos = 0;
  const source = {
    closed: 0,
    async readInto(into: Uint8Array) {
      const n = Math.min(perRead, into.byteLength, all.byteLength - pos);
      into.set(all.subarray(pos, pos + n));
      pos += n;
      return n;
    },
    async close() {
      source.closed++;
    },
  };
  return source;
}

async function readAll(
  list: readonly Uint8Array[],
  perRead?: number,
): Promise<{ parts: Part[]; atEndAfterFirst: boolean }> {
  const reader = new PartReader(perRead === undefined ? from(list) : readsInto(list, perRead), PART);
  const buffer = bufferOf(PART);
  const parts: Part[] = [];
  const first = await reader.next(buffer);
  const atEndAfterFirst = await reader.atEnd();
  if (first !== undefined) parts.push({ ...first, bytes: first.bytes.slice() });
  for (;;) {
    const p = await reader.next(buffer);
    if (p === undefined) break;
    // The buffer is reused for the next part: keep a copy of what this one held.
    parts.push({ ...p, bytes: p.bytes.slice() });
  }
  return { parts, atEndAfterFirst };
}

describe("PartReader cuts a body into parts", () => {
  const rows: [string, number, number[]][] = [
    ["empty body", 0, [8]],
    ["one byte", 1, [1]],
    ["one byte short of a part", PART - 1, [5]],
    ["exactly one part", PART, [PART]],
    ["exactly one part, byte by byte", PART, [1]],
    ["one byte over a part", PART + 1, [PART]],
    ["two parts exactly, chunks of 3", 2 * PART, [3]],
    ["chunks larger than a part", 5 * PART + 3, [2 * PART + 1]],
    ["mixed chunk sizes with empty chunks", 7 * PART - 1, [0, 1, PART - 1, 0, 2 * PART, 5]],
    ["one chunk holding everything", 4 * PART + 7, [1 << 20]],
  ];
  const modes: [string, number | undefined][] = [
    ["chunks", undefined],
    ["read into the buffer, 5 bytes a read", 5],
    ["read into the buffer, whole parts", PART],
  ];
  const table = modes.flatMap(([mode, perRead]) =>
    rows.map(([label, total, sizes]) => [mode, label, total, sizes, perRead] as const),
  );
  test.each(table)("%s: %s (%p bytes, chunks %p)", async (_mode, _label, total, sizes, perRead) => {
    const input = chunks(total, sizes);
    const { parts, atEndAfterFirst } = await readAll(input, perRead);
    expect(parts.map((p) => p.number)).toEqual(parts.map((_, i) => i + 1));
    for (const p of parts.slice(0, -1)) expect(p.bytes.byteLength).toBe(PART);
    const last = parts.at(-1);
    if (last !== undefined) {
      expect(last.bytes.byteLength).toBeGreaterThan(0);
      expect(last.bytes.byteLength).toBeLessThanOrEqual(PART);
    }
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.bytes.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p.bytes, at);
      at += p.bytes.byteLength;
    }
    expect(joined).toEqual(Uint8Array.from({ length: total }, (_, i) => i % 251));
    // One PutObject exactly when the whole body fits in the first part.
    expect(atEndAfterFirst).toBe(total <= PART);
  });

  test("a chunk holding whole parts is handed out as views of it, never copied", async () => {
    const body = new Uint8Array(3 * PART + 5);
    const reader = new PartReader(from([body]), PART);
    const buffer = bufferOf(PART);
    const got: Part[] = [];
    for (let p = await reader.next(buffer); p !== undefined; p = await reader.next(buffer)) got.push(p);
    expect(got.map((p) => p.bytes.byteLength)).toEqual([PART, PART, PART, 5]);
    for (const p of got.slice(0, 3)) expect(p.bytes.buffer).toBe(body.buffer);
    // The short tail is copied into the worker's buffer.
    expect(got[3]?.bytes.buffer).toBe(buffer().buffer);
  });

  test("reads are serialised: parts handed to concurrent callers are numbered in body order", async () => {
    const input = chunks(6 * PART, [3, 7]);
    const reader = new PartReader(from(input), PART);
    const buffers = [bufferOf(PART), bufferOf(PART), bufferOf(PART)];
    const got = await Promise.all(
      buffers.map((b) => reader.next(b).then((p) => ({ ...p, bytes: p?.bytes.slice() }))),
    );
    expect(got.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(got.map((p) => p.bytes?.[0])).toEqual([0, PART, 2 * PART]);
  });

  test("a body read into the buffer: every part lands in the worker's own buffer", async () => {
    const reader = new PartReader(readsInto(chunks(3 * PART, [7]), 7), PART);
    const buffers = [bufferOf(PART), bufferOf(PART)];
    const a = await reader.next(buffers[0] as () => Uint8Array);
    const b = await reader.next(buffers[1] as () => Uint8Array);
    expect(a?.bytes.buffer).toBe(buffers[0]?.().buffer);
    expect(b?.bytes.buffer).toBe(buffers[1]?.().buffer);
  });

  test("close lets go of a body read into the buffer (closes the file), once", async () => {
    const source = readsInto(chunks(3 * PART, [7]), 7);
    const reader = new PartReader(source, PART);
    await reader.next(bufferOf(PART));
    reader.close();
    reader.close();
    expect(source.closed).toBe(1);
  });

  test("close lets go of the source (a file's descriptor), once", async () => {
    let returned = 0;
    const source: AsyncIterator<Uint8Array> = {
      next: async () => ({ done: false, value: new Uint8Array(4) }),
      return: async () => {
        returned++;
        return { done: true, value: undefined };
      },
    };
    const reader = new PartReader(source, PART);
    await reader.next(bufferOf(PART));
    reader.close();
    reader.close();
    expect(returned).toBe(1);
  });
});
