// Secret leak scan (SPEC §2.3): distinctive fake credentials ("canaries") for several connections —
// from the environment, S3_ADDITIONAL_CONNECTIONS, a YAML file (literal and ${VAR}), an AWS shared
// credentials profile — plus the real test users' secrets; then every MCP tool and resource, every CLI
// command, every error path (bad endpoint, wrong secret against RGW, timeouts through the fault proxy,
// invalid configuration), `config show`, `connections`, diagnostic logging and crash paths. Every byte
// of stdout, stderr, the audit file and every MCP message is scanned: no canary may appear anywhere.
//
// The one exception, by necessity: a URL presigned with temporary credentials must carry the session
// token (X-Amz-Security-Token) or it does not work; it is allowed only there, in the presign result.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../faults/cli.ts";
import {
  BUN,
  createBucket,
  MAIN,
  productEnv,
  proxyFor,
  putObject,
  ROOT,
  rgw,
  type Sandbox,
  sandbox,
  user,
} from "../faults/env.ts";
import { type McpSession, startMcp } from "../faults/mcp.ts";
import { CAPABILITIES } from "../support/capabilities.ts";
import type { FaultProxy } from "../support/faultproxy.ts";
import type { TestS3 } from "../support/s3.ts";

setDefaultTimeout(240_000);

const C = {
  addlSecret: "LEAKCANARYSECRETaddl7Qm2Zx9Vb4Nc1",
  addlToken: "LEAKCANARYTOKENaddl3Hj8Kd5Wp0Ls6",
  profileSecret: "LEAKCANARYSECRETprof5Tg1Yr7Ue3Io9",
  profileToken: "LEAKCANARYTOKENprof2Fd6Sa8Qw4Er0",
  badEpSecret: "LEAKCANARYSECRETbadep8Mn3Bv6Cx1Z",
  slowSecret: "LEAKCANARYSECRETslow4Lk9Jh2Gf7Ds5",
  yamlSecret: "LEAKCANARYSECRETyaml1Po4Iu8Yt2Re6",
  yamlEnvSecret: "LEAKCANARYSECRETyamlenv9Wq3Ea7Sd1",
  yamlToken: "LEAKCANARYTOKENyaml6Zx2Cv8Bn4Ml0",
  badConfigSecret: "LEAKCANARYSECRETbadcfg3Rt7Yu1Io5",
} as const;

let s3: TestS3;
let box: Sandbox;
let proxy: FaultProxy;
let bucket: string;
/** Every secret that must never appear: the canaries and the real test users' secrets. */
let secrets: string[];
/** Where each leak was found: "<where>: <secret>". */
const leaks: string[] = [];
/** Bytes scanned, for the report. */
let scanned = 0;
let presignTokenExemptions = 0;
const auditFiles: string[] = [];

/** The secrets found in `text`: whole, or their distinctive tail (a truncated echo is a leak too). */
function found(text: string): string[] {
  return secrets.filter((s) => text.includes(s) || text.includes(s.slice(-16)));
}

function scan(where: string, text: string): void {
  scanned += text.length;
  for (const secret of found(text)) leaks.push(`${where}: ${secret}`);
}

/** Removes the session token parameter from a presigned URL (the one place it must be). */
function stripPresignToken(text: string): string {
  return text.replace(/X-Amz-Security-Token=[^&"\s\\]*/g, () => {
    presignTokenExemptions++;
    return "X-Amz-Security-Token=(exempt)";
  });
}

let configA: Record<string, string>;
let configB: Record<string, string>;

