// Request bodies are read only up to what a call could need (§3, §8): a declared length over the
// limit is refused before a byte is read, and a body that keeps coming is cut off at the limit.
// Bytes held by bodies in flight come from one process-wide budget, so many concurrent uploads
// are refused (503) instead of taking the process past its memory.
import { Buffer } from "node:buffer";

export type BodyResult =
  | { readonly kind: "ok"; readonly text: string; readonly reserved: number }
  | { readonly kind: "too_large" }
  | { readonly kind: "busy" }
  | { readonly kind: "timeout" }
  | { readonly kind: "failed" };

export class BodyBudget {
  #free: number;

  constructor(readonly capacity: number) {
    this.#free = capacity;
  }

  reserve(n: number): boolean {
    if (n > this.#free) return false;
    this.#free -= n;
    return true;
  }

  release(n: number): void {
    this.#free = Math.min(this.capacity, this.#free + n);
  }

  get free(): number {
    return this.#free;
  }
}

/**
 * Reads `request`'s body as UTF-8 text, at most `limit` bytes, reserving what it holds from
 * `budget` (the caller releases `reserved` when the request is done). Gives up after `timeoutMs`.
 */
export async function readBody(
  request: Request,
  limit: number,
  budget: BodyBudget,
  timeoutMs: number,
): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit))
    return { kind: "too_large" };
  if (request.body === null) return { kind: "ok", text: "", reserved: 0 };

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let reserved = 0;
  const give = (result: BodyResult): BodyResult => {
    budget.release(reserved);
    reader.cancel().catch(() => {});
    return result;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const aborted = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), aborted]);
      if (next === "timeout") return give({ kind: "timeout" });
      if (next.done) break;
      const chunk = next.value;
      received += chunk.byteLength;
      if (received > limit) return give({ kind: "too_large" });
      if (!budget.reserve(chunk.byteLength)) return give({ kind: "busy" });
      reserved += chunk.byteLength;
      chunks.push(chunk);
    }
  } catch {
    return give({ kind: "failed" });
  } finally {
    clearTimeout(timer);
  }
  const text = Buffer.concat(chunks, received).toString("utf8");
  return { kind: "ok", text, reserved };
}
