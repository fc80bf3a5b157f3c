// Every tool's happy path, the resource template and the tool list, through a real MCP client talking
// to `bun src/main.ts` on stdio, against the real test S3 server.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { needs } from "../support/capabilities.ts";
import {
  createTestBucket,
  getTestObject,
  getTestS3,
  listAllKeys,
  putTestObject,
  type TestS3,
  testEnv,
} from "../support/s3.ts";
import { err, objectBytes, ok, type Session, startSession } from "./harness.ts";

// Real processes against a real S3 server: far slower than the 5 s default on a busy machine.
setDefaultTimeout(60_000);

const TOOL_NAMES = [
  "s3_list_buckets",
  "s3_list_objects",
  "s3_get_object",
  "s3_get_object_metadata",
  "s3_put_object",
  "s3_delete_object",
  "s3_copy_object",
  "s3_presign_url",
  "s3_list_connections",
];
const READ_TOOLS = [
  "s3_list_buckets",
  "s3_list_objects",
  "s3_get_object",
  "s3_get_object_metadata",
  "s3_list_connections",
];

const README = "Hello from mcp-s3\nsecond line\n";
const BINARY = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x10, 0x80]);
// A 1×1 PNG.
const PNG = new Uint8Array(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
    "base64",
  ),
);
// Larger than the 4 KiB get limit of this server, with multi-byte characters that page boundaries split.
const BIG = Array.from({ length: 400 }, (_, i) => `line ${i}: ÄÖÜ ✓ 日本語 €\n`).join("");

let s3: TestS3;
let bucket: string;
let session: Session;
const utf8 = (s: string) => new TextEncoder().encode(s);

beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3);
  await putTestObject(s3, bucket, "docs/readme.txt", README, "text/plain");
  await putTestObject(s3, bucket, "docs/notes.md", "# Notes\n", "text/markdown");
  await putTestObject(s3, bucket, "docs/sub/deep.txt", "deep", "text/plain");
  await putTestObject(s3, bucket, "bin/blob.bin", BINARY, "application/octet-stream");
  await putTestObject(s3, bucket, "bin/odd name?#%.bin", BINARY, "application/octet-stream");
  await putTestObject(s3, bucket, "img/dot.png", PNG, "image/png");
  await putTestObject(s3, bucket, "big/unicode.txt", BIG, "text/plain; charset=utf-8");
  await putTestObject(s3, bucket, "with space/a b.txt", "spaced", "text/plain");
  session = await startSession({
    ...testEnv(s3),
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_MAX_GET_SIZE: "4KB",
    MCP_S3_MAX_PUT_SIZE: "6KB",
  });
});

afterAll(async () => {
  await session?.close();
});

describe("tools/list", () => {
  test("the nine tools, titled, described, with input and output schemas", async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool.title).toBeString();
      expect(tool.annotations?.title).toBe(tool.title as string);
      expect(tool.description?.length).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.inputSchema.additionalProperties).toBe(false);
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect({ field, description: (schema as { description?: string }).description }).toMatchObject({
          description: expect.any(String),
        });
      }
      expect(tool.outputSchema?.type).toBe("object");
      // Writable server: no write tool says it is disabled.
      expect(tool.description).not.toContain("disabled");
    }
  });

  test("annotations: read-only hints on the five read tools, destructive on put/delete/copy", async () => {
    const { tools } = await session.client.listTools();
    const by = Object.fromEntries(tools.map((t) => [t.name, t.annotations ?? {}]));
    for (const name of READ_TOOLS)
      expect(by[name]).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    for (const name of ["s3_put_object", "s3_delete_object", "s3_copy_object"]) {
      expect(by[name]).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    }
    expect(by.s3_presign_url).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
    });
    for (const name of TOOL_NAMES.filter((n) => n !== "s3_list_connections")) {
      expect(by[name]?.openWorldHint).toBe(true);
    }
    // Reads only the server's own configuration.
    expect(by.s3_list_connections?.openWorldHint).toBe(false);
  });

  test("bounds are part of the input schemas", async () => {
    const { tools } = await session.client.listTools();
    const props = (name: string) =>
      tools.find((t) => t.name === name)?.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(props("s3_list_objects").max_keys).toMatchObject({ type: "integer", minimum: 1, maximum: 1000 });
    expect(props("s3_get_object").offset).toMatchObject({ type: "integer", minimum: 0 });
    expect(props("s3_get_object").length).toMatchObject({ type: "integer", minimum: 0 });
    expect(props("s3_presign_url").expires_in).toMatchObject({ type: "integer", exclusiveMinimum: 0 });
    expect(props("s3_presign_url").method).toMatchObject({ enum: ["GET", "PUT"] });
    const required = (name: string) => tools.find((t) => t.name === name)?.inputSchema.required ?? [];
    expect(required("s3_copy_object")).toEqual(["source_bucket", "source_key", "dest_bucket", "dest_key"]);
    expect(required("s3_put_object")).toEqual(["bucket", "key", "content"]);
    expect(required("s3_list_connections")).toEqual([]);
  });

  test("output schemas describe the result and the error object", async () => {
    const { tools } = await session.client.listTools();
    const get = tools.find((t) => t.name === "s3_get_object")?.outputSchema as unknown as {
      anyOf: { required?: string[]; properties: Record<string, unknown> }[];
    };
    expect(get.anyOf[0]?.required).toEqual(
      expect.arrayContaining(["bucket", "key", "content_type", "size", "last_modified", "etag"]),
    );
    // The text, when the object is text; binary comes once, in its content block (SPEC §5.1).
    expect(get.anyOf[0]?.required).not.toContain("content");
    expect(Object.keys(get.anyOf[0]?.properties ?? {})).toContain("content");
    expect(get.anyOf[0]?.required).toEqual(expect.arrayContaining(["is_base64", "truncated", "metadata"]));
    expect(get.anyOf[1]?.required).toEqual(["error", "message", "hint"]);
  });
});

