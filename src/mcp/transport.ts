// MCP over stdio: newline-delimited JSON-RPC on stdin/stdout. Our own transport rather than the SDK's,
// because the session needs what that one does not do:
// - a malformed line gets a JSON-RPC error (-32700 parse error, -32600 invalid request) instead of
//   silence, and the session goes on;
// - a line over the size bound (stdio.ts derives it from the policy) is discarded as it arrives, never
//   buffered, and answered with an error naming the bound; the session goes on (the SDK's closes);
// - a response carrying an object body is written in slices, never as one more whole copy of it
//   (json-fragments.ts), one message after another so that slices never interleave;
// - stdin EOF is reported, and requests still awaiting their response are counted, so shutdown can let
//   in-flight calls finish and their responses reach stdout before the process exits.

import { Buffer } from "node:buffer";
import type { Readable, Writable } from "node:stream";
import type { z } from "zod";
import { collector, releaseMemory } from "../runtime/index.ts";
import { hasLongString, JsonWriter } from "./json-writer.ts";
import type { Transport } from "./sdk/shared-transport.ts";
import {
  ClientRequestSchema,
  ErrorCode,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type RequestId,
} from "./sdk/types.ts";

export interface StdioTransportOptions {
  /** Longest accepted message line in bytes. */
  readonly maxMessageBytes: number;
  /** Why the bound is what it is, for the error that refuses a longer line. */
  readonly maxMessageReason?: string;
}

const IDLE_RELEASE_MS = 1000;
/** Bytes kept from each end of a discarded oversized line, to find its request id. */
const ID_WINDOW = 512;
/**
 * A full collection after every this many bytes of an oversized line: the chunks stdin delivers are
 * dropped as they come, but until collected they still take memory (64 MiB of input grew the process
 * by 29 MiB without it).
 */
const DISCARD_COLLECT_BYTES = 8 * 1024 * 1024;

