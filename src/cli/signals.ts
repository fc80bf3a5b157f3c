// SIGINT/SIGTERM for commands that transfer data: the first signal aborts the transfer (the command
// then cleans up: aborts the multipart upload, deletes the temporary file) and the process exits
// 130/143; a second signal runs the synchronous cleanups and exits at once.
import { Interrupted } from "./exit.ts";

export interface Cancellation {
  readonly signal: AbortSignal;
  /** The signal that arrived, if one did. */
  interrupted(): Interrupted | undefined;
  /** Registers a synchronous cleanup for a forced exit; returns its remover. */
  onForcedExit(fn: () => void): () => void;
  dispose(): void;
}

export function installCancellation(): Cancellation {
  const controller = new AbortController();
  const cleanups = new Set<() => void>();
  let caught: Interrupted | undefined;
  const handler = (sig: "SIGINT" | "SIGTERM") => {
    if (caught === undefined) {
      caught = new Interrupted(sig);
      controller.abort(caught);
      return;
    }
    for (const fn of cleanups) {
      try {
        fn();
      } catch {
        // Best effort on the way out.
      }
    }
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  const onInt = () => handler("SIGINT");
  const onTerm = () => handler("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signal: controller.signal,
    interrupted: () => caught,
    onForcedExit(fn) {
      cleanups.add(fn);
      return () => cleanups.delete(fn);
    },
    dispose() {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      cleanups.clear();
    },
  };
}