describe("buckets and listings", () => {
  test("s3_list_buckets lists the test bucket", async () => {
    const out = ok<{ buckets: { name: string; creation_date: string }[]; count: number }>(
      await session.call("s3_list_buckets"),
    );
    expect(out.buckets.map((b) => b.name)).toContain(bucket);
    expect(out.count).toBe(out.buckets.length);
    expect(Date.parse(out.buckets.find((b) => b.name === bucket)?.creation_date ?? "")).toBeGreaterThan(0);
  });

  test("s3_list_objects: whole bucket, then one folder level with a delimiter", async () => {
    const all = ok<{
      objects: { key: string; size: number; etag: string }[];
      count: number;
      is_truncated: boolean;
    }>(await session.call("s3_list_objects", { bucket }));
    expect(all.objects.map((o) => o.key)).toEqual(await listAllKeys(s3, bucket));
    expect(all.objects.find((o) => o.key === "docs/readme.txt")?.size).toBe(utf8(README).byteLength);
    expect(all.is_truncated).toBe(false);

    const level = ok<{
      prefix: string;
      objects: { key: string }[];
      common_prefixes: string[];
      count: number;
    }>(await session.call("s3_list_objects", { bucket, prefix: "docs/", delimiter: "/" }));
    expect(level.prefix).toBe("docs/");
    expect(level.objects.map((o) => o.key)).toEqual(["docs/notes.md", "docs/readme.txt"]);
    expect(level.common_prefixes).toEqual(["docs/sub/"]);
    expect(level.count).toBe(3);
  });

  needs("byteOrder").test("s3_list_objects pages with max_keys and continuation_token", async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = ok<{
        objects: { key: string }[];
        is_truncated: boolean;
        next_continuation_token: string | null;
      }>(
        await session.call("s3_list_objects", {
          bucket,
          max_keys: 2,
          ...(token ? { continuation_token: token } : {}),
        }),
      );
      expect(page.objects.length).toBeLessThanOrEqual(2);
      keys.push(...page.objects.map((o) => o.key));
      token = page.is_truncated ? (page.next_continuation_token ?? undefined) : undefined;
      pages++;
    } while (token !== undefined && pages < 20);
    expect(pages).toBeGreaterThan(2);
    expect(keys).toEqual(await listAllKeys(s3, bucket));
  });
});

