// The directory a download is written into: created (with its parents) once, and checked to really
// lie below the destination directory. The key's path is checked already (paths.ts), but a symbolic
// link inside the destination (left there, or planted) would carry files written "below" it
// somewhere else entirely; so the directory's real path is compared with the destination's before
// a file is written into it. Both are done once per directory, not once per file.
import { mkdir, realpath } from "node:fs/promises";
import { relative, sep } from "node:path";
import { S3ToolError } from "../errors.ts";
import { localFileError } from "../local-errors.ts";

/** Directories already checked (per destination); forgotten when this many pile up. */
const REMEMBERED = 4096;

export class DestinationDirectories {
  private readonly roots = new Map<string, Promise<string>>();
  private readonly checked = new Map<string, Promise<void>>();

  /** Creates `dir` if needed; resolves when it is `root` or lies below it, else InvalidArgument. */
  ensure(root: string, dir: string): Promise<void> {
    const id = `${root}\0${dir}`;
    let done = this.checked.get(id);
    if (done === undefined) {
      if (this.checked.size >= REMEMBERED) this.checked.clear();
      done = this.verify(root, dir);
      // A failure is not remembered: the next item in that directory is checked afresh.
      done.catch(() => this.checked.delete(id));
      this.checked.set(id, done);
    }
    return done;
  }

  private async verify(root: string, dir: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw localFileError(e, dir, "create", "a file is in the way of the directory");
    }
    let realRoot = this.roots.get(root);
    if (realRoot === undefined) {
      realRoot = realpath(root);
      this.roots.set(root, realRoot);
    }
    let realDir: string;
    try {
      realDir = await realpath(dir);
    } catch (e) {
      throw localFileError(e, dir, "read");
    }
    const below = relative(await realRoot, realDir);
    if (below === "" || (!below.startsWith(`..${sep}`) && below !== ".." && !below.startsWith(sep))) return;
    throw new S3ToolError(
      "InvalidArgument",
      `${JSON.stringify(dir)} leads outside ${JSON.stringify(root)} (a symbolic link); nothing was written there`,
      "a download never writes outside its destination directory: remove the link or choose another destination",
    );
  }
}
