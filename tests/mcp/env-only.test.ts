// The environment-only guarantee: with nothing but MCP_S3_EXT_PREFIXACL=true and
// MCP_S3_DENIED_PREFIXES=secrets/, an MCP client can never read, list, copy from or presign anything
// under secrets/ — whatever it tries, through tools or resources.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  createTestBucket,
  getTestS3,
  listAllKeys,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { err, ok, type Session, startSession } from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

const SECRET = "TOP-SECRET-CONTENT-4f1c";
let s3: TestS3;
let bucket: string;
let session: Session;
/** Every text the client got back, to check that the secret never appears in any of it. */
const seen: string[] = [];

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = await session.call(name, args);
  seen.push(JSON.stringify(result));
  return result;
}

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await putTestObject(s3, bucket, "secrets/a.txt", SECRET);
  await putTestObject(s3, bucket, "secrets/deep/b.txt", SECRET);
  await putTestObject(s3, bucket, "public/c.txt", "public content");
  await putTestObject(s3, bucket, "readme.txt", "hello");
  session = await startSession({
    ...testEnv(s3),
    MCP_S3_EXT_PREFIXACL: "true",
    MCP_S3_DENIED_PREFIXES: "secrets/",
  });
});

afterAll(async () => {
  await session?.close();
  expect(seen.join("\n")).not.toContain(SECRET);
});

describe("MCP_S3_EXT_PREFIXACL=true MCP_S3_DENIED_PREFIXES=secrets/ (environment only)", () => {
  test("the instructions say secrets/ is denied", () => {
    expect(session.client.getInstructions()).toContain("keys under secrets/ are denied");
  });

  test("no read of any kind", async () => {
    for (const key of ["secrets/a.txt", "secrets/deep/b.txt"]) {
      expect(err(await call("s3_get_object", { bucket, key })).error).toBe("PrefixDenied");
      expect(err(await call("s3_get_object", { bucket, key, offset: 0, length: 4 })).error).toBe(
        "PrefixDenied",
      );
      expect(err(await call("s3_get_object_metadata", { bucket, key })).error).toBe("PrefixDenied");
    }
  });

  test("key spellings that only look like secrets/ are other keys to S3, never the secret", async () => {
    expect(err(await call("s3_get_object", { bucket, key: "secrets" })).error).toBe("NoSuchKey");
    // Dot segments and a leading "/" are other keys to S3 too, but a server that resolves them would
    // serve secrets/: with the ACL on they are not addressable at all (SPEC §3, defence in depth).
    for (const key of [
      "public/../secrets/a.txt",
      "./secrets/a.txt",
      "/secrets/a.txt",
      "secrets/../public/c.txt",
    ]) {
      expect(err(await call("s3_get_object", { bucket, key })).error).toBe("InvalidArgument");
    }
    // And everything that does start with the bytes "secrets/" is refused, however odd.
    for (const key of ["secrets//a.txt", "secrets/"]) {
      expect(err(await call("s3_get_object", { bucket, key })).error).toBe("PrefixDenied");
    }
    // Case matters: Secrets/ is not secrets/ (and does not exist here).
    expect(err(await call("s3_get_object", { bucket, key: "Secrets/a.txt" })).error).toBe("NoSuchKey");
  });

  test("no listing shows anything under secrets/", async () => {
    const results = [
      await call("s3_list_objects", { bucket }),
      await call("s3_list_objects", { bucket, delimiter: "/" }),
      await call("s3_list_objects", { bucket, prefix: "sec" }),
      await call("s3_list_objects", { bucket, prefix: "secrets" }),
    ];
    for (const r of results) {
      const out = ok<{ objects: { key: string }[]; common_prefixes: string[] }>(r);
      for (const k of [...out.objects.map((o) => o.key), ...out.common_prefixes])
        expect(k).not.toStartWith("secrets/");
    }
    const flat = ok<{ objects: { key: string }[] }>(results[0] as CallToolResult);
    expect(flat.objects.map((o) => o.key)).toEqual(["public/c.txt", "readme.txt"]);
    // Paging key by key does not reveal them either.
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = ok<{
        objects: { key: string }[];
        is_truncated: boolean;
        next_continuation_token: string | null;
      }>(
        await call("s3_list_objects", {
          bucket,
          max_keys: 1,
          ...(token ? { continuation_token: token } : {}),
        }),
      );
      for (const o of page.objects) expect(o.key).not.toStartWith("secrets/");
      if (!page.is_truncated) break;
      token = page.next_continuation_token ?? undefined;
    }
    expect(err(await call("s3_list_objects", { bucket, prefix: "secrets/" })).error).toBe("PrefixDenied");
    expect(err(await call("s3_list_objects", { bucket, prefix: "secrets/deep/" })).error).toBe(
      "PrefixDenied",
    );
    // The objects are really there: the filtering is the server's doing.
    expect(await listAllKeys(s3, bucket, "secrets/")).toEqual(["secrets/a.txt", "secrets/deep/b.txt"]);
  });

  test("no copy from secrets/ and no presigned URL for it", async () => {
    const copy = {
      source_bucket: bucket,
      source_key: "secrets/a.txt",
      dest_bucket: bucket,
      dest_key: "public/leak.txt",
    };
    expect(err(await call("s3_copy_object", copy)).error).toBe("PrefixDenied");
    expect(await listAllKeys(s3, bucket, "public/")).toEqual(["public/c.txt"]);
    for (const method of ["GET", "PUT"]) {
      const e = err(await call("s3_presign_url", { bucket, key: "secrets/a.txt", method }));
      expect(["PrefixDenied", "ReadOnlyMode"]).toContain(e.error);
      expect(JSON.stringify(e)).not.toContain("X-Amz-Signature");
    }
    expect(err(await call("s3_presign_url", { bucket, key: "secrets/a.txt" })).error).toBe("PrefixDenied");
  });

  test("no resource read, however the URI is spelled", async () => {
    for (const uri of [
      `s3://default/${bucket}/secrets/a.txt`,
      `s3://default/${bucket}/public/../secrets/a.txt`,
      `s3://default/${bucket}/public/%2E%2E/secrets/a.txt`,
      `s3://default/${bucket}/%73ecrets/a.txt`,
    ]) {
      let caught: { data?: { error?: string } } | undefined;
      try {
        const r = await session.client.readResource({ uri });
        seen.push(JSON.stringify(r));
      } catch (e) {
        caught = e as typeof caught;
      }
      expect({ uri, error: caught?.data?.error }).toEqual({ uri, error: "PrefixDenied" });
    }
  });

  test("every refusal is in the audit log as denied", () => {
    const denied = session.audit().filter((l) => l.status === "denied");
    expect(denied.length).toBeGreaterThanOrEqual(15);
    for (const line of denied) {
      // A presigned PUT meets read-only mode (the default) before the prefix ACL; dot segments are
      // refused before it.
      expect(["PrefixDenied", "ReadOnlyMode", "InvalidArgument"]).toContain(line.error as string);
      if (line.error === "InvalidArgument") expect(line.key).toContain("secrets/");
      else expect(line.key ?? line.prefix).toStartWith("secrets");
    }
  });
});
