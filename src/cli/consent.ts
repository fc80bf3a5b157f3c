// Consent on the command line (SPEC §6.1 Consent): when stdin is a terminal, one y/N question on
// stderr; `--yes` (-y) consents in advance, for scripts; with neither, an operation the policy's
// `confirm` list names is refused with ConsentRequired (exit 3). The operation layer decides when to
// ask (src/ops/consent.ts); this only puts the question.
import { createInterface } from "node:readline";
import type { ConsentAsker, ConsentRequest } from "../ops/consent.ts";

/** Where a question can be put to a human. */
export interface Terminal {
  /** True when someone can answer: stdin is a terminal. */
  readonly interactive: boolean;
  /** Writes `question` to stderr and reads one line; undefined on end of input or once `signal` fires. */
  ask(question: string, signal: AbortSignal): Promise<string | undefined>;
}

export interface CliConsentOptions {
  /** --yes: every question is answered yes without being put. */
  readonly yes: boolean;
  readonly terminal: Terminal;
}

export function cliConsent(options: CliConsentOptions): ConsentAsker {
  return {
    async ask(request) {
      if (options.yes) return "accepted";
      if (!options.terminal.interactive) return "unavailable";
      const line = await oneAtATime(() => options.terminal.ask(question(request), request.signal));
      return isYes(line) ? "accepted" : "declined";
    },
    declinedHint: () => "nothing was done; run the command again and answer y to go ahead",
    unavailable: () => ({
      reason: "stdin is not a terminal, so no one can be asked",
      hint: "run the command on a terminal to answer the question, or pass --yes (-y) to consent in advance (scripts)",
    }),
  };
}

/** `mcp-s3: delete s3://b/k on connection "default"? [y/N] ` */
export function question(request: Pick<ConsentRequest, "summary">): string {
  return `mcp-s3: ${request.summary}? [y/N] `;
}

/** Only y or yes (any case) is a yes; anything else, an empty line or no line at all is a no. */
export function isYes(line: string | undefined): boolean {
  return line !== undefined && /^\s*y(es)?\s*$/i.test(line);
}

// There is one terminal per process: questions from operations running in parallel (`run`, bulk
// commands) are put one after the other, never interleaved.
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => {});
  return next;
}

/** The process's terminal: the question on stderr, the answer from stdin. */
export function processTerminal(): Terminal {
  return {
    interactive: process.stdin.isTTY === true,
    ask(text, signal) {
      return new Promise<string | undefined>((resolve) => {
        if (signal.aborted) {
          resolve(undefined);
          return;
        }
        process.stderr.write(text);
        const rl = createInterface({ input: process.stdin, terminal: false });
        let done = false;
        const finish = (line: string | undefined) => {
          if (done) return;
          done = true;
          signal.removeEventListener("abort", onAbort);
          rl.close();
          // Leave the input as it was found, so it does not keep the process alive.
          process.stdin.pause();
          resolve(line);
        };
        const onAbort = () => {
          process.stderr.write("\n");
          finish(undefined);
        };
        rl.once("line", (line) => finish(line));
        rl.once("close", () => finish(undefined));
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
