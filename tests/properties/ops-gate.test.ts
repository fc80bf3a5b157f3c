// Property tests of the operation layer (src/ops) over a fake S3 client: for random policies and
// arguments, a refused operation never sends a request, is audited exactly once as `denied`, and a
// listing never returns a key or folder the policy refuses, whatever S3 answers.
import { describe, expect, test } from "bun:test";
import type { S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import type { AuditRecord, AuditWriter } from "../../src/audit/writer.ts";
import type { Config, Connection, Policy } from "../../src/config/schema.ts";
import { S3ToolError } from "../../src/errors.ts";
import { NO_LOG } from "../../src/log.ts";
import {
  copyObject,
  deleteObject,
  getObject,
  headObject,
  listObjects,
  type OpsContext,
  presignUrl,
  putObject,
} from "../../src/ops/index.ts";
import { compareKeys } from "../../src/ops/key-order.ts";
import type { ClientPool } from "../../src/s3/clients.ts";
import {
  bucketArb,
  keyArb,
  keyNear,
  policyArb,
  SEED,
  specBucketAllowed,
  specDotRefused,
  specFolderVisible,
  specKeyAllowed,
} from "./arbitraries.ts";

interface Fake {
  ctx: OpsContext;
  sent: string[];
  audit: AuditRecord[];
}

/** An OpsContext whose S3 client records requests and answers from `listing`. */
function fakeContext(
  policy: Policy,
  listing: { keys: string[]; folders: string[] } = { keys: [], folders: [] },
): Fake {
  const sent: string[] = [];
  const audit: AuditRecord[] = [];
  const connection: Connection = {
    name: "default",
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    path_style: true,
    access_key_id: "AKFAKEFAKEFAKE",
    secret_access_key: "fake-secret",
    timeout_ms: 1000,
    policy,
  };
  const config: Config = {
    default_connection: "default",
    connections: { default: connection },
    audit: { enabled: true },
    logging: false,
  };
  const body = new Uint8Array([1, 2, 3]);
  const client = {
    async send(command: { constructor: { name: string } }) {
      const name = command.constructor.name;
      sent.push(name);
      switch (name) {
        case "HeadObjectCommand":
          return { ContentLength: 3, ETag: '"e"', Metadata: {} };
        case "GetObjectCommand":
          return {
            ContentLength: 3,
            Body: (async function* () {
              yield body;
            })(),
          };
        case "ListObjectsV2Command": {
          // Answered as S3 orders a page: sorted by UTF-8 bytes, after StartAfter, at most MaxKeys.
          const { StartAfter, MaxKeys = 1000 } = (command as unknown as { input: ListInput }).input;
          const entries = s3Entries(listing).filter(
            (e) => StartAfter === undefined || compareKeys(e.name, StartAfter) > 0,
          );
          const page = entries.slice(0, MaxKeys);
          return {
            Contents: page.filter((e) => !e.folder).map((e) => ({ Key: e.name, Size: 1 })),
            CommonPrefixes: page.filter((e) => e.folder).map((e) => ({ Prefix: e.name })),
            IsTruncated: entries.length > page.length,
          };
        }
        case "CopyObjectCommand":
          return { CopyObjectResult: { ETag: '"e"' } };
        default:
          return { ETag: '"e"' };
      }
    },
    destroy() {},
  } as unknown as S3Client;
  const clients: ClientPool = {
    connection(name) {
      if (name !== undefined && name !== "default")
        throw new S3ToolError("ConnectionNotFound", `connection ${name} is not configured`);
      return connection;
    },
    client: () => client,
    // Presigning is local computation; a real client with fake keys signs without any request.
    presignClient: () => realPresigner,
    destroy() {},
  };
  const writer: AuditWriter = {
    enabled: true,
    write: (r) => void audit.push(r),
    close() {},
  };
  return { ctx: { config, clients, audit: writer, log: NO_LOG, source: "mcp" }, sent, audit };
}

interface ListInput {
  StartAfter?: string;
  MaxKeys?: number;
}

/**
 * The listing as S3 would hold it: no duplicates, and no key equal to a common prefix (S3 would have
 * rolled it into the prefix), in S3's order.
 */
function s3Entries(listing: { keys: string[]; folders: string[] }): { name: string; folder: boolean }[] {
  const folders = new Set(listing.folders);
  const keys = new Set(listing.keys.filter((k) => !folders.has(k)));
  return [
    ...[...keys].map((name) => ({ name, folder: false })),
    ...[...folders].map((name) => ({ name, folder: true })),
  ].sort((a, b) => compareKeys(a.name, b.name));
}

const { S3Client: RealS3Client } = await import("@aws-sdk/client-s3");
const realPresigner = new RealS3Client({
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  forcePathStyle: true,
  credentials: { accessKeyId: "AKFAKEFAKEFAKE", secretAccessKey: "fake-secret" },
});

type OpName = "get" | "head" | "put" | "delete" | "copy" | "presign-get" | "presign-put";
const opArb = fc.constantFrom<OpName>("get", "head", "put", "delete", "copy", "presign-get", "presign-put");

async function run(
  f: Fake,
  op: OpName,
  bucket: string,
  key: string,
  bucket2: string,
  key2: string,
): Promise<unknown> {
  switch (op) {
    case "get":
      return getObject(f.ctx, { bucket, key }, () => {});
    case "head":
      return headObject(f.ctx, { bucket, key });
    case "put":
      return putObject(f.ctx, { bucket, key, body: new Uint8Array([1, 2, 3]) });
    case "delete":
      return deleteObject(f.ctx, { bucket, key });
    case "copy":
      return copyObject(f.ctx, {
        source_bucket: bucket,
        source_key: key,
        dest_bucket: bucket2,
        dest_key: key2,
      });
    case "presign-get":
      return presignUrl(f.ctx, { bucket, key, method: "GET" });
    case "presign-put":
      return presignUrl(f.ctx, { bucket, key, method: "PUT" });
  }
}

/** What the spec says about one (access, bucket, key) before any size is known. */
function specAllows(policy: Policy, access: "read" | "write" | "delete", bucket: string, key: string) {
  if (access !== "read" && policy.read_only) return false;
  return (
    specBucketAllowed(policy, bucket) &&
    key !== "" &&
    !specDotRefused(policy, key) &&
    specKeyAllowed(policy, key)
  );
}

describe("operations over a fake S3", () => {
  test("a refused operation sends nothing and is audited once as denied; an allowed one succeeds", async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb.chain((p) => fc.tuple(fc.constant(p), opArb, bucketArb, keyNear(p), bucketArb, keyNear(p))),
        async ([policy, op, bucket, key, bucket2, key2]) => {
          // Size limits are large enough for the 3-byte objects here: only ACLs and modes decide.
          const p: Policy = { ...policy, max_get_size: 1000, max_put_size: 1000 };
          const f = fakeContext(p);
          const allowed =
            op === "copy"
              ? specAllows(p, "read", bucket, key) && specAllows(p, "write", bucket2, key2)
              : specAllows(
                  p,
                  op === "get" || op === "head" || op === "presign-get"
                    ? "read"
                    : op === "delete"
                      ? "delete"
                      : "write",
                  bucket,
                  key,
                );
          let error: unknown;
          try {
            await run(f, op, bucket, key, bucket2, key2);
          } catch (e) {
            error = e;
          }
          expect(f.audit).toHaveLength(1);
          if (allowed) {
            expect(error).toBeUndefined();
            expect(f.audit[0]?.status).toBe("success");
          } else {
            expect(error).toBeInstanceOf(S3ToolError);
            expect([
              "ReadOnlyMode",
              "PrefixDenied",
              "BucketDenied",
              "InvalidArgument",
              "InvalidBucketName",
            ]).toContain((error as S3ToolError).code);
            expect(f.sent).toEqual([]);
            expect(f.audit[0]?.status).toBe("denied");
          }
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test("listings never return a refused key or folder, whatever S3 answers, and drop nothing allowed", async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb.chain((p) =>
          fc.tuple(
            fc.constant(p),
            fc.oneof(fc.constant(""), keyNear(p)),
            fc.array(keyNear(p), { maxLength: 12 }),
            fc.array(keyNear(p), { maxLength: 6 }),
          ),
        ),
        async ([policy, prefix, keys, folders]) => {
          const p: Policy = { ...policy, allowed_buckets: [], denied_buckets: [] };
          const f = fakeContext(p, { keys, folders });
          let result: Awaited<ReturnType<typeof listObjects>> | undefined;
          let error: unknown;
          try {
            result = await listObjects(f.ctx, { bucket: "alpha", prefix, delimiter: "/" });
          } catch (e) {
            error = e;
          }
          expect(f.audit).toHaveLength(1);
          if (result === undefined) {
            expect((error as S3ToolError).code).toBe(
              specDotRefused(p, prefix) ? "InvalidArgument" : "PrefixDenied",
            );
            expect(f.sent).toEqual([]);
            expect(f.audit[0]?.status).toBe("denied");
            return;
          }
          for (const o of result.objects) expect(specKeyAllowed(p, o.key)).toBe(true);
          for (const c of result.common_prefixes) expect(specFolderVisible(p, c)).toBe(true);
          const held = s3Entries({ keys, folders });
          expect(result.objects.map((o) => o.key)).toEqual(
            held.filter((e) => !e.folder && specKeyAllowed(p, e.name)).map((e) => e.name),
          );
          expect(result.common_prefixes).toEqual(
            held.filter((e) => e.folder && specFolderVisible(p, e.name)).map((e) => e.name),
          );
          expect(result.is_truncated).toBe(false);
          expect(result.count).toBe(result.objects.length + result.common_prefixes.length);
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test("an unknown connection name is an error, never the default connection", async () => {
    await fc.assert(
      fc.asyncProperty(keyArb, async (name) => {
        fc.pre(name !== "default");
        const f = fakeContext({ ...(fc.sample(policyArb, { seed: SEED, numRuns: 1 })[0] as Policy) });
        const e = await headObject(f.ctx, { bucket: "alpha", key: "k", connection: name }).catch((x) => x);
        expect((e as S3ToolError).code).toBe("ConnectionNotFound");
        expect(f.sent).toEqual([]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

test("regression: an empty bucket name is refused as InvalidArgument before the SDK sees it (was InternalError)", async () => {
  const policy = { ...(fc.sample(policyArb, { seed: SEED, numRuns: 1 })[0] as Policy), read_only: false };
  for (const op of ["get", "head", "put", "delete", "presign-get", "copy"] as const) {
    const f = fakeContext({ ...policy, allowed_buckets: [], denied_buckets: [], prefix_acl: false });
    const e = await run(f, op, "", "k", "", "k").catch((x) => x);
    expect((e as S3ToolError).code).toBe("InvalidArgument");
    expect(f.sent).toEqual([]);
  }
});
