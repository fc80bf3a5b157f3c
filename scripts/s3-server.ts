// Starts a throwaway Ceph RGW (real S3) on loopback for demos, benchmarks and manual testing.
//
//   bun scripts/s3-server.ts [--port N] > /tmp/s3.env &   # then: . /tmp/s3.env
//
// stdout carries only `export` lines (user 1) and a comment with user 2's keys; progress goes to
// stderr. Runs until SIGINT/SIGTERM, then stops the daemons and removes the data.
import process from "node:process";
import { parseArgs } from "node:util";
import { type RgwServer, startRgw } from "./rgw.ts";

function envLines(s: RgwServer): string {
  const [u1, u2] = s.users;
  return [
    `export S3_ENDPOINT=${s.endpoint}`,
    `export AWS_ACCESS_KEY_ID=${u1.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${u1.secretAccessKey}`,
    "export S3_USE_PATH_STYLE=true",
    `export AWS_REGION=${s.region}`,
    `# second user: AWS_ACCESS_KEY_ID=${u2.accessKeyId} AWS_SECRET_ACCESS_KEY=${u2.secretAccessKey}`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string" } } });
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const t0 = Date.now();
  const server = await startRgw({
    log,
    ...(values.port === undefined ? {} : { port: Number(values.port) }),
  });
  // Safety net: whatever ends the process, the daemons must not outlive it.
  process.on("exit", () => server.stopSync());
  process.stdout.write(envLines(server));
  log(`[s3-server] Ceph RGW ready at ${server.endpoint} in ${((Date.now() - t0) / 1000).toFixed(2)}s`);
  log("[s3-server] Ctrl-C to stop");

  // The daemons are unref'd children, so keep the event loop alive ourselves until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`[s3-server] ${sig}: stopping`);
    await server.stop();
    log("[s3-server] stopped");
    clearInterval(keepAlive);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(`[s3-server] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
