// `npm run inspect -- --method tools/list` (from any folder): the MCP Inspector CLI against this
// checkout's server (`bun src/main.ts`, stdio), with the caller's environment (S3_ENDPOINT, AWS_*,
// MCP_S3_*). Examples:
//   npm run inspect -- --method tools/list
//   npm run inspect -- --method tools/call --tool-name s3_list_objects --tool-arg bucket=my-bucket
//   npm run inspect -- --method resources/templates/list
//
// inspector-cli 1.0.3 finds its own package.json with existsSync("../package.json") relative to the
// working directory and fails with "Cannot find module" from most folders (the repository root
// included); from src/ that path exists, so it is run there, with absolute paths to the server.
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";

const ROOT = join(import.meta.dir, "..");
const INSPECTOR = join(ROOT, "node_modules", ".bin", "mcp-inspector-cli");
const args = process.argv.slice(2);
if (args.length === 0 || args.includes("--help") || args.includes("-h")) {
  process.stdout.write(
    "usage: npm run inspect -- --method METHOD [--tool-name NAME --tool-arg k=v ...]\n" +
      "  e.g. npm run inspect -- --method tools/list\n" +
      "runs the MCP Inspector CLI against `bun src/main.ts` with your environment (S3_ENDPOINT, AWS_*, MCP_S3_*)\n",
  );
  process.exit(args.length === 0 ? 2 : 0);
}
const child = spawn(INSPECTOR, ["--cli", process.execPath, join(ROOT, "src", "main.ts"), ...args], {
  cwd: join(ROOT, "src"),
  stdio: "inherit",
});
child.on("error", (e) => {
  process.stderr.write(`inspect: cannot run ${INSPECTOR}: ${e.message} (run npm ci first)\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
