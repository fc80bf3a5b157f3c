// A regular file that refuses every append: sparse, at the largest size its file system allows, so
// each write(2) with O_APPEND fails with EFBIG. It stands in for a full disk (the audit log must be a
// regular file, so /dev/full no longer qualifies) and needs neither root nor a mount.

import { spawnSync } from "node:child_process";
import { appendFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";

/** The largest file size of ext4 (4 KiB blocks), xfs/btrfs/tmpfs, as a last resort past 2^53. */
const BEYOND_SAFE_INTEGERS = ["9223372036854775807", "17592186040320"];

/**
 * Creates `path` as such a file and returns the error code an append gets (normally "EFBIG"), or
 * undefined (file removed) where the file system cannot make one.
 */
export function fileThatRefusesAppends(path: string): string | undefined {
  writeFileSync(path, "", { mode: 0o600 });
  // The largest size truncate accepts, by bisection up to what a JavaScript number holds exactly.
  let lo = 0;
  let hi = Number.MAX_SAFE_INTEGER;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    try {
      truncateSync(path, mid);
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  if (lo === Number.MAX_SAFE_INTEGER) {
    for (const size of BEYOND_SAFE_INTEGERS) {
      if (spawnSync("truncate", ["-s", size, path], { timeout: 10_000 }).status === 0) break;
    }
  } else {
    truncateSync(path, lo);
  }
  try {
    appendFileSync(path, "x");
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? "unknown";
  }
  rmSync(path, { force: true });
  return undefined;
}