beforeAll(async () => {
  s3 = await rgw();
  box = sandbox("leak");
  proxy = await proxyFor(s3, 20_000);
  await proxy.set({ fault: { kind: "stall" } });
  bucket = await createBucket(s3, "leak");
  await putObject(s3, bucket, "doc.txt", "leak scan document");
  await putObject(s3, bucket, "data/a.txt", "a");
  secrets = [...Object.values(C), ...s3.users.map((u) => u.secretAccessKey)];

  // An AWS shared credentials file with its own canary secret and token.
  const aws = join(box.dir, "aws");
  mkdirSync(aws);
  const credentials = join(aws, "credentials");
  writeFileSync(
    credentials,
    `[leakprofile]\naws_access_key_id = ${user(s3, 0).accessKeyId}\naws_secret_access_key = ${C.profileSecret}\naws_session_token = ${C.profileToken}\n`,
  );
  const awsConfig = join(aws, "config");
  writeFileSync(awsConfig, "[profile leakprofile]\nregion = us-east-1\n");
  chmodSync(credentials, 0o600);

  const additional = {
    canary: {
      endpoint: s3.endpoint,
      path_style: true,
      access_key_id: user(s3, 0).accessKeyId,
      secret_access_key: C.addlSecret,
      session_token: C.addlToken,
    },
    profiled: { endpoint: s3.endpoint, path_style: true, profile: "leakprofile" },
    badep: {
      endpoint: "http://127.0.0.1:1",
      path_style: true,
      access_key_id: "AKIDBADENDPOINT",
      secret_access_key: C.badEpSecret,
      timeout: "2s",
    },
    slow: {
      endpoint: proxy.endpoint,
      path_style: true,
      access_key_id: "AKIDSLOW",
      secret_access_key: C.slowSecret,
      timeout: "1s",
    },
    second: {
      endpoint: s3.endpoint,
      path_style: true,
      // Another user's keys where the server has one (the emulator has a single account).
      access_key_id: user(s3, CAPABILITIES.secondUser ? 1 : 0).accessKeyId,
      secret_access_key: user(s3, CAPABILITIES.secondUser ? 1 : 0).secretAccessKey,
    },
  };
  const common = {
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_CONFIG_FILE: awsConfig,
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_EXT_AUDIT: "true",
  };
  // A: environment only — default connection from AWS_*, the rest from S3_ADDITIONAL_CONNECTIONS.
  configA = productEnv(s3, box, s3.endpoint, {
    ...common,
    S3_ADDITIONAL_CONNECTIONS: JSON.stringify(additional),
    MCP_S3_EXT_LOGGING: "true",
    MCP_S3_AUDIT_FILE: box.auditFile("audit-a.jsonl"),
  });
  auditFiles.push(configA.MCP_S3_AUDIT_FILE as string);

  // B: a YAML file (literal secrets and ${VAR} references) plus S3_ADDITIONAL_CONNECTIONS.
  const yaml = join(box.dir, "config.yaml");
  writeFileSync(
    yaml,
    `default_connection: main
connections:
  main:
    endpoint: ${s3.endpoint}
    path_style: true
    access_key_id: \${RGW_KEY}
    secret_access_key: \${RGW_SECRET}
  yamlconn:
    endpoint: ${s3.endpoint}
    path_style: true
    access_key_id: ${user(s3, 0).accessKeyId}
    secret_access_key: ${C.yamlSecret}
    session_token: ${C.yamlToken}
  yamlenv:
    endpoint: http://127.0.0.1:1
    path_style: true
    access_key_id: AKIDYAMLENV
    secret_access_key: \${LEAK_YAML_SECRET}
    timeout: 2s
policy:
  read_only: false
audit:
  enabled: true
`,
  );
  chmodSync(yaml, 0o600);
  const {
    AWS_ACCESS_KEY_ID: _k,
    AWS_SECRET_ACCESS_KEY: _s,
    ...withoutKeys
  } = productEnv(s3, box, s3.endpoint);
  configB = {
    ...withoutKeys,
    ...common,
    MCP_S3_CONFIG: yaml,
    RGW_KEY: user(s3, 0).accessKeyId,
    RGW_SECRET: user(s3, 0).secretAccessKey,
    LEAK_YAML_SECRET: C.yamlEnvSecret,
    S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ canary: additional.canary }),
    // No audit file: audit lines go to stderr, which is scanned.
  };
  delete configB.S3_ENDPOINT;
});

afterAll(async () => {
  await proxy?.stop();
  box?.cleanup();
});

// ---- MCP --------------------------------------------------------------------------------------

/** Every tool (and a resource read) on `conn`, all at once. */
function everyTool(m: McpSession, conn: string | undefined, tag: string): Promise<unknown>[] {
  const c = conn === undefined ? {} : { connection: conn };
  const calls: [string, Record<string, unknown>][] = [
    ["s3_list_buckets", { ...c }],
    ["s3_list_objects", { bucket, prefix: "data/", ...c }],
    ["s3_get_object", { bucket, key: "doc.txt", ...c }],
    ["s3_get_object", { bucket, key: "missing.txt", ...c }],
    ["s3_get_object_metadata", { bucket, key: "doc.txt", ...c }],
    ["s3_put_object", { bucket, key: `leak/${tag}.txt`, content: "x", ...c }],
    [
      "s3_copy_object",
      {
        source_bucket: bucket,
        source_key: "doc.txt",
        dest_bucket: bucket,
        dest_key: `leak/${tag}-copy.txt`,
        ...c,
      },
    ],
    ["s3_delete_object", { bucket, key: `leak/${tag}-copy.txt`, ...c }],
    ["s3_presign_url", { bucket, key: "doc.txt", ...c }],
    ["s3_presign_url", { bucket, key: "up.txt", method: "PUT", expires_in: 60, ...c }],
    ["s3_list_connections", {}],
    ["s3_list_objects", { bucket: "no-such-bucket-leak", ...c }],
  ];
  const out: Promise<unknown>[] = calls.map(([name, args]) => m.call(name, args).catch((e: Error) => e));
  out.push(
    m.client.readResource({ uri: `s3://${conn ?? "default"}/${bucket}/doc.txt` }).catch((e: Error) => e),
  );
  return out;
}

