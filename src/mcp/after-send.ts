// Some results hold a resource until their response has left the process: a read's body counts
// against the read budget until the transport has written it (the serialised response is a copy of
// it, and a client that does not read stdout must not make the server hoard bodies).
//
// The SDK does not send a handler's result object itself (tools/call results are re-parsed into a
// copy), but it keeps `_meta`, so a held result is tagged there; the watched transport's `send` strips
// the tag before the response goes out and settles the hold once it has.
import type { Transport } from "./sdk/shared-transport.ts";
import type { JSONRPCMessage } from "./sdk/types.ts";

const TAG = "mcp-s3/after-send";

export class AfterSend {
  readonly #pending = new Map<number, () => void>();
  #next = 0;

  /** Holds not yet settled (for tests and diagnostics). */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Runs `done` once the response carrying `result` has been handed to the transport (written or
   * failed), or as soon as `signal` aborts: a cancelled request's response is never sent.
   */
  hold(result: { _meta?: Record<string, unknown> | undefined }, done: () => void, signal: AbortSignal): void {
    const tag = ++this.#next;
    let ran = false;
    const once = () => {
      if (ran) return;
      ran = true;
      signal.removeEventListener("abort", once);
      this.#pending.delete(tag);
      done();
    };
    if (signal.aborted) {
      once();
      return;
    }
    result._meta = { ...result._meta, [TAG]: tag };
    this.#pending.set(tag, once);
    signal.addEventListener("abort", once, { once: true });
  }

  /**
   * Makes `transport.send` untag held results and settle them after each response. Patches the
   * instance in place (a wrapping object would have to forward every callback and optional member the
   * SDK uses).
   */
  watch<T extends Transport>(transport: T): T {
    const send = transport.send.bind(transport);
    transport.send = async (message: JSONRPCMessage, options?: Parameters<Transport["send"]>[1]) => {
      const tag = untag(message);
      try {
        await send(message, options);
      } finally {
        if (tag !== undefined) this.#pending.get(tag)?.();
      }
    };
    return transport;
  }
}

/** The hold tag of a response, removed from it (an empty `_meta` goes too). */
function untag(message: JSONRPCMessage): number | undefined {
  if (!("result" in message)) return undefined;
  const result = message.result as { _meta?: Record<string, unknown> };
  const tag = result._meta?.[TAG];
  if (typeof tag !== "number") return undefined;
  const { [TAG]: _, ...rest } = result._meta as Record<string, unknown>;
  if (Object.keys(rest).length === 0) delete result._meta;
  else result._meta = rest;
  return tag;
}
