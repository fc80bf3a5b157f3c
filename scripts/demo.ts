// `npm run demo`: mcp-s3 as an AI assistant sees it, in a few seconds, with nothing to configure.
//
// Starts a throwaway S3 server (Ceph RGW on loopback, else the embedded s3rver emulator), puts a few sample objects in a bucket (some of
// them under secrets/), starts `bun src/main.ts` the way an MCP client does (stdio, environment
// variables only: read-only by default, prefix ACL denying secrets/, audit to a file), and shows the
// tools, a listing, a read, a refused write, a refused secret and the audit log. Then it stops
// everything it started.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { isRgwInstalled, startRgw } from "./rgw.ts";
import { isS3rverAvailable, startS3rver } from "./s3rver.ts";

const ROOT = join(import.meta.dir, "..");
const BUCKET = "demo-bucket";
const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint("1");
const dim = paint("2");
const green = paint("32");
const red = paint("31");
const cyan = paint("36");

function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}
function heading(title: string): void {
  say();
  say(bold(cyan(`== ${title}`)));
}
function indent(text: string, by = "   "): string {
  return text
    .split("\n")
    .map((l) => `${by}${l}`)
    .join("\n");
}
/** Wraps prose at `width` columns, keeping a list item's continuation lines under its text. */
function wrap(text: string, width = 100): string {
  return text
    .split("\n")
    .map((line) => {
      const hang = line.startsWith("- ") ? "  " : "";
      const out: string[] = [];
      let cur = "";
      for (const word of line.split(" ")) {
        if (cur !== "" && cur.length + 1 + word.length > width) {
          out.push(cur);
          cur = hang + word;
        } else cur = cur === "" ? word : `${cur} ${word}`;
      }
      out.push(cur);
      return out.join("\n");
    })
    .join("\n");
}

