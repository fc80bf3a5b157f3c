#!/usr/bin/env node
// The `mcp-s3` command of the npm package: starts the prebuilt mcp-s3 binary of this platform.
//
// npm installs exactly one of the per-platform packages listed in optionalDependencies (their
// package.json `os`, `cpu` and `libc` fields select it), so `npx -y mcp-s3` and `npm i -g mcp-s3`
// need no postinstall script and no download. This file finds that package, runs its binary with
// the same arguments and stdio, forwards termination signals, and exits the way the binary did.
// It must run on Node.js 18 or later and uses nothing outside Node's standard library.
"use strict";

const { spawn } = require("node:child_process");
const { existsSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { isatty } = require("node:tty");

/** Per-platform package for `${platform}-${arch}` (plus `-musl` for musl Linux). */
const PLATFORM_PACKAGES = {
  "linux-x64": "@txn2/mcp-s3-linux-x64",
  "linux-x64-musl": "@txn2/mcp-s3-linux-x64-musl",
  "linux-arm64": "@txn2/mcp-s3-linux-arm64",
  "darwin-x64": "@txn2/mcp-s3-darwin-x64",
  "darwin-arm64": "@txn2/mcp-s3-darwin-arm64",
  "win32-x64": "@txn2/mcp-s3-win32-x64",
};

/**
 * The package that holds the binary for this platform, or undefined if there is none.
 * `libc` matters on Linux only: "glibc" or "musl".
 */
function platformPackage(platform, arch, libc) {
  const key = `${platform}-${arch}${platform === "linux" && libc === "musl" ? "-musl" : ""}`;
  return Object.hasOwn(PLATFORM_PACKAGES, key) ? PLATFORM_PACKAGES[key] : undefined;
}

/**
 * "musl" or "glibc" on Linux. Node's diagnostic report names the glibc it runs on; a Node built
 * against musl has none there, and musl systems have the musl loader in /lib.
 */
function detectLibc() {
  const header = process.report?.getReport?.()?.header;
  if (header && typeof header.glibcVersionRuntime === "string") return "glibc";
  const loader = `/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`;
  return existsSync(loader) ? "musl" : "glibc";
}

function binaryName(platform) {
  return platform === "win32" ? "mcp-s3.exe" : "mcp-s3";
}

/** Absolute path of the binary, or an explanation of why there is none. */
function locateBinary() {
  const libc = process.platform === "linux" ? detectLibc() : undefined;
  const where = `${process.platform}-${process.arch}${libc === "musl" ? " (musl)" : ""}`;
  const pkg = platformPackage(process.platform, process.arch, libc);
  if (pkg === undefined) {
    return {
      error:
        `mcp-s3: no prebuilt binary for ${where}. Supported: Linux x64 (glibc or musl) and arm64, ` +
        "macOS x64 and arm64, Windows x64. Build from source: https://github.com/txn2/mcp-s3",
    };
  }
  let dir;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return {
      error:
        `mcp-s3: the package ${pkg}, which holds the binary for ${where}, is not installed.\n` +
        "It is an optional dependency of mcp-s3: reinstall without --omit=optional / --no-optional " +
        "(and without --ignore-platform or --force), or download the release archive from " +
        "https://github.com/txn2/mcp-s3/releases",
    };
  }
  const binary = join(dir, "bin", binaryName(process.platform));
  if (!existsSync(binary)) return { error: `mcp-s3: ${binary} is missing; reinstall ${pkg}` };
  return { binary };
}

/** Signals that ask the process to stop; the binary handles them itself (graceful shutdown). */
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP"];

function run() {
  const found = locateBinary();
  if (found.error !== undefined) {
    process.stderr.write(`${found.error}\n`);
    process.exit(1);
  }
  const child = spawn(found.binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });

  // A Ctrl-C in a terminal already reaches the binary (same process group); forwarding it too would
  // deliver it twice, and a second SIGINT makes the CLI skip its cleanup. Everything else, e.g. an
  // MCP client stopping the server with SIGTERM, reaches only this process and is passed on.
  // (isatty, not process.stdin: creating that stream would switch the shared descriptor to
  // non-blocking mode under the binary's feet.)
  const interactive = isatty(0);
  const handlers = new Map();
  for (const sig of FORWARDED) {
    const handler = () => {
      if (process.platform === "win32") return; // the console delivers Ctrl-C to both processes
      if (sig === "SIGINT" && interactive) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    handlers.set(sig, handler);
    process.on(sig, handler);
  }

  child.on("error", (err) => {
    process.stderr.write(`mcp-s3: cannot start ${found.binary}: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal !== null) {
      // Die of the same signal, so the caller sees what the binary's exit status would have been.
      for (const [sig, handler] of handlers) process.off(sig, handler);
      try {
        process.kill(process.pid, signal);
        return;
      } catch {
        process.exit(1);
      }
    }
    process.exit(code ?? 1);
  });
}

module.exports = { PLATFORM_PACKAGES, platformPackage, detectLibc, binaryName };

if (require.main === module) run();
