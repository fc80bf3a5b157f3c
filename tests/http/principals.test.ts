// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references in the YAML under test
// Two callers, two policies (§8 `http.principals`): each caller sees only its connections and is
// decided by the one gate with its own effective policy; an unmatched caller is refused when
// `require_principal` is set; request bodies are limited by what the caller's policy allows.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { err, ok } from "../mcp/harness.ts";
import { startIssuer, type TestIssuer } from "../support/oidc.ts";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import {
  connectClient,
  freePort,
  type HttpServer,
  type HttpSession,
  post,
  readAudit,
  sseMessages,
  startHttpServer,
  tempDir,
  writeConfigFile,
} from "./harness.ts";

setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
let issuer: TestIssuer;
let server: HttpServer;
let audience: string;
let writer: HttpSession;
let reader: HttpSession;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "princ");
  await putTestObject(s3, bucket, "public/readme.txt", "for everyone", "text/plain");
  await putTestObject(s3, bucket, "team/plan.txt", "for the team", "text/plain");
  issuer = await startIssuer({
    clients: [
      { client_id: "writer", secret: "w-secret", scope: "s3.read" },
      { client_id: "reader", secret: "r-secret", scope: "s3.read", claims: { groups: ["staff", "readers"] } },
      { client_id: "stranger", secret: "s-secret", scope: "s3.read", claims: { groups: ["readers-not"] } },
    ],
  });
  const port = await freePort();
  audience = `http://127.0.0.1:${port}/mcp`;
  const env = testEnv(s3);
  const config = writeConfigFile(
    tempDir(),
    `default_connection: main
connections:
  main:
    endpoint: ${s3.endpoint}
    region: ${s3.region}
    path_style: true
    access_key_id: \${AWS_ACCESS_KEY_ID}
    secret_access_key: \${AWS_SECRET_ACCESS_KEY}
  other:
    endpoint: ${s3.endpoint}
    region: ${s3.region}
    path_style: true
    access_key_id: \${AWS_ACCESS_KEY_ID}
    secret_access_key: \${AWS_SECRET_ACCESS_KEY}
policy:
  read_only: true
http:
  auth:
    issuer: ${issuer.issuer}
    audience: ${audience}
    required_scopes: [s3.read]
  require_principal: true
  principals:
    - match: {client_id: writer}
      connections: [main]
      policy: {read_only: false, max_put_size: 2MB}
    - match: {claims: {groups: readers}}
      connections: [main]
      policy: {prefix_acl: true, allowed_prefixes: [public/]}
`,
  );
  server = await startHttpServer({
    env: { ...env, MCP_S3_CONFIG: config },
    args: ["--http", `127.0.0.1:${port}`],
  });
  for (const id of ["writer", "reader", "stranger"]) tokens[id] = await issuer.token(id, audience, "s3.read");
  writer = await connectClient(server.url, { token: tokens.writer as string });
  reader = await connectClient(server.url, { token: tokens.reader as string });
});

afterAll(async () => {
  await writer?.close();
  await reader?.close();
  await server?.stop();
  await issuer?.stop();
});

describe("each caller gets its own policy from the one gate", () => {
  test("the writer may write; the reader is read-only (the top-level policy)", async () => {
    const before = readAudit(server.auditFile).length;
    ok(await writer.call("s3_put_object", { bucket, key: "team/new.txt", content: "written" }));
    const refused = err(await reader.call("s3_put_object", { bucket, key: "public/new.txt", content: "no" }));
    expect(refused.error).toBe("ReadOnlyMode");
    expect(readAudit(server.auditFile).slice(before)).toEqual([
      expect.objectContaining({
        tool: "s3_put_object",
        status: "success",
        principal: "writer",
        source: "http",
      }),
      expect.objectContaining({
        tool: "s3_put_object",
        status: "denied",
        error: "ReadOnlyMode",
        principal: "reader",
        source: "http",
      }),
    ]);
  });

  test("the reader's prefix ACL filters its listings and refuses its reads outside public/", async () => {
    const mine = ok<{ common_prefixes: string[] }>(
      await reader.call("s3_list_objects", { bucket, delimiter: "/" }),
    );
    expect(mine.common_prefixes).toEqual(["public/"]);
    const theirs = ok<{ common_prefixes: string[] }>(
      await writer.call("s3_list_objects", { bucket, delimiter: "/" }),
    );
    expect(theirs.common_prefixes).toEqual(["public/", "team/"]);
    expect(err(await reader.call("s3_get_object", { bucket, key: "team/plan.txt" })).error).toBe(
      "PrefixDenied",
    );
    expect(ok(await reader.call("s3_get_object", { bucket, key: "public/readme.txt" }))).toMatchObject({
      content: "for everyone",
    });
  });

  test("each sees only its connections, also in s3_list_connections", async () => {
    const listed = ok<{ connections: { name: string; policy: { read_only: boolean } }[] }>(
      await writer.call("s3_list_connections"),
    );
    expect(listed.connections.map((c) => [c.name, c.policy.read_only])).toEqual([["main", false]]);
    const forReader = ok<{ connections: { name: string; policy: { read_only: boolean } }[] }>(
      await reader.call("s3_list_connections"),
    );
    expect(forReader.connections.map((c) => [c.name, c.policy.read_only])).toEqual([["main", true]]);
    expect(err(await reader.call("s3_list_buckets", { connection: "other" })).error).toBe(
      "ConnectionNotFound",
    );
  });

  test("the instructions state the caller's own policy", () => {
    expect(writer.client.getInstructions()).not.toContain("Read-only: writes are disabled");
    expect(reader.client.getInstructions()).toContain("Read-only: writes are disabled");
    expect(reader.client.getInstructions()).toContain("public/");
    expect(reader.client.getInstructions()).not.toContain('"other"');
  });

  test("an unmatched caller is refused (require_principal)", async () => {
    const res = await post(server.url, { authorization: `Bearer ${tokens.stranger}` });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "access_denied" });
  });
});

describe("request bodies are limited by the caller's policy, before they are buffered", () => {
  const call = (content: string) =>
    JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "s3_put_object", arguments: { bucket, key: "public/big.bin", content } },
    });
  const big = "x".repeat(1536 * 1024); // 1.5 MiB: more than a read-only caller could need

  test("a declared length over the reader's limit: 413", async () => {
    const res = await post(server.url, { authorization: `Bearer ${tokens.reader}` }, call(big));
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
  });

  test("a streamed body without a length is cut off at the limit: 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far more than the limit: the server must stop reading long before the end.
        if (sent++ < 400) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(server.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tokens.reader}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(400);
  });

  test("the same body from the writer (whose policy allows the upload) is taken", async () => {
    const res = await post(server.url, { authorization: `Bearer ${tokens.writer}` }, call(big));
    expect(res.status).toBe(200);
    const [message] = await sseMessages(res);
    expect(message).toMatchObject({ id: 7, result: { structuredContent: { key: "public/big.bin" } } });
  });
});
