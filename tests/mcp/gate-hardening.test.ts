// Issue 12, defects 1 and 2, through a real MCP session against RGW: paging s3_list_objects with
// max_keys 1 under a denied prefix never hands out a token, key or folder naming a refused key; a
// forged or foreign token is InvalidArgument; keys with dot segments are refused by the gate however
// they arrive (tool arguments, percent-encoded resource URIs).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Buffer } from "node:buffer";
import { compareKeys } from "../../src/ops/key-order.ts";
import { createTestBucket, getTestS3, putTestObject, type TestS3, testEnv } from "../support/s3.ts";
import { err, ok, type Session, startSession } from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

interface ListResult {
  objects: { key: string }[];
  common_prefixes: string[];
  count: number;
  is_truncated: boolean;
  next_continuation_token: string | null;
}

let s3: TestS3;
let bucket: string;
let session: Session;
const VISIBLE = ["a/1", "c/2", "data/0", "data/1", "data/sub/x", "z"];
const HIDDEN = [
  ...Array.from({ length: 30 }, (_, i) => `b-secret/${String(i).padStart(2, "0")}`),
  "secrets/0",
  "secrets/deep/x",
];

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await Promise.all([...VISIBLE, ...HIDDEN].map((k) => putTestObject(s3, bucket, k, `content of ${k}`)));
  session = await startSession({
    ...testEnv(s3),
    MCP_S3_EXT_PREFIXACL: "true",
    MCP_S3_DENIED_PREFIXES: "secrets/,b-secret/",
  });
});

afterAll(async () => {
  await session?.close();
});

/** Pages through s3_list_objects; checks that nothing returned names a refused key. */
async function pageThrough(args: Record<string, unknown>, maxKeys: number): Promise<string[]> {
  const entries: string[] = [];
  let token: string | undefined;
  do {
    const result = await session.call("s3_list_objects", {
      bucket,
      ...args,
      max_keys: maxKeys,
      ...(token === undefined ? {} : { continuation_token: token }),
    });
    expect(JSON.stringify(result)).not.toContain("secret");
    const page = ok<ListResult>(result);
    if (page.next_continuation_token !== null) {
      expect(Buffer.from(page.next_continuation_token, "base64url").includes("secret")).toBe(false);
    }
    expect(page.is_truncated).toBe(page.next_continuation_token !== null);
    if (page.is_truncated) expect(page.count).toBe(maxKeys);
    entries.push(...[...page.objects.map((o) => o.key), ...page.common_prefixes].sort(compareKeys));
    token = page.next_continuation_token ?? undefined;
  } while (token !== undefined);
  return entries;
}

describe("s3_list_objects continuation tokens (defect 1)", () => {
  test("max_keys 1: every visible key exactly once, no token or key naming a refused one", async () => {
    expect(await pageThrough({}, 1)).toEqual(VISIBLE);
  });

  test("max_keys 1 with delimiter '/': folders once each, denied folders never", async () => {
    expect(await pageThrough({ delimiter: "/" }, 1)).toEqual(["a/", "c/", "data/", "z"]);
    expect(await pageThrough({ prefix: "data/", delimiter: "/" }, 1)).toEqual([
      "data/0",
      "data/1",
      "data/sub/",
    ]);
  });

  test("a forged, altered or foreign token is InvalidArgument with a hint, audited as an error", async () => {
    const first = ok<ListResult>(await session.call("s3_list_objects", { bucket, max_keys: 1 }));
    const token = first.next_continuation_token as string;
    const raw = Buffer.from(token, "base64url");
    raw[5] = (raw[5] as number) ^ 0x40;
    for (const [name, args] of [
      ["RGW's own token (a key in plain text)", { bucket, continuation_token: "b-secret/05" }],
      ["an altered token", { bucket, max_keys: 1, continuation_token: raw.toString("base64url") }],
      ["a token of another prefix", { bucket, prefix: "data/", max_keys: 1, continuation_token: token }],
      ["a token of another delimiter", { bucket, delimiter: "/", max_keys: 1, continuation_token: token }],
    ] as const) {
      const before = session.audit().length;
      const e = err(await session.call("s3_list_objects", args));
      expect({ name, error: e.error }).toEqual({ name, error: "InvalidArgument" });
      expect(e.hint).toContain("pass next_continuation_token from the previous page of the same listing");
      expect(session.audit().slice(before)).toEqual([
        expect.objectContaining({ tool: "s3_list_objects", status: "error", error: "InvalidArgument" }),
      ]);
    }
    const second = ok<ListResult>(
      await session.call("s3_list_objects", { bucket, max_keys: 1, continuation_token: token }),
    );
    expect(second.objects.map((o) => o.key)).toEqual(["c/2"]);
  });
});

describe("dot segments (defect 2)", () => {
  async function readError(uri: string): Promise<string | undefined> {
    try {
      await session.client.readResource({ uri });
    } catch (e) {
      return (e as { data?: { error?: string } }).data?.error;
    }
    return undefined;
  }

  test("resources: a percent-encoded key with dot segments reaches the gate's rule", async () => {
    for (const [path, key] of [
      ["data/%2E%2E%2Fb-secret/00", "data/../b-secret/00"],
      ["data/.%2Fx", "data/./x"],
      ["%2Fdata/0", "/data/0"],
      ["data/x/%2E%2E%2F", "data/x/../"],
    ] as const) {
      const before = session.audit().length;
      expect({ path, error: await readError(`s3://default/${bucket}/${path}`) }).toEqual({
        path,
        error: "InvalidArgument",
      });
      expect(session.audit().slice(before)).toEqual([
        expect.objectContaining({ tool: "resources/read", key, status: "denied", error: "InvalidArgument" }),
      ]);
    }
  });

  test("resources: whole '%2E%2E' segments are resolved by the URI parser first; what is left is judged as is", async () => {
    // new URL() resolves "data/%2E%2E/b-secret/00" to "b-secret/00" before the server sees a key.
    expect(await readError(`s3://default/${bucket}/data/%2E%2E/b-secret/00`)).toBe("PrefixDenied");
    expect(await readError(`s3://default/${bucket}/a/%2E%2E/secrets/0`)).toBe("PrefixDenied");
  });

  test("tools: keys and listing prefixes with dot segments are InvalidArgument, with the reason", async () => {
    for (const [tool, args] of [
      ["s3_get_object", { bucket, key: "data/../b-secret/00" }],
      ["s3_get_object_metadata", { bucket, key: "data/./0" }],
      ["s3_presign_url", { bucket, key: "/data/0" }],
      ["s3_list_objects", { bucket, prefix: "data/../" }],
    ] as const) {
      const e = err(await session.call(tool, args));
      expect({ tool, error: e.error }).toEqual({ tool, error: "InvalidArgument" });
      expect(e.hint).toContain("resolves them could turn an allowed key into a refused one");
    }
    // A name that merely has dots is fine.
    expect(err(await session.call("s3_get_object", { bucket, key: "data/.hidden" })).error).toBe("NoSuchKey");
  });
});
