// Tests of the test harness itself: the server it picks is really S3 (auth enforced, users
// separated), the helpers round-trip, and a stopped RGW leaves no process and no directory behind.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { isRgwInstalled, startRgw } from "../../scripts/rgw.ts";
import {
  adminClient,
  createTestBucket,
  getTestObject,
  getTestS3,
  listAllKeys,
  listMultipartUploads,
  putTestObject,
  testEnv,
} from "./s3.ts";

const EXTERNAL = Boolean(process.env.MCP_S3_TEST_ENDPOINT);
const RGW = !EXTERNAL && isRgwInstalled() && process.env.MCP_S3_TEST_SERVER !== "s3rver";

/** What the S3 SDK error says, as far as these tests care. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the request to fail");
}

describe("test S3 server", () => {
  test("is Ceph RGW whenever radosgw is installed", async () => {
    const s3 = await getTestS3();
    if (EXTERNAL) expect(s3.kind).toBe("external");
    else expect(s3.kind).toBe(RGW ? "rgw" : "s3rver");
    if (s3.kind === "rgw") {
      expect(s3.users).toHaveLength(2);
      expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Fake keys only: nothing that looks like a real AWS access key.
      for (const u of s3.users) expect(u.accessKeyId).not.toMatch(/^(AKIA|ASIA)/);
    }
  });

  test("returns the same server to every caller", async () => {
    expect(await getTestS3()).toBe(await getTestS3());
  });

  test("bucket names are unique, valid and lowercase", async () => {
    const s3 = await getTestS3();
    const a = await createTestBucket(s3, "Harness_Test.Name");
    const b = await createTestBucket(s3, "x".repeat(80));
    for (const name of [a, b]) {
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    }
    expect(a).not.toBe(await createTestBucket(s3, "Harness_Test.Name"));
  });

  test("put, get and list round-trip bytes exactly", async () => {
    const s3 = await getTestS3();
    const bucket = await createTestBucket(s3);
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await putTestObject(s3, bucket, "dir/a.bin", bytes, "application/octet-stream");
    await putTestObject(s3, bucket, "dir/b.txt", "héllo");
    await putTestObject(s3, bucket, "top.txt", "top");
    expect(await getTestObject(s3, bucket, "dir/a.bin")).toEqual(bytes);
    expect(new TextDecoder().decode((await getTestObject(s3, bucket, "dir/b.txt")) ?? undefined)).toBe(
      "héllo",
    );
    expect(await getTestObject(s3, bucket, "missing")).toBeNull();
    // Sorted here only because s3rver lists in file-system order; real S3 lists in key order.
    expect((await listAllKeys(s3, bucket)).sort()).toEqual(["dir/a.bin", "dir/b.txt", "top.txt"]);
    expect((await listAllKeys(s3, bucket, "dir/")).sort()).toEqual(["dir/a.bin", "dir/b.txt"]);
    if (s3.kind === "s3rver") {
      await expect(listMultipartUploads(s3, bucket)).rejects.toThrow(/s3rver implements neither/);
    } else {
      expect(await listMultipartUploads(s3, bucket)).toEqual([]);
    }
  });

  test("listMultipartUploads sees an upload in progress until it is aborted", async () => {
    const s3 = await getTestS3();
    if (s3.kind === "s3rver") return; // not implemented by the emulator (covered above)
    const bucket = await createTestBucket(s3);
    const c = adminClient(s3);
    const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(await listMultipartUploads(s3, bucket)).toEqual([{ key: "big.bin", uploadId: UploadId ?? "" }]);
    await c.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "big.bin", UploadId }));
    expect(await listMultipartUploads(s3, bucket)).toEqual([]);
  });

  test("a wrong secret is rejected", async () => {
    const s3 = await getTestS3();
    if (s3.kind === "s3rver") return; // the emulator does not check signatures
    const [u] = s3.users;
    if (!u) throw new Error("no user");
    const bad = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: u.accessKeyId, secretAccessKey: `${u.secretAccessKey}-wrong` },
    });
    const f = await failure(bad.send(new ListBucketsCommand({})));
    expect(f.status).toBe(403);
    expect(f.name).toBe("SignatureDoesNotMatch");
  });

  test("the second user cannot read the first user's bucket", async () => {
    const s3 = await getTestS3();
    if (s3.users.length < 2) return; // s3rver, or an external server with one user
    const bucket = await createTestBucket(s3);
    await putTestObject(s3, bucket, "secret.txt", "user 1 only");
    const other = adminClient(s3, 1);
    const f = await failure(other.send(new ListObjectsV2Command({ Bucket: bucket })));
    expect(f.name).toBe("AccessDenied");
    expect(f.status).toBe(403);
  });

  test("testEnv is hermetic: fresh HOME, no AWS_PROFILE, the chosen user's keys", async () => {
    const s3 = await getTestS3();
    const env = testEnv(s3, s3.users.length - 1);
    const user = s3.users[s3.users.length - 1];
    expect(env.S3_ENDPOINT).toBe(s3.endpoint);
    expect(env.S3_USE_PATH_STYLE).toBe("true");
    expect(env.AWS_REGION).toBe("us-east-1");
    expect(env.AWS_ACCESS_KEY_ID).toBe(user?.accessKeyId);
    expect(env.AWS_SECRET_ACCESS_KEY).toBe(user?.secretAccessKey);
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.HOME).not.toBe(process.env.HOME);
    expect(readdirSync(env.HOME ?? "")).toEqual([".config"]);
    expect(readdirSync(env.XDG_CONFIG_HOME ?? "")).toEqual([]);
    expect(testEnv(s3).HOME).not.toBe(env.HOME);
  });
});

describe.skipIf(!isRgwInstalled())("startRgw", () => {
  /** Program names of live (non-zombie) processes whose command line mentions `dir`. */
  function processesUsing(dir: string): string[] {
    const names: string[] = [];
    for (const e of readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const cmdline = readFileSync(`/proc/${e}/cmdline`, "utf8");
        const stat = readFileSync(`/proc/${e}/stat`, "utf8");
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        if (cmdline.includes(dir) && state !== "Z") names.push(cmdline.split("\0")[0] ?? "");
      } catch {
        // exited meanwhile
      }
    }
    return names.sort();
  }

  test("stop() ends every daemon and removes the directory", async () => {
    const rgw = await startRgw();
    try {
      expect(rgw.region).toBe("us-east-1");
      // The three daemons, and the guardian that would stop them if this process died.
      expect(processesUsing(rgw.dir)).toEqual(["/bin/sh", "ceph-mon", "ceph-osd", "radosgw"]);
      expect(existsSync(rgw.dir)).toBe(true);
    } finally {
      await rgw.stop();
    }
    expect(processesUsing(rgw.dir)).toEqual([]);
    expect(existsSync(rgw.dir)).toBe(false);
    await rgw.stop(); // idempotent
  });

  test("refuses a port in the OSD range", async () => {
    await expect(startRgw({ port: 6900 })).rejects.toThrow(/OSD port range/);
  });
});
