// --checksum for a local file: does the file hold what the object holds? An object stored by one
// PutObject has the MD5 of its bytes as ETag; one stored by a multipart upload has the MD5 of its
// parts' MD5s followed by "-<parts>", which depends on the part size. We compute the ETag the
// uploads of this tool produce (PART_SIZE parts, larger for very large files); an object uploaded
// with other part sizes, or with an ETag that is not an MD5 at all (SSE-KMS), counts as different
// and is sent again: a false "differs" costs a transfer, a false "same" would lose data.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { localFileError } from "../local-errors.ts";
import { uploadPartSize } from "../ops/put-object.ts";
import { etagParts, normalEtag } from "./sync-compare.ts";

export async function fileMatchesEtag(path: string, size: number, etag: string | null): Promise<boolean> {
  const wanted = normalEtag(etag);
  if (wanted === undefined) return false;
  const parts = etagParts(wanted);
  if (parts < 0) return false;
  const partSize = parts === 0 ? Number.POSITIVE_INFINITY : uploadPartSize(size);
  if (parts > 0 && Math.max(1, Math.ceil(size / partSize)) !== parts) return false;
  return (await fileEtag(path, partSize, parts > 0)) === wanted;
}

/** The MD5 ETag of a file read in parts of `partSize` (multipart form when `multipart`). */
async function fileEtag(path: string, partSize: number, multipart: boolean): Promise<string> {
  const whole = createHash("md5");
  const partDigests: Buffer[] = [];
  let part = createHash("md5");
  let inPart = 0;
  try {
    for await (const chunk of createReadStream(path, {
      highWaterMark: 1024 * 1024,
    }) as AsyncIterable<Buffer>) {
      if (!multipart) {
        whole.update(chunk);
        continue;
      }
      let at = 0;
      while (at < chunk.byteLength) {
        const take = Math.min(chunk.byteLength - at, partSize - inPart);
        part.update(chunk.subarray(at, at + take));
        inPart += take;
        at += take;
        if (inPart === partSize) {
          partDigests.push(part.digest());
          part = createHash("md5");
          inPart = 0;
        }
      }
    }
  } catch (e) {
    throw localFileError(e, path, "read");
  }
  if (!multipart) return whole.digest("hex");
  if (inPart > 0 || partDigests.length === 0) partDigests.push(part.digest());
  return `${createHash("md5").update(Buffer.concat(partDigests)).digest("hex")}-${partDigests.length}`;
}