/** Scans everything an MCP session produced; presign results may carry the token (only there). */
function scanSession(label: string, m: McpSession): void {
  const requests = new Map<string | number, { method: string; tool?: string | undefined }>();
  for (const line of m.transport.sent.split("\n").filter((l) => l !== "")) {
    let msg: { id?: string | number; method: string; params?: { name?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue; // the deliberately malformed lines
    }
    if (msg.id !== undefined) requests.set(msg.id, { method: msg.method, tool: msg.params?.name });
  }
  for (const line of m.transport.stdout.split("\n").filter((l) => l !== "")) {
    const msg = JSON.parse(line) as { id?: string | number; result?: { isError?: boolean } };
    const req = msg.id === undefined ? undefined : requests.get(msg.id);
    const presign = req?.tool === "s3_presign_url" && msg.result !== undefined && msg.result.isError !== true;
    scan(
      `${label} MCP message ${req?.tool ?? req?.method ?? "notification"}`,
      presign ? stripPresignToken(line) : line,
    );
  }
  scan(`${label} stderr`, m.stderr());
}

describe("MCP", () => {
  test("control: the scan finds the canaries where they are (the environment given to the server)", () => {
    expect(found(JSON.stringify(configA)).length).toBeGreaterThanOrEqual(5);
    expect(found(readFileSync(configB.MCP_S3_CONFIG as string, "utf8")).length).toBeGreaterThanOrEqual(2);
    expect(found(`...${C.addlSecret.slice(-16)}`)).toEqual([C.addlSecret]);
  });

  test("config A (environment, logging on, audit file): every tool on every connection", async () => {
    const m = await startMcp(configA);
    // The canaries are really in use: each connection fails the way its credentials say.
    const codes: Record<string, string> = {};
    for (const conn of ["canary", "profiled", "badep", "nope"]) {
      const r = await m.call("s3_get_object_metadata", { bucket, key: "doc.txt", connection: conn });
      codes[conn] = String((r.structuredContent as { error?: string }).error);
    }
    expect(codes).toEqual({
      // Wrong secrets: refused by a server that checks signatures (the emulator accepts any).
      canary: CAPABILITIES.signatures ? "AccessDenied" : String(codes.canary),
      profiled: CAPABILITIES.signatures ? "AccessDenied" : String(codes.profiled),
      badep: "ServiceUnavailable",
      nope: "ConnectionNotFound",
    });
    await m.client.listTools();
    await m.client.listResourceTemplates();
    const conns = [undefined, "canary", "profiled", "badep", "second", "nope"];
    await Promise.all(conns.flatMap((c, i) => everyTool(m, c, `a${i}`)));
    // Timeouts through the stalled proxy: two calls, they take 3 x 1 s each.
    await Promise.all([
      m.call("s3_list_objects", { bucket, connection: "slow" }),
      m.call("s3_get_object", { bucket, key: "doc.txt", connection: "slow" }),
    ]);
    // Malformed input: JSON-RPC errors, not crashes.
    m.transport.sendRaw(
      '{"jsonrpc":"2.0","id":"x1","method":"tools/call","params":{"name":"s3_get_object"}}\n',
    );
    m.transport.sendRaw("this is not json\n");
    await m.call("s3_list_connections");
    expect(await m.close()).toBe(0);
    scanSession("A", m);
  });

  test("config B (YAML + additional, audit to stderr): every tool on every connection", async () => {
    const m = await startMcp(configB);
    const conns = [undefined, "main", "yamlconn", "yamlenv", "canary"];
    await Promise.all(conns.flatMap((c, i) => everyTool(m, c, `b${i}`)));
    expect(await m.close()).toBe(0);
    scanSession("B", m);
    // Audit lines went to stderr: they were scanned with it; they are there.
    expect(m.stderr()).toContain('"tool":"s3_get_object"');
  });

  test("crash path: the server killed with SIGSEGV / SIGABRT prints no secret", async () => {
    for (const sig of ["SIGSEGV", "SIGABRT"] as const) {
      const m = await startMcp(configA);
      await m.call("s3_list_connections");
      m.kill(sig);
      await m.exited;
      scanSession(`crash ${sig}`, m);
    }
  });
});

// ---- CLI --------------------------------------------------------------------------------------

async function cliScan(label: string, args: string[], env: Record<string, string>, stdin?: string) {
  const r = await runCli(args, env, stdin === undefined ? {} : { stdin });
  const presign = args.includes("presign") && r.code === 0;
  scan(`CLI ${label} stdout`, presign ? stripPresignToken(r.stdout) : r.stdout);
  scan(`CLI ${label} stderr`, r.stderr);
  return r;
}

/** Runs `jobs` with at most `n` at a time. */
async function limited(n: number, jobs: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) await (jobs[next++] as () => Promise<unknown>)();
    }),
  );
}