describe("reading", () => {
  test("s3_get_object returns text as text", async () => {
    const out = ok<Record<string, unknown>>(
      await session.call("s3_get_object", { bucket, key: "docs/readme.txt" }),
    );
    expect(out).toMatchObject({
      bucket,
      key: "docs/readme.txt",
      content: README,
      is_base64: false,
      truncated: false,
      content_type: "text/plain",
      size: utf8(README).byteLength,
      metadata: {},
    });
    expect(out.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Date.parse(out.last_modified as string)).toBeGreaterThan(0);
  });

  test("s3_get_object returns binary once, as an embedded resource blob (base64)", async () => {
    const result = await session.call("s3_get_object", { bucket, key: "bin/blob.bin" });
    const out = ok<{ content?: string; is_base64: boolean; size: number }>(result);
    expect(out.is_base64).toBe(true);
    // Not a second time in structuredContent (SPEC §5.1).
    expect(out.content).toBeUndefined();
    expect(result.content).toEqual([
      {
        type: "resource",
        resource: {
          uri: `s3://default/${bucket}/bin/blob.bin`,
          mimeType: "application/octet-stream",
          blob: Buffer.from(BINARY).toString("base64"),
        },
      },
    ]);
    expect(objectBytes(result)).toEqual(BINARY);
    expect(out.size).toBe(BINARY.byteLength);
    // The server's internal tag (the read's reservation, src/mcp/after-send.ts) never reaches a client.
    expect(result._meta).toBeUndefined();
  });

  test("s3_get_object returns a whole image as MCP image content; part of one as a resource blob", async () => {
    const whole = await session.call("s3_get_object", { bucket, key: "img/dot.png" });
    expect(ok(whole)).toMatchObject({ is_base64: true, truncated: false, content_type: "image/png" });
    expect(whole.content).toEqual([
      { type: "image", data: Buffer.from(PNG).toString("base64"), mimeType: "image/png" },
    ]);
    const part = await session.call("s3_get_object", { bucket, key: "img/dot.png", offset: 0, length: 8 });
    expect(ok(part)).toMatchObject({ is_base64: true, truncated: true, length: 8 });
    expect(part.content[0]?.type).toBe("resource");
    expect(objectBytes(part)).toEqual(PNG.subarray(0, 8));
  });

  test("s3_get_object returns text once: one text block, the same text in structuredContent", async () => {
    const result = await session.call("s3_get_object", { bucket, key: "with space/a b.txt" });
    expect(result.content).toEqual([{ type: "text", text: "spaced" }]);
    expect(ok(result)).toMatchObject({ content: "spaced", is_base64: false });
  });

  test("a binary key with reserved characters is named by a resource URI that resources/read accepts", async () => {
    const result = await session.call("s3_get_object", { bucket, key: "bin/odd name?#%.bin" });
    const block = result.content[0] as { resource: { uri: string } };
    expect(block.resource.uri).toBe(`s3://default/${bucket}/bin/odd%20name%3F%23%25.bin`);
    const read = await session.client.readResource({ uri: block.resource.uri });
    expect(new Uint8Array(Buffer.from((read.contents[0] as { blob: string }).blob, "base64"))).toEqual(
      BINARY,
    );
  });

  test("s3_get_object reads a byte range", async () => {
    const out = ok<Record<string, unknown>>(
      await session.call("s3_get_object", { bucket, key: "docs/readme.txt", offset: 6, length: 4 }),
    );
    expect(out).toMatchObject({
      content: "from",
      truncated: true,
      offset: 6,
      length: 4,
      size: utf8(README).byteLength,
    });
  });

  test("an object larger than the get limit is refused whole but can be paged through", async () => {
    const before = session.audit().length;
    const whole = err(await session.call("s3_get_object", { bucket, key: "big/unicode.txt" }));
    expect(whole.error).toBe("EntityTooLarge");
    expect(whole.hint).toContain("offset/length");
    expect(session.audit().slice(before)).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        key: "big/unicode.txt",
        status: "denied",
        error: "EntityTooLarge",
      }),
    ]);

    let text = "";
    let offset = 0;
    let pages = 0;
    for (;;) {
      const page = ok<{
        content: string;
        is_base64: boolean;
        length: number;
        truncated: boolean;
        size: number;
      }>(await session.call("s3_get_object", { bucket, key: "big/unicode.txt", offset, length: 4096 }));
      // A character split by the page end is held back, so every page is text.
      expect(page.is_base64).toBe(false);
      text += page.content;
      offset += page.length;
      pages++;
      if (offset >= page.size || pages > 10) break;
      expect(page.truncated).toBe(true);
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(text).toBe(BIG);
  });

  test("s3_get_object_metadata", async () => {
    const out = ok<Record<string, unknown>>(
      await session.call("s3_get_object_metadata", { bucket, key: "docs/readme.txt" }),
    );
    const size = utf8(README).byteLength;
    expect(out).toMatchObject({
      bucket,
      key: "docs/readme.txt",
      content_type: "text/plain",
      size,
      content_length: size,
    });
    expect(out.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });
});

