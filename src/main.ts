#!/usr/bin/env bun
// The one entry point: `mcp-s3` (MCP over stdio) or `mcp-s3 COMMAND` (one ad-hoc command).
import { runCli } from "./cli/run.ts";

process.exitCode = await runCli(process.argv.slice(2), process.env);
