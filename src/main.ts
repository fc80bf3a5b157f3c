#!/usr/bin/env bun
// The one entry point: `mcp-s3` (MCP over stdio) or `mcp-s3 COMMAND` (one ad-hoc command).
import { EXIT } from "./cli/exit.ts";
import { runCli } from "./cli/run.ts";

const code = await runCli(process.argv.slice(2), process.env);
process.exitCode = code;
// An interrupted command has cleaned up and said so: end now, as the signal's default action
// would, instead of waiting on a read that no longer matters (Deno keeps an idle stdin pipe open).
if (code === EXIT.sigint || code === EXIT.sigterm) process.exit(code);
