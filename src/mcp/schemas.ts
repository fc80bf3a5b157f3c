// Input fields shared by several tools, each with its description and bounds. The tools/list JSON
// schema is generated from these, so what a model sees is exactly what is enforced.
import { z } from "zod";

/** S3 bucket names (legacy names included): letters, digits, dots, dashes, underscores; no path tricks. */
export const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const bucketField = (what = "Bucket name") =>
  z
    .string()
    .min(1)
    .max(255)
    .regex(
      BUCKET_NAME,
      "must be a bucket name (letters, digits, '.', '-', '_'; starting with a letter or digit)",
    )
    .describe(what);

export const keyField = (what = "Object key (the full path inside the bucket, e.g. reports/2024/q1.csv)") =>
  z.string().min(1).max(1024).describe(what);

export const connectionField = z
  .string()
  .min(1)
  .max(63)
  .optional()
  .describe("Connection to use (see s3_list_connections); omit for the default connection");

export const metadataField = (what: string) =>
  z.record(z.string().min(1).max(128), z.string().max(2048)).optional().describe(what);

/** Field names that hold bucket names: a malformed value there is InvalidBucketName, not InvalidArgument. */
export const BUCKET_FIELDS: ReadonlySet<string> = new Set(["bucket", "source_bucket", "dest_bucket"]);

// Output fields.
export const nullableString = (what: string) => z.string().nullable().describe(what);
export const userMetadata = z.record(z.string(), z.string()).describe("User metadata (x-amz-meta-*)");
