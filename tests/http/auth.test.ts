// §8 authorization end to end: `serve --http` as an OAuth resource server in front of RGW, tokens
// from a real OpenID provider on loopback (client credentials, resource indicators), the SDK's
// Streamable HTTP client, and every way a request must be turned away.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { base64url, decodeJwt, SignJWT } from "jose";
import { generateSigningKey, startIssuer, type TestIssuer } from "../support/oidc.ts";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import {
  connectClient,
  freePort,
  type HttpServer,
  post,
  type RecordingProxy,
  readAudit,
  sseMessages,
  startHttpServer,
  startRecordingProxy,
} from "./harness.ts";

setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
let issuer: TestIssuer;
let proxy: RecordingProxy;
let server: HttpServer;
let audience: string;
let readerToken: string;

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "auth");
  await putTestObject(s3, bucket, "data/hello.txt", "hello over http", "text/plain");
  issuer = await startIssuer({
    clients: [
      { client_id: "reader", secret: "reader-secret", scope: "s3.read" },
      { client_id: "no-scope", secret: "no-scope-secret", scope: "other" },
    ],
  });
  proxy = await startRecordingProxy(s3.endpoint);
  const port = await freePort();
  audience = `http://127.0.0.1:${port}/mcp`;
  server = await startHttpServer({
    env: {
      ...testEnv(s3),
      S3_ENDPOINT: proxy.endpoint,
      MCP_S3_EXT_LOGGING: "true",
      MCP_S3_OAUTH_ISSUER: issuer.issuer,
      MCP_S3_OAUTH_AUDIENCE: audience,
      MCP_S3_OAUTH_REQUIRED_SCOPES: "s3.read",
    },
    args: ["--http", `127.0.0.1:${port}`],
  });
  readerToken = await issuer.token("reader", audience, "s3.read");
});

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await issuer?.stop();
});

const metadataUrl = () => `http://127.0.0.1:${server.port}/.well-known/oauth-protected-resource/mcp`;

describe("a caller with a valid token", () => {
  test("works through the SDK's Streamable HTTP client, audited with its principal and request id", async () => {
    const session = await connectClient(server.url, { token: readerToken });
    try {
      const before = readAudit(server.auditFile).length;
      const result = await session.call("s3_get_object", { bucket, key: "data/hello.txt" });
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toMatchObject({ content: "hello over http" });
      const lines = readAudit(server.auditFile).slice(before);
      expect(lines).toEqual([
        expect.objectContaining({
          tool: "s3_get_object",
          key: "data/hello.txt",
          status: "success",
          source: "http",
          principal: "reader",
          request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        }),
      ]);
    } finally {
      await session.close();
    }
  });

  test("a request id sent by a load balancer is kept and echoed", async () => {
    const res = await post(server.url, { authorization: `Bearer ${readerToken}`, "x-request-id": "lb-42" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("lb-42");
    await res.text();
  });

  test("the token never reaches S3, stderr or the audit log", async () => {
    const session = await connectClient(server.url, { token: readerToken });
    await session.call("s3_list_objects", { bucket });
    await session.close();
    const signature = readerToken.split(".")[2] as string;
    expect(proxy.sent()).toContain(bucket);
    expect(proxy.sent()).not.toContain(signature);
    expect(server.stderr()).toContain('"msg":"http request"');
    expect(server.stderr()).not.toContain(signature);
    expect(JSON.stringify(readAudit(server.auditFile))).not.toContain(signature);
  });
});

describe("protected resource metadata (RFC 9728)", () => {
  for (const path of ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]) {
    test(`GET ${path}`, async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: audience,
        authorization_servers: [issuer.issuer],
        scopes_supported: ["s3.read"],
        bearer_methods_supported: ["header"],
      });
    });
  }
});

