// Errors that name their cause (issue 14, SPEC §5 codes, §6 exit codes), end to end through the CLI:
// an endpoint that is not S3 (real HTTP servers on loopback answering web pages), a refused
// connection, a host that does not resolve, a TLS mismatch, a timeout (which limit, how many
// attempts), a scheme-less S3_ENDPOINT, S3's own 503 (the only "try again later"), and a key ending
// in "/" that names a folder (against the real test S3 server). Exact error lines and exit codes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { type FaultProxy, startFaultProxy } from "../support/faultproxy.ts";
import {
  createTestBucket,
  getTestS3,
  putTestObject,
  type TestS3,
  testEnv,
  testObjectExists,
} from "../support/s3.ts";
import { run, tempDir } from "./helpers.ts";

setDefaultTimeout(90_000);

let s3: TestS3;
let bucket: string;
let proxy: FaultProxy;
const servers: Server[] = [];
const tmp = tempDir("mcp-s3-endpoint-errors-");

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "endpoint-errors");
  await putTestObject(s3, bucket, "dir/a.txt", new TextEncoder().encode("a"));
  proxy = await startFaultProxy({ upstream: s3.endpoint, lifetimeMs: 10 * 60_000 });
});

afterAll(async () => {
  await proxy?.stop();
  for (const s of servers) s.close();
  tmp.remove();
});

/** A real HTTP server on loopback, answering every request with `answer`. */
async function httpServer(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(answer);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}

/** A web server: every answer is `status` with an HTML page (no body on HEAD, as HTTP requires). */
function webServer(status: number, type: string | null = "text/html; charset=utf-8") {
  return httpServer((req, res) => {
    res.writeHead(status, type === null ? {} : { "content-type": type });
    res.end(req.method === "HEAD" ? undefined : "<html><body><h1>Not Found</h1></body></html>");
  });
}

/** The CLI against `endpoint` with the test server's credentials (any keys would do for a web server). */
function cli(endpoint: string, args: string[], extra: Record<string, string> = {}) {
  return run(args, { env: { ...testEnv(s3), S3_ENDPOINT: endpoint, ...extra }, timeoutMs: 60_000 });
}

async function expectError(
  r: Promise<{ code: number; stderr: string; stdout: string }>,
  code: number,
  line: string,
) {
  const result = await r;
  expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({
    code,
    stderr: `${line}\n`,
    stdout: "",
  });
}