const SAMPLES: [key: string, body: string | Uint8Array, type: string][] = [
  ["reports/2024/q1.csv", "region,revenue\nnorth,1200\nsouth,950\n", "text/csv"],
  ["reports/2024/q2.csv", "region,revenue\nnorth,1320\nsouth,1010\n", "text/csv"],
  [
    "docs/readme.md",
    "# Demo bucket\n\nQuarterly reports live under reports/. Ask the assistant to summarise them.\n",
    "text/markdown",
  ],
  ["images/pixel.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "image/png"],
  ["secrets/api-keys.txt", "PAYMENTS_API_KEY=demo-not-a-real-key\n", "text/plain"],
  ["secrets/db-password.txt", "hunter2\n", "text/plain"],
];

/** The S3 server the demo talks to: whatever this machine has, in the order of issue 14. */
interface DemoServer {
  readonly label: string;
  readonly endpoint: string;
  readonly region: string;
  readonly user: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/**
 * Ceph RGW when installed (a real S3), else the embedded s3rver emulator (a devDependency), else an
 * endpoint the user named in S3_ENDPOINT. The user's endpoint comes last on purpose: the demo
 * creates a bucket and writes sample "secrets" to it, which it must not do to a server that merely
 * happens to be configured in the shell.
 */
async function startServer(): Promise<DemoServer | string> {
  if (isRgwInstalled()) {
    const rgw = await startRgw();
    return { label: "Ceph RGW (real S3) on loopback", ...rgw, user: rgw.users[0], stop: () => rgw.stop() };
  }
  if (await isS3rverAvailable()) {
    const s = await startS3rver();
    return {
      label: "the embedded s3rver emulator on loopback (Ceph RGW is not installed)",
      ...s,
      user: s.users[0],
      stop: () => s.stop(),
    };
  }
  const endpoint = process.env.S3_ENDPOINT;
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (endpoint && accessKeyId && secretAccessKey) {
    return {
      label: `your S3_ENDPOINT ${endpoint} (neither Ceph RGW nor s3rver is installed)`,
      endpoint,
      region: process.env.AWS_REGION ?? "us-east-1",
      user: { accessKeyId, secretAccessKey },
      stop: async () => {},
    };
  }
  return "no S3 server to run against: install Ceph RGW (sudo apt-get install radosgw ceph-mon ceph-osd), or run `npm ci` (which installs the s3rver emulator), or set S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "mcp-s3-demo-"));
  let server: DemoServer | undefined;
  let client: Client | undefined;
  try {
    say(
      bold("mcp-s3 demo: an MCP client talking to `bun src/main.ts` over stdio, against a local S3 server"),
    );
    const started = await startServer();
    if (typeof started === "string") {
      process.stderr.write(`demo: ${started}\n`);
      return 1;
    }
    server = started;
    const user = server.user;
    const s3 = new S3Client({
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await Promise.all(
      SAMPLES.map(([Key, Body, ContentType]) =>
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ContentType })),
      ),
    );
    s3.destroy();
    say(
      dim(
        `S3 server: ${server.label} at ${server.endpoint}, ${SAMPLES.length} objects in s3://${BUCKET}/ (two under secrets/)`,
      ),
    );

    const auditFile = join(dir, "audit.jsonl");
    mkdirSync(join(dir, "home"));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: join(dir, "home"),
      XDG_CONFIG_HOME: join(dir, "home"),
      AWS_EC2_METADATA_DISABLED: "true",
      S3_ENDPOINT: server.endpoint,
      S3_USE_PATH_STYLE: "true",
      AWS_REGION: server.region,
      AWS_ACCESS_KEY_ID: user.accessKeyId,
      AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
      MCP_S3_EXT_PREFIXACL: "true",
      MCP_S3_DENIED_PREFIXES: "secrets/",
      MCP_S3_EXT_AUDIT: "true",
      MCP_S3_AUDIT_FILE: auditFile,
    };
    heading("The server's configuration: environment variables only");
    for (const k of ["MCP_S3_EXT_PREFIXACL", "MCP_S3_DENIED_PREFIXES", "MCP_S3_EXT_AUDIT"])
      say(`   ${k}=${env[k]}`);
    say(dim("   (read-only mode and size limits are on by default)"));

    client = new Client({ name: "mcp-s3-demo", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(ROOT, "src/main.ts")],
        cwd: ROOT,
        env,
      }),
    );

    heading("What the server tells the model before any call (its instructions)");
    say(indent(wrap(client.getInstructions() ?? "(none)")));

    heading("Tools");
    const { tools } = await client.listTools();
    for (const t of tools) {
      const a = t.annotations ?? {};
      const kind =
        a.readOnlyHint === true ? green("read ") : a.destructiveHint === true ? red("write") : "url  ";
      say(`   ${t.name.padEnd(24)} ${kind}  ${t.title ?? ""}`);
    }

    const call = async (name: string, args: Record<string, unknown>) => {
      say(dim(`   -> ${name} ${JSON.stringify(args)}`));
      return (await client?.callTool({ name, arguments: args })) as CallToolResult;
    };
    const show = (r: CallToolResult, render: (s: Record<string, unknown>) => string) => {
      const s = (r.structuredContent ?? {}) as Record<string, unknown>;
      if (r.isError === true) {
        say(`   ${red(`refused: ${s.error}`)}: ${s.message}`);
        say(dim(`   hint: ${s.hint}`));
      } else {
        say(indent(render(s)));
      }
    };

    heading("Listing the bucket (secrets/ is filtered out)");
    show(await call("s3_list_objects", { bucket: BUCKET }), (s) =>
      // Sorted here: s3rver lists in file-system order, S3 in byte order; the transcript is the same.
      (s.objects as { key: string; size: number }[])
        .toSorted((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map((o) => `${o.key.padEnd(28)} ${o.size} bytes`)
        .join("\n"),
    );

    heading("Reading an object");
    show(await call("s3_get_object", { bucket: BUCKET, key: "reports/2024/q1.csv" }), (s) =>
      String(s.content).trimEnd(),
    );

    heading("Writing (refused: read-only is the default)");
    show(
      await call("s3_put_object", {
        bucket: BUCKET,
        key: "reports/2024/q3.csv",
        content: "region,revenue\n",
      }),
      () => "",
    );

    heading("Reading a secret (refused: secrets/ is a denied prefix)");
    show(await call("s3_get_object", { bucket: BUCKET, key: "secrets/api-keys.txt" }), () => "");

    await client.close();
    client = undefined;

    heading(`Audit log (${auditFile})`);
    say(indent(readFileSync(auditFile, "utf8").trimEnd()));
  } finally {
    await client?.close().catch(() => {});
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  say();
  say(dim(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; the server and S3 have been stopped`));
  return 0;
}

process.exitCode = await main();
