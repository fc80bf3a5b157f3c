// Every refusal through a real MCP client: read-only mode, size limits, prefix ACLs (copy at both
// ends, filtered listings), denied buckets and unknown connections. Each refusal must come back as an
// isError result naming the rule, leave S3 untouched and write one `denied` audit line.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { needs } from "../support/capabilities.ts";
import {
  createTestBucket,
  getTestObject,
  getTestS3,
  listAllKeys,
  listMultipartUploads,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { type AuditLine, err, ok, type Session, startSession, tempDir, writeConfigFile } from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

let s3: TestS3;

/** Calls a tool that must be refused with `code`; checks the result and the one audit line it wrote. */
async function refused(
  session: Session,
  tool: string,
  args: Record<string, unknown>,
  code: string,
  status: AuditLine["status"] = "denied",
): Promise<string> {
  const before = session.audit().length;
  const e = err(await session.call(tool, args));
  expect({ tool, error: e.error }).toEqual({ tool, error: code });
  expect(e.message.length).toBeGreaterThan(10);
  expect(e.hint.length).toBeGreaterThan(10);
  const lines = session.audit().slice(before);
  expect(lines).toEqual([expect.objectContaining({ tool, status, error: code, source: "mcp" })]);
  return e.message;
}

/** Every key of every bucket, to prove a refusal wrote nothing. */
async function snapshot(buckets: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const b of buckets) out[b] = await listAllKeys(s3, b);
  return out;
}

beforeAll(async () => {
  s3 = await getTestS3();
});

describe("read-only mode (the default)", () => {
  let session: Session;
  let bucket: string;
  let before: Record<string, string[]>;

  beforeAll(async () => {
    bucket = await createTestBucket(s3);
    await putTestObject(s3, bucket, "data/a.txt", "original");
    before = await snapshot([bucket]);
    session = await startSession(testEnv(s3));
  });
  afterAll(async () => {
    await session?.close();
  });

  test("the instructions and the write tools' descriptions say so", async () => {
    const instructions = session.client.getInstructions() ?? "";
    expect(instructions).toContain("Read-only: writes are disabled");
    const { tools } = await session.client.listTools();
    for (const name of ["s3_put_object", "s3_delete_object", "s3_copy_object"]) {
      expect(tools.find((t) => t.name === name)?.description).toContain("disabled: this server is read-only");
    }
    expect(tools.find((t) => t.name === "s3_presign_url")?.description).toContain(
      "PUT URLs are currently disabled: this server is read-only",
    );
    // Write tools stay listed.
    expect(tools).toHaveLength(9);
  });

  test("put, delete, copy and presigned PUT are refused with ReadOnlyMode", async () => {
    const msg = await refused(
      session,
      "s3_put_object",
      { bucket, key: "data/new.txt", content: "x" },
      "ReadOnlyMode",
    );
    expect(msg).toContain("read-only");
    await refused(
      session,
      "s3_put_object",
      { bucket, key: "data/a.txt", content: "overwrite" },
      "ReadOnlyMode",
    );
    // The gate decides before the body is even decoded.
    await refused(
      session,
      "s3_put_object",
      { bucket, key: "data/b.bin", content: "!!", is_base64: true },
      "ReadOnlyMode",
    );
    await refused(session, "s3_delete_object", { bucket, key: "data/a.txt" }, "ReadOnlyMode");
    await refused(
      session,
      "s3_copy_object",
      { source_bucket: bucket, source_key: "data/a.txt", dest_bucket: bucket, dest_key: "data/copy.txt" },
      "ReadOnlyMode",
    );
    await refused(session, "s3_presign_url", { bucket, key: "data/up.txt", method: "PUT" }, "ReadOnlyMode");
    // Reads still work.
    expect(
      ok<{ content: string }>(await session.call("s3_get_object", { bucket, key: "data/a.txt" })).content,
    ).toBe("original");
    ok(await session.call("s3_presign_url", { bucket, key: "data/a.txt", method: "GET" }));
  });

  needs("multipartAdmin").test("nothing was written, deleted or left half-uploaded", async () => {
    expect(await snapshot([bucket])).toEqual(before);
    expect(await getTestObject(s3, bucket, "data/a.txt")).toEqual(new TextEncoder().encode("original"));
    expect(await listMultipartUploads(s3, bucket)).toEqual([]);
  });
});

