// S3 and connection failures map to the product's error codes, each audited once with status "error".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { S3ToolError } from "../../src/errors.ts";
import {
  copyObject,
  createOpsContext,
  deleteObject,
  getObject,
  headObject,
  listBuckets,
  listConnections,
  listObjects,
  presignUrl,
  putObject,
} from "../../src/ops/index.ts";
import type { OpsContext } from "../../src/ops/run.ts";
import { createTestBucket, getTestObject, putTestObject } from "../support/s3.ts";
import {
  CHECKS_SIGNATURES,
  HAS_SECOND_USER,
  type Harness,
  harness,
  rejects,
  type TestUser,
  text,
} from "./harness.ts";

const MISSING_BUCKET = "mcp-s3-definitely-missing-bucket";

let h: Harness;
let bucket: string;
beforeAll(async () => {
  h = await harness({ MCP_S3_EXT_READONLY: "false" });
  bucket = await createTestBucket(h.s3);
  await putTestObject(h.s3, bucket, "private/owned.txt", text("owned by user 1"));
});
afterAll(() => h?.close());

type Op = (ctx: OpsContext) => Promise<unknown>;

async function expectError(hx: Harness, op: Op, code: string, tool: string): Promise<void> {
  hx.mark();
  const err = await rejects(() => op(hx.ctx), code);
  expect(err.hint).not.toBe("");
  const lines = hx.auditSinceMark();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ tool, status: "error", error: code });
}

describe("not found", () => {
  const rows: [string, () => Op, string, string][] = [
    [
      "get of a missing key",
      () => (c) => getObject(c, { bucket, key: "nope.txt" }, () => {}),
      "NoSuchKey",
      "s3_get_object",
    ],
    [
      "stat of a missing key",
      () => (c) => headObject(c, { bucket, key: "nope.txt" }),
      "NoSuchKey",
      "s3_get_object_metadata",
    ],
    [
      "get in a missing bucket",
      () => (c) => getObject(c, { bucket: MISSING_BUCKET, key: "k" }, () => {}),
      "NoSuchBucket",
      "s3_get_object",
    ],
    [
      "stat in a missing bucket",
      () => (c) => headObject(c, { bucket: MISSING_BUCKET, key: "k" }),
      "NoSuchBucket",
      "s3_get_object_metadata",
    ],
    [
      "list of a missing bucket",
      () => (c) => listObjects(c, { bucket: MISSING_BUCKET }),
      "NoSuchBucket",
      "s3_list_objects",
    ],
    [
      "put into a missing bucket",
      () => (c) => putObject(c, { bucket: MISSING_BUCKET, key: "k", body: text("x") }),
      "NoSuchBucket",
      "s3_put_object",
    ],
    [
      "copy of a missing source key",
      () => (c) =>
        copyObject(c, { source_bucket: bucket, source_key: "nope", dest_bucket: bucket, dest_key: "d" }),
      "NoSuchKey",
      "s3_copy_object",
    ],
    [
      "copy out of a missing bucket",
      () => (c) =>
        copyObject(c, { source_bucket: MISSING_BUCKET, source_key: "k", dest_bucket: bucket, dest_key: "d" }),
      "NoSuchBucket",
      "s3_copy_object",
    ],
    [
      "copy into a missing bucket",
      () => (c) =>
        copyObject(c, {
          source_bucket: bucket,
          source_key: "private/owned.txt",
          dest_bucket: MISSING_BUCKET,
          dest_key: "d",
        }),
      "NoSuchBucket",
      "s3_copy_object",
    ],
  ];
  test.each(rows)("%s", async (_name, op, code, tool) => {
    await expectError(h, op(), code, tool);
  });

  test("the message names the location", async () => {
    const err = await rejects(() => getObject(h.ctx, { bucket, key: "nope.txt" }, () => {}), "NoSuchKey");
    expect(err.message).toContain(`s3://${bucket}/nope.txt`);
  });
});

describe.skipIf(!HAS_SECOND_USER)("access denied (needs a second user: RGW)", () => {
  let other: Harness;
  beforeAll(async () => {
    other = await harness({ MCP_S3_EXT_READONLY: "false" }, { user: h.s3.users[1] as TestUser });
  });
  afterAll(() => other?.close());

  const rows: [string, () => Op, string][] = [
    ["get", () => (c) => getObject(c, { bucket, key: "private/owned.txt" }, () => {}), "s3_get_object"],
    ["stat", () => (c) => headObject(c, { bucket, key: "private/owned.txt" }), "s3_get_object_metadata"],
    ["list", () => (c) => listObjects(c, { bucket }), "s3_list_objects"],
    [
      "put",
      () => (c) => putObject(c, { bucket, key: "private/planted.txt", body: text("x") }),
      "s3_put_object",
    ],
    ["delete", () => (c) => deleteObject(c, { bucket, key: "private/owned.txt" }), "s3_delete_object"],
    [
      "copy out of it",
      () => (c) =>
        copyObject(c, {
          source_bucket: bucket,
          source_key: "private/owned.txt",
          dest_bucket: bucket,
          dest_key: "x",
        }),
      "s3_copy_object",
    ],
  ];
  test.each(rows)("the second user on the first user's bucket: %s", async (_name, op, tool) => {
    await expectError(other, op(), "AccessDenied", tool);
    // The first user's data is untouched.
    expect(
      new TextDecoder().decode((await getTestObject(h.s3, bucket, "private/owned.txt")) ?? undefined),
    ).toBe("owned by user 1");
    expect(await getTestObject(h.s3, bucket, "private/planted.txt")).toBeNull();
  });

  test.skipIf(!CHECKS_SIGNATURES)("a wrong secret key (RGW checks signatures): AccessDenied", async () => {
    const wrong = await harness({ AWS_SECRET_ACCESS_KEY: "not-the-right-secret-at-all-000000000000" });
    try {
      await expectError(wrong, (c) => listBuckets(c, {}), "AccessDenied", "s3_list_buckets");
      await expectError(
        wrong,
        (c) => getObject(c, { bucket, key: "private/owned.txt" }, () => {}),
        "AccessDenied",
        "s3_get_object",
      );
    } finally {
      wrong.close();
    }
  });

  test.skipIf(!CHECKS_SIGNATURES)("an unknown access key id: AccessDenied", async () => {
    const unknown = await harness({ AWS_ACCESS_KEY_ID: "MCPS3UNKNOWNKEY00000" });
    try {
      await expectError(unknown, (c) => listBuckets(c, {}), "AccessDenied", "s3_list_buckets");
    } finally {
      unknown.close();
    }
  });

  test.skipIf(!CHECKS_SIGNATURES)("a presigned URL signed with a wrong secret is refused by S3", async () => {
    const wrong = await harness({ AWS_SECRET_ACCESS_KEY: "not-the-right-secret-at-all-000000000000" });
    try {
      const p = await presignUrl(wrong.ctx, { bucket, key: "private/owned.txt" });
      expect((await fetch(p.url)).status).toBe(403);
    } finally {
      wrong.close();
    }
  });
});

