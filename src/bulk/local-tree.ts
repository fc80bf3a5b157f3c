// The files below a local directory, streamed in the order S3 lists keys (UTF-8 byte order of the
// path relative to the root, "/"-separated), so that a sync can walk a directory and a listing side
// by side without holding either. Only one directory's entries are held at a time per level of the
// descent (they must be sorted); nothing else is collected.
//
// Symbolic links are not followed unless asked: a link is reported as skipped. When they are
// followed, a link back into a directory being walked (a loop) is reported instead of walked again.
import { Buffer } from "node:buffer";
import type { Dirent, Stats } from "node:fs";
import { lstat, opendir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { localFileError } from "../local-errors.ts";

export interface LocalFile {
  readonly kind: "file";
  /** "/"-separated path below the root ("" segments never occur). */
  readonly relative: string;
  /** The path to open. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Something under the root that is not uploaded: a link not followed, a special file, an error. */
export interface LocalSkip {
  readonly kind: "skip";
  readonly relative: string;
  readonly path: string;
  /** Why, in words. */
  readonly reason: string;
  /** An S3ToolError when the entry could not be read (reported as failed, not skipped). */
  readonly error?: unknown;
  /** A directory whose contents are unknown (so a sync must not delete what lies below it). */
  readonly directory?: boolean;
}

export type LocalEntry = LocalFile | LocalSkip;

export interface WalkLocalOptions {
  readonly followSymlinks: boolean;
  /** Takes a relative path: files not taken are not even stat'ed. */
  readonly filter?: ((relative: string) => boolean) | undefined;
}

interface Frame {
  /** Relative path of the directory, with a trailing "/" ("" for the root). */
  readonly relative: string;
  readonly path: string;
  /** Entries still to visit, sorted in key order, last one first (popped from the end). */
  readonly pending: { name: string; sortKey: Buffer; dirent: Dirent }[];
  /** dev:ino of the directories on the way down (to catch symlink loops). */
  readonly ancestors: ReadonlySet<string>;
}

/**
 * Every file below `root`, in key order. A `root` that is a file yields that one file, named by
 * its base name.
 */
export async function* walkLocal(root: string, options: WalkLocalOptions): AsyncGenerator<LocalEntry> {
  let top: Stats;
  try {
    top = await stat(root);
  } catch (e) {
    throw localFileError(e, root, "read", "name an existing directory");
  }
  if (!top.isDirectory()) {
    const name = basename(root);
    if (top.isFile())
      yield { kind: "file", relative: name, path: root, size: top.size, mtimeMs: top.mtimeMs };
    else yield { kind: "skip", relative: name, path: root, reason: "not a regular file" };
    return;
  }
  const stack: Frame[] = [];
  const rootFrame = await openFrame("", root, new Set([`${top.dev}:${top.ino}`]), options.followSymlinks);
  if ("error" in rootFrame) throw localFileError(rootFrame.error, root, "list");
  stack.push(rootFrame);
  const filter = options.filter;

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const next = frame.pending.pop();
    if (next === undefined) {
      stack.pop();
      continue;
    }
    const relative = frame.relative + next.name;
    const path = join(frame.path, next.name);
    let dirent: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean } = next.dirent;
    let info: Stats | undefined;
    try {
      if (dirent.isSymbolicLink()) {
        if (!options.followSymlinks) {
          if (filter === undefined || filter(relative)) {
            yield {
              kind: "skip",
              relative,
              path,
              reason: "a symbolic link (not followed without --follow-symlinks)",
            };
          }
          continue;
        }
        info = await stat(path);
        dirent = info;
      }
      if (dirent.isDirectory()) {
        info ??= await stat(path);
        const id = `${info.dev}:${info.ino}`;
        if (frame.ancestors.has(id)) {
          yield { kind: "skip", relative, path, reason: "a symbolic link loop (not walked twice)" };
          continue;
        }
        const child = await openFrame(
          `${relative}/`,
          path,
          new Set([...frame.ancestors, id]),
          options.followSymlinks,
        );
        if ("error" in child) {
          yield {
            kind: "skip",
            relative,
            path,
            reason: "the directory cannot be read",
            error: localFileError(child.error, path, "list"),
            directory: true,
          };
          continue;
        }
        stack.push(child);
        continue;
      }
      if (filter !== undefined && !filter(relative)) continue;
      if (!dirent.isFile()) {
        yield { kind: "skip", relative, path, reason: "not a regular file" };
        continue;
      }
      info ??= await lstat(path);
      yield { kind: "file", relative, path, size: info.size, mtimeMs: info.mtimeMs };
    } catch (e) {
      // Gone since the directory was read, or unreadable: that entry fails, the walk goes on.
      yield {
        kind: "skip",
        relative,
        path,
        reason: "cannot be read",
        error: localFileError(e, path, "read"),
      };
    }
  }
}

async function openFrame(
  relative: string,
  path: string,
  ancestors: ReadonlySet<string>,
  followSymlinks: boolean,
): Promise<Frame | { error: unknown }> {
  const pending: Frame["pending"] = [];
  try {
    const dir = await opendir(path);
    for await (const dirent of dir) {
      // A directory sorts as its name followed by "/", as its keys do ("a-b" < "a/x": '-' < '/').
      const directory =
        dirent.isDirectory() ||
        (followSymlinks && dirent.isSymbolicLink() && (await isDirectory(join(path, dirent.name))));
      pending.push({
        name: dirent.name,
        sortKey: Buffer.from(directory ? `${dirent.name}/` : dirent.name),
        dirent,
      });
    }
  } catch (error) {
    return { error };
  }
  // Descending, so that pop() gives the next entry in key order.
  pending.sort((a, b) => Buffer.compare(b.sortKey, a.sortKey));
  return { relative, path, pending, ancestors };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
