// The local side of an upload: a file's size (checked before the gate is asked) and its bytes,
// opened only once the upload starts reading, i.e. after the gate allowed it.
import { createReadStream, fstatSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { localFileError } from "../../local-errors.ts";
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
 * Files up to this size are read with one call: a stream's buffer (1 MiB) would cost more than the
 * file, and a tree of small files is mostly small files.
 */
const WHOLE_READ_MAX = 1024 * 1024;

/** The file's bytes, opened when the upload starts reading; `size` (when known) picks how. */
export function lazyFile(path: string, size?: number): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (size !== undefined && size <= WHOLE_READ_MAX) {
          yield await readFile(path);
          return;
        }
        yield* createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
      } catch (e) {
        throw localFileError(e, path, "read");
      }
    },
  };
}

/**
 * stdin is not touched unless the upload is allowed: a refused put leaves it unread. A file
 * redirected to stdin (`< big.bin`) is read like a file; Bun's process.stdin holds on to far more
 * memory in that case.
 */
export function lazyStdin(signal: AbortSignal): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      const source = stdinIsFile()
        ? createReadStream("", { fd: 0, autoClose: false, highWaterMark: 1024 * 1024 })
        : process.stdin;
      // Interrupted while a pipe is idle: let go of stdin, or the process could not exit.
      signal.addEventListener("abort", () => source.destroy(), { once: true });
      return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    },
  };
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}
