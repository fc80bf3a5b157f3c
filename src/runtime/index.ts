// The one place that knows which JavaScript runtime we are on. Everything else uses node: APIs,
// which Bun and Deno both provide.
import { fstatSync, readFileSync } from "node:fs";

declare const Bun:
  | {
      version: string;
      gc(force: boolean): void;
      shrink?: () => void;
      stdout: unknown;
      write(to: unknown, from: unknown): Promise<number>;
    }
  | undefined;
declare const Deno: { version: { deno: string } } | undefined;

export type RuntimeName = "bun" | "deno" | "node";

export function runtimeName(): RuntimeName {
  if (typeof Bun !== "undefined") return "bun";
  if (typeof Deno !== "undefined") return "deno";
  return "node";
}

export function runtimeVersion(): string {
  if (typeof Bun !== "undefined") return Bun.version;
  if (typeof Deno !== "undefined") return Deno.version.deno;
  return process.versions.node ?? "unknown";
}

/** A forced full garbage collection, where the runtime offers one (Bun; V8 only with --expose-gc). */
export function collector(): (() => void) | undefined {
  if (typeof Bun !== "undefined" && typeof Bun.gc === "function") return () => Bun?.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === "function" ? gc : undefined;
}

/** Collects garbage and hands free heap pages and JIT code back to the OS (Bun only; elsewhere a no-op). */
export function releaseMemory(): void {
  if (typeof Bun === "undefined" || typeof Bun.gc !== "function") return;
  Bun.gc(true);
  Bun.shrink?.();
}

/** fetch as the S3 request handler uses it (src/s3/fetch-handler.ts). */
export type PlainFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The runtime's native fetch set up as a plain HTTP client, where it is the faster way to talk to S3
 * (Bun: responses are parsed in native code), else undefined (the SDK's node:http handler is used).
 * Plain means: bytes as the server sent them (no decompression of a gzip-encoded object), no proxy
 * taken from the environment (as with node:http), and no idle timer of its own: S3_TIMEOUT is
 * applied by the handler, to the millisecond (Bun's timer moves in steps of seconds).
 */
export function plainFetch(): PlainFetch | undefined {
  if (typeof Bun === "undefined") return undefined;
  const bunOptions = { decompress: false, proxy: false, timeout: false };
  return (url, init) => fetch(url, { ...init, ...bunOptions } as RequestInit);
}

/** Copies a response body (as fetch gave it) to stdout, resolving with the number of bytes written. */
export type StdoutCopy = (body: ReadableStream<Uint8Array>) => Promise<number>;

/**
 * A copy of a fetched body to stdout that runs in native code, where the runtime has one (Bun:
 * `Bun.write(Bun.stdout, body)` never hands the bytes to JavaScript, which under Bun costs a fresh
 * copy per 64 KiB chunk; bench/NOTES.md §8), else undefined. A failed write (EPIPE) or an aborted
 * fetch rejects it.
 */
export function nativeStdoutCopy(): StdoutCopy | undefined {
  if (typeof Bun === "undefined") return undefined;
  const bun = Bun;
  return (body) => {
    widenPipe(1);
    return bun.write(bun.stdout, body);
  };
}

/**
 * The number of bytes this process has written so far, all descriptors together (Linux: `wchar` of
 * /proc/self/io), or undefined where the system does not say. It is the progress a native copy
 * shows to a watch that cannot see its chunks.
 */
export function bytesWrittenCounter(): (() => number) | undefined {
  const read = () => {
    const m = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "latin1"));
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  try {
    if (read() === undefined) return undefined;
  } catch {
    return undefined;
  }
  return () => {
    try {
      return read() ?? 0;
    } catch {
      return 0;
    }
  };
}

/** The C library call node:fs does not offer (Bun only, through `bun:ffi`). */
interface CLibrary {
  /** fcntl(fd, F_GETPIPE_SZ) / fcntl(fd, F_SETPIPE_SZ, bytes) (Linux): the size, or -1. */
  pipeSize(fd: number, bytes?: number): number;
}

let cLibraryLoaded: CLibrary | null | undefined;

/** The C library, loaded once; undefined where it cannot be (not Bun, no FFI, no such library). */
function cLibrary(): CLibrary | undefined {
  if (cLibraryLoaded !== undefined) return cLibraryLoaded ?? undefined;
  cLibraryLoaded = null;
  type Symbols = { fcntl(fd: number, cmd: number, arg: number): number };
  type Ffi = {
    dlopen(name: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Symbols };
  };
  let ffi: Ffi;
  try {
    ffi = (import.meta as unknown as { require(id: string): Ffi }).require("bun:ffi");
  } catch {
    return undefined;
  }
  // glibc names its library libc.so.6; musl, libc.so. Only Linux asks (pipe sizes are Linux's).
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      const lib = ffi.dlopen(name, { fcntl: { args: ["i32", "i32", "i32"], returns: "i32" } });
      const F_SETPIPE_SZ = 1031;
      const F_GETPIPE_SZ = 1032;
      cLibraryLoaded = {
        pipeSize: (fd, bytes) =>
          bytes === undefined
            ? lib.symbols.fcntl(fd, F_GETPIPE_SZ, 0)
            : lib.symbols.fcntl(fd, F_SETPIPE_SZ, bytes),
      };
      return cLibraryLoaded;
    } catch {
      // Not this name.
    }
  }
  return undefined;
}

/** How large a pipe is made for a native copy: the unprivileged maximum on Linux. */
const PIPE_BYTES = 1024 * 1024;

/**
 * Grows the pipe `fd` writes into to 1 MiB (Linux; never shrinks it). The kernel's default of 64 KiB
 * makes a fast writer stop and wait for its reader every 64 KiB; with 1 MiB a native copy of 1 GiB to
 * stdout took 0.88 -> 0.76 s and 0.64 -> 0.45 s of CPU (bench/NOTES.md §8b). Anything that fails (not
 * a pipe, over the user's pipe quota) leaves the pipe as it was.
 */
export function widenPipe(fd: number): void {
  if (process.platform !== "linux") return;
  try {
    if (!fstatSync(fd).isFIFO()) return;
    const c = cLibrary();
    if (c === undefined) return;
    const size = c.pipeSize(fd);
    if (size >= 0 && size < PIPE_BYTES) c.pipeSize(fd, PIPE_BYTES);
  } catch {
    // The pipe stays as it is.
  }
}

/** The size of the pipe `fd` is (Linux, Bun), or undefined where it cannot be asked. */
export function pipeSize(fd: number): number | undefined {
  const size = process.platform === "linux" ? cLibrary()?.pipeSize(fd) : undefined;
  return size === undefined || size < 0 ? undefined : size;
}
