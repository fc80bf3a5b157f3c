// Over MCP (the SDK's real client, the server as a subprocess, the real RGW): a mapped error's cause
// reaches the diagnostic log (MCP_S3_EXT_LOGGING) and nothing else: not the tool result, not the
// audit line. A server without credentials answers NoCredentials, sending nothing.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createServer } from "node:http";
import { needs } from "../support/capabilities.ts";
import { createTestBucket, getTestS3, type TestS3, testEnv } from "../support/s3.ts";
import { err, type Session, startSession } from "./harness.ts";

setDefaultTimeout(60_000);

let s3: TestS3;
let bucket: string;
const sessions: Session[] = [];

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "mcp-causes");
});

afterAll(async () => {
  for (const s of sessions) await s.close();
});

async function session(env: Record<string, string>): Promise<Session> {
  const s = await startSession(env);
  sessions.push(s);
  return s;
}

const logLines = (s: Session) =>
  s
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith('{"time"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("causes", () => {
  needs("realErrors").test(
    "a missing key: the request id is in the diagnostic log, not in the result or the audit",
    async () => {
      const s = await session({ ...testEnv(s3), MCP_S3_EXT_LOGGING: "true" });
      const result = await s.call("s3_get_object", { bucket, key: "missing.txt" });
      expect(err(result).error).toBe("NoSuchKey");
      // stderr is read as it arrives: wait for the log line.
      let failure: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && failure === undefined; i++) {
        failure = logLines(s).find((l) => l.error === "NoSuchKey");
        if (failure === undefined) await Bun.sleep(20);
      }
      const cause = failure?.cause as { request_id?: string; status?: number } | undefined;
      expect(cause).toEqual(
        expect.objectContaining({ status: 404, request_id: expect.stringMatching(/^tx/) }),
      );
      expect(JSON.stringify(result)).not.toContain(cause?.request_id as string);
      expect(s.audit()).toEqual([expect.objectContaining({ tool: "s3_get_object", error: "NoSuchKey" })]);
      expect(Object.keys(s.audit()[0] as object)).not.toContain("cause");
    },
  );
});

describe("no credentials", () => {
  test("NoCredentials naming the connection, with the ways to give credentials in the hint", async () => {
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...env } = testEnv(s3);
    const s = await session(env);
    const body = err(await s.call("s3_list_objects", { bucket }));
    expect(body).toEqual({
      error: "NoCredentials",
      message: 'no credentials found for connection "default"; no request was sent',
      hint: expect.stringContaining("AWS_ACCESS_KEY_ID"),
    });
    expect(s.audit()).toEqual([
      expect.objectContaining({ tool: "s3_list_objects", status: "error", error: "NoCredentials" }),
    ]);
  });
});

describe("an endpoint that is not S3", () => {
  test("an HTML 404 is ServiceUnavailable naming the endpoint, not NoSuchKey", async () => {
    const web = createServer((req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end(req.method === "HEAD" ? undefined : "<html>Not Found</html>");
    });
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    try {
      const address = web.address();
      const endpoint = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
      const s = await session({ ...testEnv(s3), S3_ENDPOINT: endpoint });
      for (const tool of ["s3_get_object_metadata", "s3_get_object"]) {
        expect(err(await s.call(tool, { bucket: "b", key: "k" }))).toEqual({
          error: "ServiceUnavailable",
          message: `${endpoint} answered HTTP 404 (content type text/html) without an S3 error (s3://b/k): it does not look like an S3 endpoint`,
          hint: "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration): it must be the address of the S3 API, not of a web site or a console",
        });
      }
    } finally {
      web.close();
    }
  });
});