describe("prefix ACL, size limits and bucket lists (writable server, YAML policy)", () => {
  let session: Session;
  let bucket: string;
  let denied: string;
  let before: Record<string, string[]>;
  const BIG = "x".repeat(2048);

  beforeAll(async () => {
    bucket = await createTestBucket(s3);
    denied = await createTestBucket(s3);
    await putTestObject(s3, bucket, "data/ok.txt", "fine");
    await putTestObject(s3, bucket, "data/big.txt", BIG);
    await putTestObject(s3, bucket, "data/private/p.txt", "private");
    await putTestObject(s3, bucket, "public/pub.txt", "public");
    await putTestObject(s3, bucket, "secrets/s.txt", "secret");
    await putTestObject(s3, bucket, "root.txt", "root");
    await putTestObject(s3, denied, "data/d.txt", "in a denied bucket");
    before = await snapshot([bucket, denied]);
    const dir = tempDir();
    const config = writeConfigFile(
      dir,
      `connections:
  default:
    endpoint: \${S3_ENDPOINT}
    path_style: true
    region: us-east-1
    access_key_id: \${AWS_ACCESS_KEY_ID}
    secret_access_key: \${AWS_SECRET_ACCESS_KEY}
policy:
  read_only: false
  max_get_size: 1KB
  max_put_size: 1KB
  prefix_acl: true
  allowed_prefixes: [data/, public/]
  denied_prefixes: [data/private/]
  denied_buckets: [${denied}]
`,
    );
    session = await startSession({ ...testEnv(s3), MCP_S3_CONFIG: config });
  });
  afterAll(async () => {
    await session?.close();
  });

  test("the instructions state the rules", () => {
    const text = session.client.getInstructions() ?? "";
    expect(text).toContain("Writes are allowed");
    expect(text).toContain("keys under data/private/ are denied");
    expect(text).toContain("only keys under data/, public/ are accessible");
    expect(text).toContain(`the bucket ${denied} is denied`);
    expect(text).toContain("at most 1KiB (1024 bytes)");
  });

  test("reads under a denied prefix or outside every allowed prefix are refused", async () => {
    const deniedMsg = await refused(
      session,
      "s3_get_object",
      { bucket, key: "data/private/p.txt" },
      "PrefixDenied",
    );
    expect(deniedMsg).toContain('denied prefix "data/private/"');
    const outsideMsg = await refused(
      session,
      "s3_get_object",
      { bucket, key: "secrets/s.txt" },
      "PrefixDenied",
    );
    expect(outsideMsg).toContain("outside every allowed prefix");
    await refused(session, "s3_get_object_metadata", { bucket, key: "data/private/p.txt" }, "PrefixDenied");
    await refused(session, "s3_presign_url", { bucket, key: "data/private/p.txt" }, "PrefixDenied");
    await refused(
      session,
      "s3_presign_url",
      { bucket, key: "secrets/new.txt", method: "PUT" },
      "PrefixDenied",
    );
  });

  test("writes and deletes under refused prefixes are refused", async () => {
    await refused(
      session,
      "s3_put_object",
      { bucket, key: "data/private/new.txt", content: "x" },
      "PrefixDenied",
    );
    await refused(
      session,
      "s3_put_object",
      { bucket, key: "elsewhere/new.txt", content: "x" },
      "PrefixDenied",
    );
    await refused(session, "s3_delete_object", { bucket, key: "data/private/p.txt" }, "PrefixDenied");
    await refused(session, "s3_delete_object", { bucket, key: "root.txt" }, "PrefixDenied");
  });

  test("a copy needs both ends allowed", async () => {
    const copy = (source_key: string, dest_key: string) => ({
      source_bucket: bucket,
      source_key,
      dest_bucket: bucket,
      dest_key,
    });
    await refused(session, "s3_copy_object", copy("data/private/p.txt", "data/leak.txt"), "PrefixDenied");
    await refused(session, "s3_copy_object", copy("secrets/s.txt", "public/leak.txt"), "PrefixDenied");
    await refused(session, "s3_copy_object", copy("data/ok.txt", "data/private/planted.txt"), "PrefixDenied");
    await refused(session, "s3_copy_object", copy("data/ok.txt", "elsewhere/planted.txt"), "PrefixDenied");
  });

  needs("byteOrder").test(
    "listings leave refused keys and folders out; listing inside a refused prefix is refused",
    async () => {
      const root = ok<{ objects: { key: string }[]; common_prefixes: string[] }>(
        await session.call("s3_list_objects", { bucket, delimiter: "/" }),
      );
      expect(root.common_prefixes).toEqual(["data/", "public/"]);
      expect(root.objects).toEqual([]);

      const flat = ok<{ objects: { key: string }[]; count: number }>(
        await session.call("s3_list_objects", { bucket }),
      );
      expect(flat.objects.map((o) => o.key)).toEqual(["data/big.txt", "data/ok.txt", "public/pub.txt"]);
      expect(flat.count).toBe(3);

      const data = ok<{ objects: { key: string }[]; common_prefixes: string[] }>(
        await session.call("s3_list_objects", { bucket, prefix: "data/", delimiter: "/" }),
      );
      expect(data.common_prefixes).toEqual([]);
      expect(data.objects.map((o) => o.key)).toEqual(["data/big.txt", "data/ok.txt"]);

      // Paging one key at a time never surfaces a refused key either.
      const paged: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = ok<{
          objects: { key: string }[];
          is_truncated: boolean;
          next_continuation_token: string | null;
        }>(
          await session.call("s3_list_objects", {
            bucket,
            max_keys: 1,
            ...(token ? { continuation_token: token } : {}),
          }),
        );
        paged.push(...page.objects.map((o) => o.key));
        if (!page.is_truncated) break;
        token = page.next_continuation_token ?? undefined;
      }
      expect(paged).toEqual(["data/big.txt", "data/ok.txt", "public/pub.txt"]);

      await refused(session, "s3_list_objects", { bucket, prefix: "data/private/" }, "PrefixDenied");
      await refused(session, "s3_list_objects", { bucket, prefix: "secrets/" }, "PrefixDenied");
    },
  );

  test("size limits: reads, writes and copies over the limit are refused; a small range is fine", async () => {
    const msg = await refused(session, "s3_get_object", { bucket, key: "data/big.txt" }, "EntityTooLarge");
    expect(msg).toContain("exceeds the get limit");
    const range = ok<{ content: string; length: number }>(
      await session.call("s3_get_object", { bucket, key: "data/big.txt", offset: 100, length: 512 }),
    );
    expect(range).toMatchObject({ content: "x".repeat(512), length: 512 });
    await refused(
      session,
      "s3_get_object",
      { bucket, key: "data/big.txt", offset: 0, length: 1025 },
      "EntityTooLarge",
    );
    await refused(
      session,
      "s3_put_object",
      { bucket, key: "data/new-big.txt", content: BIG },
      "EntityTooLarge",
    );
    await refused(
      session,
      "s3_copy_object",
      {
        source_bucket: bucket,
        source_key: "data/big.txt",
        dest_bucket: bucket,
        dest_key: "data/big-copy.txt",
      },
      "EntityTooLarge",
    );
  });

  test("a denied bucket is hidden and refused for every operation", async () => {
    const buckets = ok<{ buckets: { name: string }[] }>(await session.call("s3_list_buckets"));
    expect(buckets.buckets.map((b) => b.name)).toContain(bucket);
    expect(buckets.buckets.map((b) => b.name)).not.toContain(denied);
    const msg = await refused(session, "s3_list_objects", { bucket: denied }, "BucketDenied");
    expect(msg).toContain("denied bucket list");
    await refused(session, "s3_get_object", { bucket: denied, key: "data/d.txt" }, "BucketDenied");
    await refused(
      session,
      "s3_put_object",
      { bucket: denied, key: "data/new.txt", content: "x" },
      "BucketDenied",
    );
    await refused(session, "s3_delete_object", { bucket: denied, key: "data/d.txt" }, "BucketDenied");
    await refused(
      session,
      "s3_copy_object",
      { source_bucket: bucket, source_key: "data/ok.txt", dest_bucket: denied, dest_key: "data/planted.txt" },
      "BucketDenied",
    );
    await refused(
      session,
      "s3_copy_object",
      { source_bucket: denied, source_key: "data/d.txt", dest_bucket: bucket, dest_key: "data/leak.txt" },
      "BucketDenied",
    );
  });

  test("an unknown connection is ConnectionNotFound, naming the configured ones", async () => {
    const before = session.audit().length;
    const e = err(await session.call("s3_get_object", { bucket, key: "data/ok.txt", connection: "nope" }));
    expect(e.error).toBe("ConnectionNotFound");
    expect(e.hint).toContain("default");
    // Not a policy decision: audited as an error, under the name that was asked for.
    expect(session.audit().slice(before)).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        connection: "nope",
        status: "error",
        error: "ConnectionNotFound",
      }),
    ]);
  });

  test("resources/read is under the same policy", async () => {
    for (const [key, code] of [
      ["data/private/p.txt", "PrefixDenied"],
      ["secrets/s.txt", "PrefixDenied"],
      ["data/big.txt", "EntityTooLarge"],
    ] as const) {
      const before = session.audit().length;
      let caught: { code?: number; data?: { error?: string } } | undefined;
      try {
        await session.client.readResource({ uri: `s3://default/${bucket}/${key}` });
      } catch (e) {
        caught = e as typeof caught;
      }
      expect(caught?.code).toBe(-32602);
      expect(caught?.data?.error).toBe(code);
      expect(session.audit().slice(before)).toEqual([
        expect.objectContaining({ tool: "resources/read", key, status: "denied", error: code }),
      ]);
    }
  });

  needs("multipartAdmin").test("nothing was written or deleted by any refusal", async () => {
    expect(await snapshot([bucket, denied])).toEqual(before);
    expect(await getTestObject(s3, bucket, "data/private/p.txt")).toEqual(
      new TextEncoder().encode("private"),
    );
    expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    expect(await listMultipartUploads(s3, denied)).toEqual([]);
  });
});