describe("connections", () => {
  test("an unknown connection: ConnectionNotFound, no request, audited under the asked name", async () => {
    const before = h.requests();
    h.mark();
    const err = await rejects(
      () => getObject(h.ctx, { bucket, key: "private/owned.txt", connection: "nope" }, () => {}),
      "ConnectionNotFound",
    );
    expect(err.message).toContain('"nope"');
    expect(err.hint).toContain("default");
    expect(h.requests()).toBe(before);
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({
        tool: "s3_get_object",
        status: "error",
        error: "ConnectionNotFound",
        connection: "nope",
      }),
    ]);
  });

  test.each([["toString"], ["__proto__"], ["constructor"], ["hasOwnProperty"]])(
    "a connection named %p (an Object.prototype name) is not found",
    async (name) => {
      await rejects(() => listBuckets(h.ctx, { connection: name }), "ConnectionNotFound");
    },
  );

  test.skipIf(!HAS_SECOND_USER)("a named additional connection works with its own credentials", async () => {
    const user2 = h.s3.users[1];
    const multi = await harness({
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
        second: {
          endpoint: h.s3.endpoint,
          path_style: true,
          region: h.s3.region,
          access_key_id: (user2 as { accessKeyId: string }).accessKeyId,
          secret_access_key: (user2 as { secretAccessKey: string }).secretAccessKey,
        },
      }),
    });
    try {
      // The default connection (user 1) reads; the second (user 2) is refused by S3.
      await getObject(multi.ctx, { bucket, key: "private/owned.txt" }, () => {});
      multi.mark();
      await rejects(
        () => getObject(multi.ctx, { bucket, key: "private/owned.txt", connection: "second" }, () => {}),
        "AccessDenied",
      );
      expect(multi.auditSinceMark()).toEqual([
        expect.objectContaining({ connection: "second", status: "error" }),
      ]);
      const conns = await listConnections(multi.ctx);
      expect(conns.connections.map((c) => c.name).sort()).toEqual(["default", "second"]);
      expect(conns.default_connection).toBe("default");
    } finally {
      multi.close();
    }
  });

  test("an endpoint nobody listens on: ServiceUnavailable", async () => {
    const dead = await harness({ S3_ENDPOINT: "http://127.0.0.1:1" });
    try {
      await expectError(dead, (c) => listBuckets(c, {}), "ServiceUnavailable", "s3_list_buckets");
    } finally {
      dead.close();
    }
  });
});

describe("an audit log that cannot be written fails the operation (never unaudited)", () => {
  const failingAudit = () => ({
    enabled: true,
    write() {
      throw new S3ToolError("InternalError", "the audit log could not be written (ENOSPC)");
    },
    close() {},
  });

  test.each([
    ["a successful read", (c: OpsContext) => getObject(c, { bucket, key: "private/owned.txt" }, () => {})],
    ["a refused call", (c: OpsContext) => putObject(c, { bucket: "", key: "x", body: text("x") })],
    ["an S3 error", (c: OpsContext) => headObject(c, { bucket, key: "missing" })],
  ])("%s -> InternalError", async (_name, op) => {
    const ctx = createOpsContext(h.config, { source: "cli", audit: failingAudit() });
    try {
      await rejects(() => op(ctx), "InternalError");
    } finally {
      ctx.close();
    }
  });
});

describe("invalid arguments", () => {
  test.each([
    ["an empty key", (c: OpsContext) => getObject(c, { bucket, key: "" }, () => {})],
    ["an empty bucket", (c: OpsContext) => getObject(c, { bucket: "", key: "k" }, () => {})],
    ["an empty bucket listing", (c: OpsContext) => listObjects(c, { bucket: "" })],
    [
      "bad metadata name",
      (c: OpsContext) => putObject(c, { bucket, key: "m", body: text("x"), metadata: { "bad name": "v" } }),
    ],
    [
      "non-ASCII metadata value",
      (c: OpsContext) => putObject(c, { bucket, key: "m", body: text("x"), metadata: { n: "caf\u00e9" } }),
    ],
  ])("%s: InvalidArgument, nothing sent", async (_name, op) => {
    const before = h.requests();
    h.mark();
    await rejects(() => op(h.ctx), "InvalidArgument");
    expect(h.requests()).toBe(before);
    expect(h.auditSinceMark()).toHaveLength(1);
  });
});
