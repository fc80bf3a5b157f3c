// The embedded fallback S3 server: the s3rver emulator (a devDependency), in process, on loopback.
// Used by the demo and the tests when Ceph RGW is not installed. It is not a real S3: it accepts any
// secret, resolves dot segments in keys, has one account and no ListMultipartUploads (the test
// harness declares these as capabilities, tests/support/s3.ts).
import type crypto from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface S3rverServer {
  endpoint: string;
  region: "us-east-1";
  /** s3rver knows exactly one account, with these fixed keys. */
  users: [{ accessKeyId: string; secretAccessKey: string }];
  stop(): Promise<void>;
}

// s3rver ships no types; this is the part we use.
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

/** Whether the emulator can be loaded (it is a devDependency: absent from a production install). */
export async function isS3rverAvailable(): Promise<boolean> {
  try {
    await loadS3rver();
    return true;
  } catch {
    return false;
  }
}

async function loadS3rver(): Promise<S3rverClass> {
  // A non-literal specifier keeps the type checker from demanding type declarations.
  const specifier = "s3rver";
  return ((await import(specifier)) as { default: S3rverClass }).default;
}

/**
 * s3rver 3.7 seals listing continuation tokens with single DES, which OpenSSL 3 (and BoringSSL) no
 * longer offer by default: every listing longer than one page answered InternalError. DES-CBC is
 * 3DES-CBC with the key given three times, which every runtime has. Patched once, for 'des' only.
 */
function patchSingleDes(): void {
  // s3rver calls require("crypto").createCipheriv at each use: patch that (CommonJS) object.
  const c = createRequire(import.meta.url)("node:crypto") as {
    createCipheriv: typeof crypto.createCipheriv;
    createDecipheriv: typeof crypto.createDecipheriv;
    __mcpS3DesPatched?: boolean;
  };
  if (c.__mcpS3DesPatched) return;
  const toTripleDes = <F extends (alg: string, key: crypto.CipherKey, iv: Buffer | null) => unknown>(
    original: F,
  ) =>
    ((alg: string, key: crypto.CipherKey, iv: Buffer | null, ...rest: unknown[]) => {
      if (alg === "des" && Buffer.isBuffer(key) && key.length === 8) {
        return (original as (...a: unknown[]) => unknown)(
          "des-ede3-cbc",
          Buffer.concat([key, key, key]),
          iv,
          ...rest,
        );
      }
      return (original as (...a: unknown[]) => unknown)(alg, key, iv, ...rest);
    }) as unknown as F;
  c.createCipheriv = toTripleDes(c.createCipheriv.bind(c));
  c.createDecipheriv = toTripleDes(c.createDecipheriv.bind(c));
  c.__mcpS3DesPatched = true;
}

/** Starts s3rver on a free loopback port with its data in a temporary directory under `parent`. */
export async function startS3rver(parent = tmpdir()): Promise<S3rverServer> {
  const S3rver = await loadS3rver();
  patchSingleDes();
  const dir = mkdtempSync(join(parent, "s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    users: [{ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }],
    stop: async () => {
      await server.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
