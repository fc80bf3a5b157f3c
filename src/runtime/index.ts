// The one place that knows which JavaScript runtime we are on. Everything else uses node: APIs,
// which Bun and Deno both provide.
declare const Bun: { version: string; gc(force: boolean): void; shrink?: () => void } | undefined;
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