/** Commands that talk to S3, run on each connection. */
function s3Commands(tag: string, local: string, full: boolean): string[][] {
  const o = `s3://${bucket}`;
  const some = [
    ["ls", `${o}/`],
    ["cat", `${o}/doc.txt`],
    ["stat", "--json", `${o}/missing.txt`],
    ["put", join(local, "upload.txt"), `${o}/leak/${tag}-put.txt`],
    ["presign", "--method", "PUT", "--json", `${o}/up.txt`],
  ];
  if (!full) return some;
  return [
    ...some,
    ["buckets"],
    ["ls", "--recursive", "--json", `${o}/`],
    ["get", `${o}/doc.txt`, join(local, `${tag}-get.txt`)],
    ["cp", `${o}/doc.txt`, `${o}/leak/${tag}-cp.txt`],
    ["rm", `${o}/leak/${tag}-cp.txt`],
    ["stat", `${o}/doc.txt`],
    ["presign", `${o}/doc.txt`],
  ];
}

/** Commands that show the configuration, run once per configuration. */
const CONFIG_COMMANDS = [
  ["connections"],
  ["connections", "--json"],
  ["config", "show"],
  ["config", "show", "--json"],
  ["config", "check"],
];

describe("CLI", () => {
  test("every command on every connection, both configurations", async () => {
    const local = join(box.dir, "cli");
    mkdirSync(local);
    writeFileSync(join(local, "upload.txt"), "upload");
    const jobs: (() => Promise<unknown>)[] = [];
    // [label, environment, connections with every command, connections with the error-path subset]
    const plan: [string, Record<string, string>, (string | undefined)[], string[]][] = [
      ["A", configA, [undefined, "canary"], ["profiled", "badep", "second", "nope"]],
      ["B", configB, ["yamlconn"], ["yamlenv"]],
    ];
    for (const [cfg, env, full, subset] of plan) {
      const conns: [string | undefined, boolean][] = [
        ...full.map((c): [string | undefined, boolean] => [c, true]),
        ...subset.map((c): [string | undefined, boolean] => [c, false]),
      ];
      conns.forEach(([conn, all], i) => {
        for (const args of s3Commands(`${cfg}${i}`, local, all)) {
          const line = conn === undefined ? args : ["-c", conn, ...args];
          jobs.push(() => cliScan(`${cfg} ${line.join(" ")}`, line, env));
        }
      });
      for (const args of CONFIG_COMMANDS) jobs.push(() => cliScan(`${cfg} ${args.join(" ")}`, args, env));
    }
    for (const args of [
      ["version"],
      ["--version"],
      ["completion", "bash"],
      ["help"],
      ["ls", "--bogus-flag"],
    ]) {
      jobs.push(() => cliScan(args.join(" "), args, configA));
    }
    // Timeout path through the stalled proxy.
    jobs.push(() => cliScan("slow ls", ["-c", "slow", "ls", `s3://${bucket}/`], configA));
    jobs.push(() =>
      cliScan("put from stdin", ["put", "-", `s3://${bucket}/leak/stdin.txt`], configA, "stdin body"),
    );
    await limited(6, jobs);
  });

  test("invalid configurations name the problem without echoing the secret", async () => {
    const bad: [string, Record<string, string>][] = [
      // Not JSON: the parser's message would quote the text around the error.
      [
        "bad json",
        { ...configA, S3_ADDITIONAL_CONNECTIONS: `{"x":{"secret_access_key":"${C.badConfigSecret}"` },
      ],
      [
        "unknown key",
        { ...configA, S3_ADDITIONAL_CONNECTIONS: `{"x":{"secret_acces_key":"${C.badConfigSecret}"}}` },
      ],
      [
        "secret without key id",
        { ...configA, S3_ADDITIONAL_CONNECTIONS: `{"x":{"secret_access_key":"${C.badConfigSecret}"}}` },
      ],
      [
        "secret as a number-ish junk value",
        { ...configA, S3_ADDITIONAL_CONNECTIONS: `{"x":{"secret_access_key":["${C.badConfigSecret}"]}}` },
      ],
      [
        "endpoint with credentials",
        { ...configA, S3_ENDPOINT: `http://AKID:${C.badConfigSecret}@127.0.0.1:1` },
      ],
      [
        "bad bool with a secret set",
        { ...configA, AWS_SECRET_ACCESS_KEY: C.badConfigSecret, MCP_S3_EXT_READONLY: "maybe" },
      ],
    ];
    // A YAML file with a syntax error on the secret's line.
    const brokenYaml = join(box.dir, "broken.yaml");
    writeFileSync(
      brokenYaml,
      `connections:\n  x:\n    access_key_id: AKID\n    secret_access_key: "${C.badConfigSecret}" : oops: [\n`,
    );
    chmodSync(brokenYaml, 0o600);
    bad.push(["broken yaml", { ...configB, MCP_S3_CONFIG: brokenYaml }]);
    const typoYaml = join(box.dir, "typo.yaml");
    writeFileSync(typoYaml, `connections:\n  x:\n    secret_acess_key: ${C.badConfigSecret}\n`);
    chmodSync(typoYaml, 0o600);
    bad.push(["typo yaml", { ...configB, MCP_S3_CONFIG: typoYaml }]);
    for (const [label, env] of bad) {
      for (const args of [
        ["config", "show"],
        ["--json", "ls"],
      ]) {
        const r = await cliScan(`${label} ${args.join(" ")}`, args, env);
        expect(r.code).toBe(5);
      }
      // The MCP server refuses to start the same way.
      const r = await runServerOnce(env);
      scan(`${label} serve stderr`, r.stderr);
      scan(`${label} serve stdout`, r.stdout);
      expect(r.code).toBe(5);
    }
  });

  test("crash paths: stdout closed under a command, killed mid-transfer", async () => {
    // EPIPE: the reader goes away at once.
    for (const args of [["connections"], ["cat", `s3://${bucket}/doc.txt`], ["config", "show"]]) {
      const r = await new Promise<{ stderr: string }>((resolve) => {
        const child = spawn(BUN, [MAIN, ...args], {
          cwd: ROOT,
          env: configA,
          stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.destroy();
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (t: string) => {
          stderr += t;
        });
        child.on("close", () => resolve({ stderr }));
      });
      scan(`EPIPE ${args.join(" ")} stderr`, r.stderr);
    }
    // SIGSEGV while a command waits on the stalled proxy.
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const child = spawn(BUN, [MAIN, "-c", "slow", "cat", `s3://${bucket}/doc.txt`], {
        cwd: ROOT,
        env: configA,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (t: string) => {
        stdout += t;
      });
      child.stderr.setEncoding("utf8").on("data", (t: string) => {
        stderr += t;
      });
      setTimeout(() => child.kill("SIGSEGV"), 700);
      child.on("close", () => resolve({ stdout, stderr }));
    });
    scan("SIGSEGV cat stdout", r.stdout);
    scan("SIGSEGV cat stderr", r.stderr);
  });
});