describe("refused with 401 and a challenge", () => {
  async function refused(headers: Record<string, string>) {
    const res = await post(server.url, headers);
    const body = (await res.json()) as { error?: string };
    return { status: res.status, challenge: res.headers.get("www-authenticate"), body };
  }

  test("no token: the challenge points to the metadata, without an error code", async () => {
    const r = await refused({});
    expect(r.status).toBe(401);
    expect(r.challenge).toBe(`Bearer resource_metadata="${metadataUrl()}", scope="s3.read"`);
    // The URL in the challenge serves the metadata.
    const prm = await fetch(metadataUrl());
    expect(((await prm.json()) as { resource: string }).resource).toBe(audience);
  });

  test("another scheme counts as no token", async () => {
    const r = await refused({ authorization: "Basic cmVhZGVyOnJlYWRlci1zZWNyZXQ=" });
    expect(r.status).toBe(401);
    expect(r.challenge).not.toContain("error=");
  });

  const cases: [string, () => Promise<string>, string][] = [
    ["garbage", async () => "not-a-jwt", "malformed"],
    [
      "expired (beyond the 60 s leeway)",
      () =>
        issuer.forge({
          sub: "reader",
          client_id: "reader",
          aud: audience,
          scope: "s3.read",
          exp: now() - 120,
        }),
      "expired",
    ],
    [
      "not yet valid (beyond the leeway)",
      () => issuer.forge({ sub: "reader", aud: audience, scope: "s3.read", nbf: now() + 600 }),
      "not valid yet",
    ],
    [
      "without exp",
      () => issuer.forge({ sub: "reader", aud: audience, scope: "s3.read", exp: undefined }),
      "expiry",
    ],
    [
      "wrong audience (a real token for another resource)",
      () => issuer.token("reader", "http://127.0.0.1:1/other", "s3.read"),
      "aud",
    ],
    [
      "wrong issuer (signed with the issuer's own key)",
      () => issuer.forge({ iss: "http://127.0.0.1:1", sub: "reader", aud: audience, scope: "s3.read" }),
      "issuer",
    ],
    [
      "unknown kid (a key the issuer never published)",
      async () => {
        const rogue = await generateSigningKey("ES256", "rogue-key");
        return issuer.forge({ sub: "reader", aud: audience, scope: "s3.read" }, { key: rogue });
      },
      "no key",
    ],
    [
      "a known kid, signed by another key",
      async () => {
        const rogue = await generateSigningKey("ES256", "x");
        const kid = issuer.keys.find((k) => k.alg === "ES256")?.kid as string;
        return issuer.forge({ sub: "reader", aud: audience, scope: "s3.read" }, { key: rogue, kid });
      },
      "signature",
    ],
    [
      "tampered (payload changed after signing)",
      async () => {
        const [h, , s] = readerToken.split(".");
        const claims = { ...decodeJwt(readerToken), sub: "admin", scope: "s3.read s3.write" };
        return `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
      },
      "signature",
    ],
    [
      "alg none",
      async () => {
        const header = base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt" }));
        const claims = base64url.encode(
          JSON.stringify({
            iss: issuer.issuer,
            sub: "reader",
            aud: audience,
            scope: "s3.read",
            exp: now() + 300,
          }),
        );
        return `${header}.${claims}.`;
      },
      "",
    ],
    [
      "HMAC signed with the issuer's public key",
      async () => {
        const key = issuer.keys.find((k) => k.alg === "RS256");
        const secret = new TextEncoder().encode(JSON.stringify(key?.publicJwk));
        return new SignJWT({ iss: issuer.issuer, sub: "reader", aud: audience, scope: "s3.read" })
          .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: key?.kid as string })
          .setExpirationTime("5m")
          .sign(secret);
      },
      "algorithm",
    ],
    [
      "an RS256 token when the issuer's RSA key is published (allowed algorithm, valid) but typ is id-token like",
      () =>
        issuer.forge(
          { sub: "reader", aud: audience, scope: "s3.read" },
          { key: issuer.keys.find((k) => k.alg === "RS256"), typ: "logout+jwt" },
        ),
      "access token",
    ],
  ];
  for (const [name, make, description] of cases) {
    test(name, async () => {
      const token = await make();
      const r = await refused({ authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(r.challenge).toStartWith(`Bearer resource_metadata="${metadataUrl()}", error="invalid_token"`);
      expect(r.body.error).toBe("invalid_token");
      if (description !== "") expect(r.challenge).toContain(description);
    });
  }

  test("a valid RS256 token of type JWT is accepted (both token types are)", async () => {
    const token = await issuer.forge(
      { sub: "reader", client_id: "reader", aud: audience, scope: "s3.read" },
      { key: issuer.keys.find((k) => k.alg === "RS256"), typ: "JWT" },
    );
    const res = await post(server.url, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect((await sseMessages(res))[0]).toMatchObject({ id: 1, result: { serverInfo: { name: "mcp-s3" } } });
  });
});

describe("refused with 403", () => {
  test("a valid token without the required scope: insufficient_scope", async () => {
    const token = await issuer.token("no-scope", audience, "other");
    const res = await post(server.url, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${metadataUrl()}", error="insufficient_scope", error_description="the token lacks the scope s3.read", scope="s3.read"`,
    );
  });

  test("a Host that is not this server (DNS rebinding), before the token is looked at", async () => {
    const res = await post(server.url, { host: "evil.example.com", authorization: `Bearer ${readerToken}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Host");
  });

  test("an Origin that is not allowed", async () => {
    const res = await post(server.url, {
      origin: "http://evil.example.com",
      authorization: `Bearer ${readerToken}`,
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Origin");
  });

  test("probes answer on any Host; nothing else is served", async () => {
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`, {
      headers: { host: "10.1.2.3:8080" },
    });
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    const get = await fetch(server.url, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${readerToken}` },
    });
    expect(get.status).toBe(405);
  });
});

function now(): number {
  return Math.floor(Date.now() / 1000);
}

describe("a refused request's body is never read", () => {
  test("a 401 closes the connection instead of draining what the client still sends", async () => {
    const res = await post(server.url, {}, "x".repeat(256 * 1024));
    expect(res.status).toBe(401);
    expect(res.headers.get("connection")).toBe("close");
    // An accepted request keeps its connection.
    const ok = await post(server.url, { authorization: `Bearer ${readerToken}` });
    expect(ok.headers.get("connection")).not.toBe("close");
    await ok.text();
  });
});
