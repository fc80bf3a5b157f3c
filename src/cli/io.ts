// The process's standard streams as the CLI uses them: back-pressured stdout writes (binary-safe,
// EPIPE-aware), synchronous stderr lines, and what we know about the terminal.
import { bytesWrittenCounter, nativeStdoutCopy } from "../runtime/index.ts";
import type { BodyCopier } from "../s3/body.ts";
import { writeToStderr } from "../stderr.ts";

export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown when stdout's reader went away (`mcp-s3 cat ... | head`). */
export class BrokenPipe extends Error {
  override readonly name = "BrokenPipe";
}

export interface Io {
  readonly env: Env;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** ANSI colours on stdout / stderr: a terminal, NO_COLOR unset, TERM not "dumb". */
  readonly stdoutColor: boolean;
  readonly stderrColor: boolean;
  /** Writes to stdout, resolving when the stream can take more (back-pressure). */
  write(data: string | Uint8Array): Promise<void>;
  /** Writes one line to stderr immediately. */
  error(text: string): void;
  /** Overwrites the current stderr line (progress bars). */
  status(text: string): void;
  /** Resolves when everything written to stdout has been handed to the OS. */
  flush(): Promise<void>;
  /** True once stdout's reader has gone away (EPIPE). */
  stdoutClosed(): boolean;
  /**
   * Copies a whole response body to stdout natively, where the runtime can and the system shows the
   * copy's progress (src/runtime/); undefined otherwise, and on a terminal.
   */
  readonly stdoutCopier?: BodyCopier | undefined;
}

export function processIo(env: Env): Io {
  const stdoutIsTTY = process.stdout.isTTY === true;
  const stderrIsTTY = process.stderr.isTTY === true;
  const colorOk = (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
  let broken: Error | undefined;
  let listening = false;
  const onError = (e: NodeJS.ErrnoException) => {
    broken ??= e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED" ? new BrokenPipe("stdout closed") : e;
  };
  const listen = () => {
    if (listening) return;
    listening = true;
    process.stdout.on("error", onError);
  };
  /** Resolves on 'drain', rejects when the stream fails first. */
  const drained = () =>
    new Promise<void>((resolve, reject) => {
      const ok = () => {
        process.stdout.off("error", bad);
        resolve();
      };
      const bad = (e: Error) => {
        process.stdout.off("drain", ok);
        onError(e as NodeJS.ErrnoException);
        reject(broken);
      };
      process.stdout.once("drain", ok);
      process.stdout.once("error", bad);
    });

  const io: Io = {
    env,
    stdoutIsTTY,
    stderrIsTTY,
    stdoutColor: stdoutIsTTY && colorOk,
    stderrColor: stderrIsTTY && colorOk,
    async write(data) {
      listen();
      if (broken !== undefined) throw broken;
      let ok: boolean;
      try {
        ok = process.stdout.write(data);
      } catch (e) {
        onError(e as NodeJS.ErrnoException);
        throw broken;
      }
      if (!ok) await drained();
      if (broken !== undefined) throw broken;
    },
    error(text) {
      writeToStderr(`${text}\n`);
    },
    status(text) {
      writeToStderr(`\r${text}\x1b[K`);
    },
    stdoutClosed: () => broken instanceof BrokenPipe,
    async flush() {
      listen();
      if (broken !== undefined) throw broken;
      await new Promise<void>((resolve) => {
        process.stdout.write("", () => resolve());
      });
      if (broken !== undefined) throw broken;
    },
  };
  const copy = stdoutIsTTY ? undefined : nativeStdoutCopy();
  const progress = copy === undefined ? undefined : bytesWrittenCounter();
  if (copy === undefined || progress === undefined) return io;
  const stdoutCopier: BodyCopier = {
    progress,
    async copy(body) {
      // What was written the ordinary way goes first.
      await io.flush();
      try {
        return await copy(body);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e;
        onError(e as NodeJS.ErrnoException);
        throw broken;
      }
    },
  };
  return { ...io, stdoutCopier };
}

export const ANSI = {
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  reset: "\x1b[0m",
} as const;

export function paint(on: boolean, style: keyof typeof ANSI, text: string): string {
  return on ? `${ANSI[style]}${text}${ANSI.reset}` : text;
}