describe("writing", () => {
  test("s3_put_object stores text with the default content type and metadata", async () => {
    const text = "written by a test ✓\n";
    const out = ok<Record<string, unknown>>(
      await session.call("s3_put_object", {
        bucket,
        key: "out/text.txt",
        content: text,
        metadata: { author: "tests" },
      }),
    );
    expect(out).toMatchObject({ bucket, key: "out/text.txt", size: utf8(text).byteLength });
    expect(out.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await getTestObject(s3, bucket, "out/text.txt")).toEqual(utf8(text));
    const meta = ok<Record<string, unknown>>(
      await session.call("s3_get_object_metadata", { bucket, key: "out/text.txt" }),
    );
    expect(meta).toMatchObject({ content_type: "text/plain; charset=utf-8", metadata: { author: "tests" } });
  });

  test("s3_put_object stores base64 as the exact bytes, application/octet-stream by default", async () => {
    const content = Buffer.from(BINARY).toString("base64");
    ok(await session.call("s3_put_object", { bucket, key: "out/blob.bin", content, is_base64: true }));
    expect(await getTestObject(s3, bucket, "out/blob.bin")).toEqual(BINARY);
    const meta = ok<{ content_type: string }>(
      await session.call("s3_get_object_metadata", { bucket, key: "out/blob.bin" }),
    );
    expect(meta.content_type).toBe("application/octet-stream");
  });

  test("invalid base64 is InvalidArgument and nothing is written", async () => {
    const before = session.audit().length;
    for (const content of ["QQ=", "QUJD\n", "Q!==", "QR=="]) {
      const e = err(
        await session.call("s3_put_object", { bucket, key: "out/bad.bin", content, is_base64: true }),
      );
      expect(e.error).toBe("InvalidArgument");
      expect(e.message).toContain("not valid base64");
    }
    expect(await getTestObject(s3, bucket, "out/bad.bin")).toBeNull();
    const lines = session.audit().slice(before);
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toMatchObject({
        tool: "s3_put_object",
        key: "out/bad.bin",
        status: "error",
        error: "InvalidArgument",
      });
    }
  });

  test("the put limit applies to the decoded size", async () => {
    // 6000 bytes: base64 is 8000 characters, more than the 6 KiB limit, but the body fits.
    const fits = new Uint8Array(6000).map((_, i) => i % 251);
    ok(
      await session.call("s3_put_object", {
        bucket,
        key: "out/fits.bin",
        content: Buffer.from(fits).toString("base64"),
        is_base64: true,
      }),
    );
    expect(await getTestObject(s3, bucket, "out/fits.bin")).toEqual(fits);

    const tooBig = new Uint8Array(6145);
    const e = err(
      await session.call("s3_put_object", {
        bucket,
        key: "out/too-big.bin",
        content: Buffer.from(tooBig).toString("base64"),
        is_base64: true,
      }),
    );
    expect(e.error).toBe("EntityTooLarge");
    expect(await getTestObject(s3, bucket, "out/too-big.bin")).toBeNull();
  });

  test("s3_copy_object copies server-side, optionally replacing metadata", async () => {
    const out = ok<Record<string, unknown>>(
      await session.call("s3_copy_object", {
        source_bucket: bucket,
        source_key: "docs/readme.txt",
        dest_bucket: bucket,
        dest_key: "copies/readme.txt",
        metadata: { copied: "yes" },
      }),
    );
    expect(out).toMatchObject({
      source_bucket: bucket,
      source_key: "docs/readme.txt",
      dest_bucket: bucket,
      dest_key: "copies/readme.txt",
    });
    expect(out.etag).toBeString();
    expect(await getTestObject(s3, bucket, "copies/readme.txt")).toEqual(utf8(README));
    const meta = ok<{ metadata: Record<string, string> }>(
      await session.call("s3_get_object_metadata", { bucket, key: "copies/readme.txt" }),
    );
    expect(meta.metadata).toEqual({ copied: "yes" });
  });

  test("s3_delete_object deletes", async () => {
    await putTestObject(s3, bucket, "out/doomed.txt", "bye");
    const out = ok(await session.call("s3_delete_object", { bucket, key: "out/doomed.txt" }));
    expect(out).toEqual({ bucket, key: "out/doomed.txt", deleted: true });
    expect(await listAllKeys(s3, bucket, "out/")).not.toContain("out/doomed.txt");
    expect(await getTestObject(s3, bucket, "out/doomed.txt")).toBeNull();
  });
});

