// The one place that knows which JavaScript runtime we are on. Everything else uses node: APIs,
// which Bun and Deno both provide.
declare const Bun: { version: string } | undefined;
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
