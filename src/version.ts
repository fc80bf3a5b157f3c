// Build-time constants. `bun build --define` replaces these identifiers in release binaries;
// unbuilt runs (bun/deno src/main.ts) fall back to the package version and "dev".
declare const __MCP_S3_VERSION__: string | undefined;
declare const __MCP_S3_COMMIT__: string | undefined;
declare const __MCP_S3_TARGET__: string | undefined;

import pkg from "../package.json" with { type: "json" };

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly target: string;
}

export function buildInfo(runtime: string): BuildInfo {
  return Object.freeze({
    version: typeof __MCP_S3_VERSION__ === "string" ? __MCP_S3_VERSION__ : pkg.version,
    commit: typeof __MCP_S3_COMMIT__ === "string" ? __MCP_S3_COMMIT__ : "dev",
    target:
      typeof __MCP_S3_TARGET__ === "string"
        ? __MCP_S3_TARGET__
        : `${runtime}-${process.platform}-${process.arch}`,
  });
}