/** `mcp-s3` (serve) with stdin closed at once: for configuration errors at start-up. */
function runServerOnce(env: Record<string, string>) {
  return runCli([], env, { stdin: "" });
}

// ---- Verdict ------------------------------------------------------------------------------------

test("audit logs: no secret, no presigned URL", () => {
  for (const file of auditFiles) {
    const text = readFileSync(file, "utf8");
    scan(`audit ${file}`, text);
    expect(text).not.toContain("X-Amz-Signature");
    expect(text).not.toContain("X-Amz-Credential");
    expect(text).not.toContain("X-Amz-Security-Token");
    expect(text).not.toMatch(/https?:\/\//);
    const lines = text.split("\n").filter((l) => l !== "");
    expect(lines.some((l) => l.includes('"tool":"s3_presign_url"'))).toBe(true);
  }
});

test("zero occurrences of any secret anywhere", () => {
  console.log(
    `leak scan: ${secrets.length} secrets, ${(scanned / 1024).toFixed(0)} KiB scanned, ${presignTokenExemptions} presigned-URL session tokens (exempt), ${leaks.length} leaks`,
  );
  expect(scanned).toBeGreaterThan(100_000);
  if (leaks.length > 0) console.log(leaks.join("\n"));
  expect(leaks).toEqual([]);
});