describe("presigned URLs", () => {
  test("a GET URL downloads the object without credentials", async () => {
    const out = ok<{ url: string; method: string; expires_in_seconds: number; expires_at: string }>(
      await session.call("s3_presign_url", { bucket, key: "docs/readme.txt" }),
    );
    expect(out.method).toBe("GET");
    expect(out.expires_in_seconds).toBe(3600);
    expect(Math.abs(Date.parse(out.expires_at) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    const res = await fetch(out.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(README);
  });

  test("a PUT URL uploads; expiry is capped at the policy maximum", async () => {
    const out = ok<{ url: string; method: string; expires_in_seconds: number }>(
      await session.call("s3_presign_url", {
        bucket,
        key: "out/presigned.txt",
        method: "PUT",
        expires_in: 7200,
      }),
    );
    expect(out.method).toBe("PUT");
    expect(out.expires_in_seconds).toBe(3600);
    const res = await fetch(out.url, { method: "PUT", body: "via presigned PUT" });
    expect(res.status).toBe(200);
    expect(await getTestObject(s3, bucket, "out/presigned.txt")).toEqual(utf8("via presigned PUT"));
  });
});

describe("connections", () => {
  test("s3_list_connections shows the policy, never a secret", async () => {
    const result = await session.call("s3_list_connections");
    const out = ok<{ connections: Record<string, unknown>[]; default_connection: string; count: number }>(
      result,
    );
    expect(out.default_connection).toBe("default");
    expect(out.count).toBe(1);
    expect(out.connections[0]).toMatchObject({
      name: "default",
      endpoint: s3.endpoint,
      credentials: "static keys",
      policy: {
        read_only: false,
        size_limits: true,
        max_get_size: 4096,
        max_put_size: 6144,
        prefix_acl: false,
      },
    });
    const secret = s3.users[0]?.secretAccessKey as string;
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe("resources", () => {
  test("the object template is listed; resources/list is empty", async () => {
    const { resourceTemplates } = await session.client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ name: "s3-object", uriTemplate: "s3://{connection}/{bucket}/{+key}" }),
    ]);
    expect((await session.client.listResources()).resources).toEqual([]);
  });

  test("resources/read returns text, binary as blob, and decodes percent-encoded keys", async () => {
    const before = session.audit().length;
    const text = await session.client.readResource({ uri: `s3://default/${bucket}/docs/readme.txt` });
    expect(text.contents).toEqual([
      { uri: `s3://default/${bucket}/docs/readme.txt`, mimeType: "text/plain", text: README },
    ]);
    const bin = await session.client.readResource({ uri: `s3://default/${bucket}/bin/blob.bin` });
    const blob = bin.contents[0] as { blob: string; mimeType: string };
    expect(blob.mimeType).toBe("application/octet-stream");
    expect(new Uint8Array(Buffer.from(blob.blob, "base64"))).toEqual(BINARY);
    const spaced = await session.client.readResource({
      uri: `s3://default/${bucket}/with%20space/a%20b.txt`,
    });
    expect((spaced.contents[0] as { text: string }).text).toBe("spaced");
    expect(session.audit().slice(before)).toEqual([
      expect.objectContaining({
        tool: "resources/read",
        key: "docs/readme.txt",
        status: "success",
        source: "mcp",
      }),
      expect.objectContaining({ tool: "resources/read", key: "bin/blob.bin", status: "success" }),
      expect.objectContaining({ tool: "resources/read", key: "with space/a b.txt", status: "success" }),
    ]);
  });

  test("a missing object is a resource-not-found error with the error object as data", async () => {
    let caught: { code?: number; data?: unknown } | undefined;
    try {
      await session.client.readResource({ uri: `s3://default/${bucket}/no/such.txt` });
    } catch (e) {
      caught = e as typeof caught;
    }
    expect(caught?.code).toBe(-32002);
    expect(caught?.data).toMatchObject({ error: "NoSuchKey" });
  });
});

describe("audit", () => {
  test("every call was audited with source mcp", () => {
    const lines = session.audit();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expect(line.source).toBe("mcp");
    const tools = new Set(lines.filter((l) => l.status === "success").map((l) => l.tool));
    for (const name of TOOL_NAMES) expect(tools.has(name)).toBe(true);
    // Never logged: presigned URLs and object content.
    const raw = JSON.stringify(lines);
    expect(raw).not.toContain("X-Amz-Signature");
    expect(raw).not.toContain("Hello from mcp-s3");
  });
});
