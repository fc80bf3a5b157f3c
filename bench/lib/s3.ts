// S3 helpers for the benchmark: a raw SDK client (also the "direct call" baseline for the MCP
// overhead measure), bucket setup and fast parallel seeding.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

export interface S3Target {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** The same client settings mcp-s3 uses for a custom endpoint (path style, no streaming checksums). */
export function rawClient(t: S3Target, maxSockets = 64): S3Client {
  return new S3Client({
    region: t.region,
    endpoint: t.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 5,
    requestHandler: { httpAgent: { maxSockets, keepAlive: true } },
  });
}

export async function createBucket(c: S3Client, bucket: string): Promise<void> {
  try {
    await c.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw e;
  }
}

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
export async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** PUTs every key with a small body, bounded concurrency. */
export async function seedKeys(
  c: S3Client,
  bucket: string,
  keys: readonly string[],
  concurrency = 48,
): Promise<void> {
  const body = new TextEncoder().encode("x");
  await pool(keys.length, concurrency, async (i) => {
    await c.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keys[i] as string,
        Body: body,
        ContentLength: body.length,
      }),
    );
  });
}

export async function putBytes(c: S3Client, bucket: string, key: string, body: Uint8Array): Promise<void> {
  await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
}

export async function objectSize(c: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    const out = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return out.ContentLength;
  } catch {
    return undefined;
  }
}

export async function deleteKey(c: S3Client, bucket: string, key: string): Promise<void> {
  await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
