// The local side of an upload: a file's size (checked before the gate is asked) and its bytes,
// opened only once the upload starts reading, i.e. after the gate allowed it.
import { createReadStream, fstatSync, read, statSync } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
import { localFileError } from "../../local-errors.ts";
import type { ReadsInto } from "../../ops/put-object.ts";
import { usageError } from "../args.ts";

/** The size of the regular file `path`; a missing file or a directory is a usage error. */
export function uploadSize(path: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw usageError(
        `cannot read ${JSON.stringify(path)}: no such file`,
        "name an existing file, or - for stdin",
      );
    }
    throw localFileError(e, path, "read");
  }
  if (!st.isFile())
    throw usageError(`${JSON.stringify(path)} is not a regular file`, "name a file, or - for stdin");
  return st.size;
}

/**
 * Files up to this size are read with one call: a stream's buffers would cost more than the file,
 * and a tree of small files is mostly small files.
 */
const WHOLE_READ_MAX = 1024 * 1024;
/**
 * Reads of a streamed file. 256 KiB rather than 1 MiB: the same CPU for one 100 MiB put, and for
 * 16 files at once (put -r) 13 % less wall time and 15 % less peak RSS: the fresh 1 MiB chunks were
 * what the memory governor kept collecting (bench/NOTES.md §8).
 */
const READ_CHUNK = 256 * 1024;

/**
 * The file's bytes, opened when the upload starts reading; `size` (when known) picks how. Read as a
 * stream (one PutObject) or straight into the part buffers of a multipart upload (readInto).
 */
export function lazyFile(path: string, size?: number): AsyncIterable<Uint8Array> & ReadsInto {
  let file: Promise<FileHandle> | undefined;
  let position = 0;
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (size !== undefined && size <= WHOLE_READ_MAX) {
          yield await readFile(path);
          return;
        }
        yield* createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Uint8Array>;
      } catch (e) {
        throw localFileError(e, path, "read");
      }
    },
    async readInto(into) {
      try {
        file ??= open(path, "r");
        const { bytesRead } = await (await file).read(into, 0, into.byteLength, position);
        position += bytesRead;
        return bytesRead;
      } catch (e) {
        throw localFileError(e, path, "read");
      }
    },
    async close() {
      await (await file?.catch(() => undefined))?.close().catch(() => {});
    },
  };
}

/**
 * stdin is not touched unless the upload is allowed: a refused put leaves it unread. A file
 * redirected to stdin (`< big.bin`) is read like a file; Bun's process.stdin holds on to far more
 * memory in that case.
 */
export function lazyStdin(signal: AbortSignal): AsyncIterable<Uint8Array> {
  if (stdinIsFile()) return stdinFile();
  return {
    [Symbol.asyncIterator]: () => {
      const source = process.stdin;
      // Interrupted while a pipe is idle: let go of stdin, or the process could not exit.
      signal.addEventListener("abort", () => source.destroy(), { once: true });
      return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    },
  };
}

/** stdin redirected from a file, from where its offset stands; fd 0 stays open (not ours). */
function stdinFile(): AsyncIterable<Uint8Array> & ReadsInto {
  return {
    async *[Symbol.asyncIterator]() {
      yield* createReadStream("", {
        fd: 0,
        autoClose: false,
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Uint8Array>;
    },
    readInto: (into) =>
      new Promise((resolve, reject) =>
        read(0, into, 0, into.byteLength, null, (e, n) => (e === null ? resolve(n) : reject(e))),
      ),
    close: async () => {},
  };
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}