export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #max: number;
  readonly #maxReason: string | undefined;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** The current line is over the bound: its bytes are dropped as they come; only its ends are kept. */
  #oversized = false;
  #oversizedHead = "";
  #oversizedTail: Buffer = Buffer.alloc(0);
  /** Bytes of oversized lines dropped since the last collection. */
  #discarded = 0;
  readonly #collect = collector();
  /** Messages are written one at a time: each write waits for the previous one to be handed over. */
  #writing: Promise<void> = Promise.resolve();
  /** Writes messages that carry an object body (made on first use, then reused). */
  #jsonWriter: JsonWriter | undefined;
  #reading = false;
  #closed = false;
  /** Requests received and not yet answered, by id (a count, should a client reuse an id). */
  readonly #pending = new Map<RequestId, number>();
  #idleWaiters: (() => void)[] = [];
  /** Writes waiting for stdout to drain; all resolved by one 'drain' listener. */
  #drainWaiters: (() => void)[] = [];
  /** stdout failed (the client has gone): nothing more can be delivered. */
  #broken = false;
  /** Fires once the server has been idle for a while, to hand the last calls' memory back. */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #ended: Promise<void>;
  #end!: () => void;
  /** The schema of each request method a client may send, to answer bad params with -32602. */
  readonly #requestSchemas: ReadonlyMap<string, z.ZodType> = new Map(
    ClientRequestSchema.options.map((o) => [o.shape.method.value, o] as const),
  );

  constructor(stdin: Readable, stdout: Writable, options: StdioTransportOptions) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#max = options.maxMessageBytes;
    this.#maxReason = options.maxMessageReason;
    this.#ended = new Promise((resolve) => {
      this.#end = resolve;
    });
  }

  /** Resolves when stdin reaches EOF or fails, or stdout fails (the client has gone). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  async start(): Promise<void> {
    if (this.#reading) throw new Error("StdioTransport already started");
    this.#reading = true;
    this.#stdin.on("data", this.#onData);
    this.#stdin.on("end", this.#onEnd);
    this.#stdin.on("close", this.#onEnd);
    this.#stdin.on("error", this.#onStdinError);
    this.#stdout.on("error", this.#onStdoutError);
    this.#stdin.resume();
  }

  /** Stops reading stdin: nothing more is accepted. Responses to requests already read still go out. */
  stopReading(): void {
    if (!this.#reading) return;
    this.#reading = false;
    this.#stdin.off("data", this.#onData);
    this.#stdin.off("end", this.#onEnd);
    this.#stdin.off("close", this.#onEnd);
    this.#stdin.pause();
    this.#chunks = [];
    this.#buffered = 0;
  }

  /** Number of requests read and not yet answered. */
  get pending(): number {
    let n = 0;
    for (const count of this.#pending.values()) n += count;
    return n;
  }

  /** Resolves once every request read so far has been answered (or cancelled by the client). */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.#writeMessage(message);
    if ("id" in message && ("result" in message || "error" in message) && message.id !== undefined) {
      this.#settle(message.id);
    }
  }

  /** Resolves when everything written so far has been handed to the operating system. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      try {
        this.#stdout.write("", () => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stopReading();
    this.#stdin.off("error", this.#onStdinError);
    // stdout keeps an error listener: a late write to a closed pipe must not crash the process.
    this.#end();
    clearTimeout(this.#idleTimer);
    for (const wake of this.#idleWaiters.splice(0)) wake();
    this.onclose?.();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    while (this.#reading) {
      const nl = data.indexOf(10, start);
      if (nl === -1) {
        this.#append(data.subarray(start));
        return;
      }
      this.#append(data.subarray(start, nl));
      start = nl + 1;
      this.#line();
    }
  };

  readonly #onEnd = (): void => {
    // A last line without a trailing newline still counts.
    if (this.#buffered > 0 || this.#oversized) this.#line();
    this.#end();
  };

  readonly #onStdinError = (error: Error): void => {
    this.onerror?.(error);
    this.#end();
  };

  readonly #onStdoutError = (error: Error): void => {
    if (!this.#broken) this.onerror?.(error);
    this.#broken = true;
    // Nothing can be answered any more: release everyone waiting on a write or a response.
    this.#pending.clear();
    for (const wake of [...this.#drainWaiters.splice(0), ...this.#idleWaiters.splice(0)]) wake();
    this.#end();
  };

  #append(part: Buffer): void {
    if (part.byteLength === 0) return;
    if (this.#oversized) {
      this.#keepTail(part);
      this.#discard(part.byteLength);
      return;
    }
    if (this.#buffered + part.byteLength > this.#max) {
      // Refused before it is buffered: only the ends are kept, to answer the request by its id.
      this.#oversized = true;
      this.#oversizedHead = Buffer.concat([...this.#chunks, part.subarray(0, ID_WINDOW)])
        .subarray(0, ID_WINDOW)
        .toString("utf8");
      this.#oversizedTail = Buffer.alloc(0);
      this.#keepTail(Buffer.concat([...this.#chunks, part].slice(-2)));
      this.#chunks = [];
      this.#buffered = 0;
      return;
    }
    this.#chunks.push(part);
    this.#buffered += part.byteLength;
  }

  #discard(bytes: number): void {
    this.#discarded += bytes;
    if (this.#discarded < DISCARD_COLLECT_BYTES) return;
    this.#discarded = 0;
    this.#collect?.();
  }

  #keepTail(part: Buffer): void {
    const joined = part.byteLength >= ID_WINDOW ? part : Buffer.concat([this.#oversizedTail, part]);
    this.#oversizedTail = Buffer.from(joined.subarray(Math.max(0, joined.byteLength - ID_WINDOW)));
  }

  #line(): void {
    if (this.#oversized) {
      const id = oversizedId(this.#oversizedHead, this.#oversizedTail.toString("utf8"));
      this.#oversized = false;
      this.#oversizedHead = "";
      this.#oversizedTail = Buffer.alloc(0);
      const why = this.#maxReason === undefined ? "" : ` (${this.#maxReason})`;
      this.#reply(
        id,
        ErrorCode.InvalidRequest,
        `Invalid Request: message refused unread: longer than this server's limit of ${this.#max} bytes${why}`,
      );
      return;
    }
    const text = Buffer.concat(this.#chunks, this.#buffered).toString("utf8").replace(/\r$/, "");
    this.#chunks = [];
    this.#buffered = 0;
    if (text.trim() === "") return;
    this.#handle(text);
  }

  #handle(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      this.#reply(null, ErrorCode.ParseError, `Parse error: ${(e as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.#reply(idOf(json), ErrorCode.InvalidRequest, "Invalid Request: not a JSON-RPC 2.0 message");
      return;
    }
    const message = parsed.data;
    if ("method" in message && "id" in message) {
      // The SDK reports a request whose params do not match its method as an internal error (-32603);
      // it is invalid params (-32602).
      const issues = this.#requestSchemas.get(message.method)?.safeParse(message).error?.issues;
      if (issues !== undefined) {
        const detail = issues.map((i) => `${i.path.join(".") || "(request)"}: ${i.message}`).join("; ");
        this.#reply(message.id, ErrorCode.InvalidParams, `Invalid params for ${message.method}: ${detail}`);
        return;
      }
      this.#pending.set(message.id, (this.#pending.get(message.id) ?? 0) + 1);
    }
    try {
      this.onmessage?.(message);
    } catch (e) {
      this.onerror?.(e as Error);
    }
    // A cancelled request is never answered (the SDK drops its response): stop waiting for it.
    if ("method" in message && message.method === "notifications/cancelled" && !("id" in message)) {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined && this.#pending.has(id)) this.#settle(id);
    }
  }

  #settle(id: RequestId): void {
    const count = this.#pending.get(id);
    if (count === undefined) return;
    if (count > 1) this.#pending.set(id, count - 1);
    else this.#pending.delete(id);
    if (this.#pending.size === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
      this.#scheduleIdleRelease();
    }
  }

  /**
   * A long-lived server spends most of its life idle: one second after the last answer, collect and
   * return freed pages to the OS (bench/NOTES.md: idle RSS after 1,000 calls 96 -> 68 MB under Bun).
   * Never inside a burst, so call latency is unaffected.
   */
  #scheduleIdleRelease(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#pending.size !== 0 || this.#closed) return;
      // Its buffers too: a writer is cheap to make again for the next large response.
      this.#jsonWriter = undefined;
      releaseMemory();
    }, IDLE_RELEASE_MS);
    this.#idleTimer.unref?.();
  }

  /** An error response the SDK never sees (the message could not be handed to it). */
  #reply(id: RequestId | null, code: number, message: string): void {
    void this.#writeMessage({ jsonrpc: "2.0", id, error: { code, message } });
  }

  /** Queues one message; resolves once all of it has been handed to stdout. */
  #writeMessage(message: unknown): Promise<void> {
    const write = () => this.#writeJson(message);
    const done = this.#writing.then(write, write);
    this.#writing = done.catch(() => {});
    return done;
  }

  async #writeJson(message: unknown): Promise<void> {
    if (!hasLongString(message)) {
      await this.#write(`${JSON.stringify(message)}\n`);
      return;
    }
    // A message with an object body: encoded piecewise into one reused buffer, each buffer full
    // handed to stdout (and taken) before the next is made (json-writer.ts).
    this.#jsonWriter ??= new JsonWriter(async (bytes) => {
      await this.#writeBytes(bytes);
      return !this.#broken;
    });
    await this.#jsonWriter.writeLine(message);
  }

  /** Resolves once stdout has taken `bytes` (the buffer may then be reused), or has failed. */
  #writeBytes(bytes: Uint8Array): Promise<void> {
    if (this.#broken) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        this.#stdout.write(bytes, () => resolve());
      } catch (e) {
        this.#onStdoutError(e as Error);
        resolve();
      }
    });
  }

  #write(line: string): Promise<void> {
    if (this.#broken) return Promise.resolve();
    return new Promise((resolve) => {
      let flushed: boolean;
      try {
        flushed = this.#stdout.write(line);
      } catch (e) {
        this.#onStdoutError(e as Error);
        resolve();
        return;
      }
      if (flushed) {
        resolve();
        return;
      }
      this.#drainWaiters.push(resolve);
      if (this.#drainWaiters.length === 1) {
        this.#stdout.once("drain", () => {
          for (const wake of this.#drainWaiters.splice(0)) wake();
        });
      }
    });
  }
}

/**
 * The id of a refused oversized line, read from the ends kept of it: the first member of the object
 * (`{"jsonrpc":"2.0","id":7,…` or `{"id":7,…`) or its last (`…,"id":7}`, where the SDK's clients put
 * it). Null when neither end shows one (JSON-RPC: null when the id cannot be determined).
 */
export function oversizedId(head: string, tail: string): RequestId | null {
  const value = String.raw`(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")`;
  const first = new RegExp(
    String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${value}\s*[,}]`,
  ).exec(head);
  const last = new RegExp(String.raw`[,{]\s*"id"\s*:\s*${value}\s*\}\s*\r?$`).exec(tail);
  const raw = first?.[1] ?? last?.[1];
  if (raw === undefined) return null;
  try {
    const id = JSON.parse(raw) as unknown;
    return typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id)) ? id : null;
  } catch {
    return null;
  }
}

/** The id of an invalid request, when it has a usable one (JSON-RPC: null when it cannot be determined). */
function idOf(json: unknown): RequestId | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const id = (json as { id?: unknown }).id;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}