describe("an endpoint that answers, but not as S3", () => {
  test("an HTML 404 is not NoSuchKey: a HEAD (no body), a GET and a listing all say so", async () => {
    const web = await webServer(404);
    const answered = `mcp-s3: ServiceUnavailable: ${web} answered HTTP 404 (content type text/html; charset=utf-8) without an S3 error`;
    const tail = "it does not look like an S3 endpoint";
    await expectError(cli(web, ["stat", "s3://b/k"]), 1, `${answered} (s3://b/k): ${tail}`);
    await expectError(cli(web, ["cat", "s3://b/k"]), 1, `${answered} (s3://b/k): ${tail}`);
    await expectError(cli(web, ["ls", "s3://b/"]), 1, `${answered} (bucket "b"): ${tail}`);
  });

  test("--json: the hint says to check the endpoint", async () => {
    const web = await webServer(404);
    const r = await cli(web, ["--json", "stat", "s3://b/k"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual({
      error: "ServiceUnavailable",
      message: `${web} answered HTTP 404 (content type text/html; charset=utf-8) without an S3 error (s3://b/k): it does not look like an S3 endpoint`,
      hint: "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration): it must be the address of the S3 API, not of a web site or a console",
    });
  });

  test("a HEAD 404 with neither S3's headers nor a content type is not S3's either", async () => {
    const bare = await webServer(404, null);
    await expectError(
      cli(bare, ["stat", "s3://b/k"]),
      1,
      `mcp-s3: ServiceUnavailable: ${bare} answered HTTP 404 (no content type) without an S3 error (s3://b/k): it does not look like an S3 endpoint`,
    );
  });

  test("a web server answering 200 is not an empty bucket list, listing or object", async () => {
    const web = await webServer(200, "text/html");
    const answered = `mcp-s3: ServiceUnavailable: ${web} answered HTTP 200 (content type text/html), which is not an S3 answer`;
    await expectError(cli(web, ["buckets"]), 1, `${answered}: it does not look like an S3 endpoint`);
    await expectError(
      cli(web, ["ls", "s3://b/"]),
      1,
      `${answered} (bucket "b"): it does not look like an S3 endpoint`,
    );
    // A HEAD answered 200 without the ETag S3 always sends for an object.
    await expectError(
      cli(web, ["stat", "s3://b/k"]),
      1,
      `${answered} (s3://b/k): it does not look like an S3 endpoint`,
    );
  });

  test("a proxy's 502 page and a redirect say what answered", async () => {
    const gateway = await webServer(502, "text/html");
    await expectError(
      cli(gateway, ["ls", "s3://b/"]),
      1,
      `mcp-s3: ServiceUnavailable: ${gateway} answered HTTP 502 (content type text/html) without an S3 error (bucket "b"): a proxy or gateway answered, the S3 service behind it may be down`,
    );
    const moved = await webServer(301, "text/html");
    await expectError(
      cli(moved, ["ls", "s3://b/"]),
      1,
      `mcp-s3: ServiceUnavailable: ${moved} answered HTTP 301 (content type text/html) without an S3 error (bucket "b"): it redirects elsewhere`,
    );
  });

  test("a HEAD 404 as application/xml without x-amz- headers (the embedded s3rver's) is S3's: NoSuchKey", async () => {
    // The bucket exists (HEAD bucket 200), the key does not.
    const s3like = await httpServer((req, res) => {
      const bucketOnly = /^\/b\/?(\?|$)/.test(req.url ?? "");
      res.writeHead(bucketOnly ? 200 : 404, { "content-type": "application/xml" });
      res.end();
    });
    await expectError(cli(s3like, ["stat", "s3://b/k"]), 4, "mcp-s3: NoSuchKey: no such key (s3://b/k)");
  });

  test("the real S3 server's HEAD 404 (with x-amz-request-id) stays NoSuchKey / NoSuchBucket", async () => {
    await expectError(
      cli(s3.endpoint, ["stat", `s3://${bucket}/missing.txt`]),
      4,
      `mcp-s3: NoSuchKey: no such key (s3://${bucket}/missing.txt)`,
    );
    await expectError(
      cli(s3.endpoint, ["stat", "s3://no-such-bucket-errmsg/k"]),
      4,
      'mcp-s3: NoSuchBucket: no such bucket (bucket "no-such-bucket-errmsg")',
    );
  });
});

describe("network failures name the endpoint", () => {
  test("a refused connection: nothing listens there, no 'try again later'", async () => {
    const r = await cli("http://127.0.0.1:1", ["--json", "ls", "s3://b/"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual({
      error: "ServiceUnavailable",
      message:
        'cannot connect to http://127.0.0.1:1: connection refused, nothing listens at 127.0.0.1:1, after 3 attempts (bucket "b")',
      hint: "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration), and that the S3 server is running and listens on that host and port",
    });
    await expectError(
      cli("http://127.0.0.1:1", ["stat", "s3://b/k"]),
      1,
      "mcp-s3: ServiceUnavailable: cannot connect to http://127.0.0.1:1: connection refused, nothing listens at 127.0.0.1:1, after 3 attempts (s3://b/k)",
    );
  });

  test("a host that does not resolve is named", async () => {
    const r = await cli("http://no-such-host.invalid:9000", ["stat", "s3://b/k"]);
    expect(r.code).toBe(1);
    // A resolver without network may say "temporary failure" (EAI_AGAIN) instead of "not found".
    expect(r.stderr).toMatch(
      /^mcp-s3: ServiceUnavailable: cannot connect to http:\/\/no-such-host\.invalid:9000: the host "no-such-host\.invalid" was not found \((no such host|a temporary DNS failure)\), after 3 attempts \(s3:\/\/b\/k\)\n$/,
    );
  });

  test("https:// to a server without TLS: the handshake failed, and the hint says http://", async () => {
    const plain = await webServer(200, "text/html");
    const tls = plain.replace("http://", "https://");
    const r = await cli(tls, ["--json", "ls", "s3://b/"]);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stderr);
    expect(body.error).toBe("ServiceUnavailable");
    expect(body.message).toMatch(
      new RegExp(
        `^cannot connect to ${tls.replaceAll(".", "\\.")}: the TLS handshake failed \\([A-Za-z_]+\\), after \\d attempts? \\(bucket "b"\\)$`,
      ),
    );
    expect(body.hint).toContain("for a server without TLS write the endpoint with http://");
  });

  test("a timeout names the limit, its value and the attempts", async () => {
    const silent = await httpServer(() => {
      // Never answers; the request is cut off by S3_TIMEOUT.
    });
    await expectError(
      cli(silent, ["stat", "s3://b/k"], { S3_TIMEOUT: "300ms" }),
      1,
      `mcp-s3: Timeout: request timed out (s3://b/k): no answer from ${silent} within 300ms (the limit set by S3_TIMEOUT or the connection's timeout), after 3 attempts`,
    );
    // The same limit written in the YAML file of a named connection.
    const config = join(tmp.path, "timeout.yaml");
    await Bun.write(
      config,
      `connections:\n  slow:\n    endpoint: ${silent}\n    path_style: true\n    timeout: 400ms\n    access_key_id: a\n    secret_access_key: b\n`,
    );
    const { S3_ENDPOINT: _e, AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...env } = testEnv(s3);
    const r = await run(["--config", config, "ls", "s3://b/"], { env, timeoutMs: 60_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: `mcp-s3: Timeout: request timed out (bucket "b"): no answer from ${silent} within 400ms (the limit set by S3_TIMEOUT or the connection's timeout), after 3 attempts\n`,
    });
  });

  test("S3's own 503 SlowDown is the one 'try again later'", async () => {
    await proxy.set({ kind: "status", status: 503 });
    try {
      // A GET has S3's error code in its body; a HEAD answer has only the status.
      for (const [command, location, said] of [
        ["ls", `s3://${bucket}/dir/`, `(bucket "${bucket}"): SlowDown (HTTP 503)`],
        ["stat", `s3://${bucket}/dir/a.txt`, `(s3://${bucket}/dir/a.txt): HTTP 503`],
      ] as const) {
        const r = await cli(proxy.endpoint, ["--json", command, location]);
        expect(r.code).toBe(1);
        expect(JSON.parse(r.stderr)).toEqual({
          error: "ServiceUnavailable",
          message: `S3 endpoint unavailable ${said}, after 3 attempts`,
          hint: "the S3 service is overloaded or briefly down; try again later",
        });
      }
    } finally {
      await proxy.pass();
    }
  });
});

describe("configuration", () => {
  test.each([["localhost:9000"], ["minio.local"]])(
    "a scheme-less S3_ENDPOINT (%s) is a configuration error, exit 5",
    async (endpoint) => {
      await expectError(
        cli(endpoint, ["ls", "s3://b/"]),
        5,
        `mcp-s3: InvalidConfig: invalid configuration (1 problem):\n  - S3_ENDPOINT: ${JSON.stringify(endpoint)} is not valid; expected a URL with its scheme: http:// (a server without TLS) or https:// in front (the scheme is not guessed), such as http://127.0.0.1:8333`,
      );
    },
  );
});

describe("a key ending in '/' names a folder", () => {
  test.each([
    ["stat", (b: string) => ["stat", `s3://${b}/dir/`]],
    ["cat", (b: string) => ["cat", `s3://${b}/dir/`]],
    ["get FILE", (b: string) => ["get", `s3://${b}/dir/`, join(tmp.path, "out")]],
  ] as const)("%s s3://b/dir/ with keys under it: exit 4, pointing at ls", async (_name, args) => {
    await expectError(
      cli(s3.endpoint, [...args(bucket)]),
      4,
      `mcp-s3: NoSuchKey: no object s3://${bucket}/dir/ (a key ending in "/" is a folder: to see what is under it, use ls s3://${bucket}/dir/)`,
    );
  });

  test("rm s3://b/dir/: exit 4, pointing at rm -r (nothing deleted)", async () => {
    await expectError(
      cli(s3.endpoint, ["rm", `s3://${bucket}/dir/`], { MCP_S3_EXT_READONLY: "false" }),
      4,
      `mcp-s3: NoSuchKey: no object s3://${bucket}/dir/ (a key ending in "/" is a folder: to delete everything under it, use rm -r s3://${bucket}/dir/)`,
    );
    expect(await testObjectExists(s3, bucket, "dir/a.txt")).toBe(true);
  });
});
