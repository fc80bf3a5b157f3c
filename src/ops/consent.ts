// Asking a human before an operation of a `confirm` class runs (SPEC §3 Consent). runOperation calls
// this only after the gate allowed every touch, so no one is ever asked about a call another rule
// refuses. How the question is put (MCP elicitation, a terminal prompt) is the front end's business:
// it hands a ConsentAsker to the operation context. Without one, nothing is ever silently allowed.
import type { ConsentClass, Policy } from "../config/schema.ts";
import { formatDuration, formatSize } from "../config/values.ts";
import { PolicyRefusal, S3ToolError } from "../errors.ts";
import { classesNeedingConsent } from "../policy/consent.ts";
import type { Touch } from "../policy/decide.ts";
import type { AuditFields, OpsContext } from "./run.ts";

export type ConsentAnswer = "accepted" | "declined" | "unavailable";

/** The hint of a declined operation unless the front end words its own. */
const AGENT_DECLINED_HINT = "the user did not approve this operation: do not retry it unless they ask for it";

/** The exact operation a human is asked about, named by the same fields as its audit line. */
export interface ConsentRequest extends AuditFields {
  /** The tool name the operation is audited under. */
  readonly tool: string;
  readonly connection: string;
  /** The classes of `confirm` this operation falls under (never empty). */
  readonly classes: readonly ConsentClass[];
  /** For a request that carries many items (DeleteObjects): how many, all of the same kind. */
  readonly count?: number | undefined;
  /** Bytes written or copied, when known. */
  readonly size?: number | undefined;
  /** For a presigned URL: its method. */
  readonly method?: "GET" | "PUT" | undefined;
  /** The operation in plain words, e.g. `delete s3://b/k on connection "default"`. */
  readonly summary: string;
  /** The summary with the tool name in front: `s3_delete_object: delete s3://b/k on connection "default"`. */
  readonly description: string;
  /** How long the asker may wait; after it `signal` fires and the answer counts as declined. */
  readonly timeoutMs: number;
  /** Fires when the answer is no longer wanted (timeout, or the call was cancelled). */
  readonly signal: AbortSignal;
}

/** What a front end gives the operation layer so that it can ask a human. */
export interface ConsentAsker {
  ask(request: ConsentRequest): Promise<ConsentAnswer>;
  /** Why no one can be asked, and what to do instead, for a ConsentRequired refusal. */
  unavailable(request: ConsentRequest): { readonly reason: string; readonly hint: string };
  /** The hint of a ConsentDeclined refusal, in this front end's words (default: addressed to an agent). */
  declinedHint?(request: ConsentRequest): string;
}

/** The parts of an operation's spec a consent question is built from. */
export interface ConsentSubject extends AuditFields {
  readonly tool: string;
  readonly touches: readonly Touch[];
  /** The classes, when the caller knows them without touches (a whole command, consentForMany). */
  readonly classes?: readonly ConsentClass[] | undefined;
  /** Says what is asked when the touches cannot (a whole command, with its counts). */
  readonly summary?: string | undefined;
  readonly count?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface ConsentOutcome {
  /** Undefined when the operation falls under no `confirm` class (no one was asked). */
  readonly answer: ConsentAnswer | undefined;
  /** The refusal to throw when the answer is not `accepted`. */
  readonly refusal?: PolicyRefusal;
}

/**
 * Asks for consent if the policy wants it for this operation. Never throws for a "no": the answer and
 * the refusal come back so the caller can audit the answer. Throws Cancelled when the call itself was
 * cancelled while waiting.
 */
export async function obtainConsent(
  asker: ConsentAsker | undefined,
  policy: Policy,
  connection: string,
  subject: ConsentSubject,
  learnt: { readonly size?: number | undefined } = {},
): Promise<ConsentOutcome> {
  const classes =
    subject.classes === undefined
      ? classesNeedingConsent(policy, subject.touches)
      : subject.classes.filter((c) => (policy.confirm ?? []).includes(c));
  if (classes.length === 0) return { answer: undefined };

  const timeout = new AbortController();
  const signal =
    subject.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, subject.signal]);
  const request: ConsentRequest = {
    tool: subject.tool,
    connection,
    classes,
    bucket: subject.bucket,
    key: subject.key,
    prefix: subject.prefix,
    dest_bucket: subject.dest_bucket,
    dest_key: subject.dest_key,
    count: subject.count,
    size: learnt.size ?? sizeOf(subject.touches),
    method: subject.touches.find((t) => t.presign !== undefined)?.presign,
    summary: "",
    description: "",
    timeoutMs: policy.consent_timeout_ms,
    signal,
  };
  const summary = subject.summary ?? summarize(request);
  const described: ConsentRequest = { ...request, summary, description: `${subject.tool}: ${summary}` };

  if (asker === undefined) {
    return unavailable(described, {
      reason: "no one can be asked here",
      hint: `ask an administrator to remove ${classes.join(", ")} from confirm (MCP_S3_CONFIRM / policy.confirm) if it should run unattended`,
    });
  }

  let answer: ConsentAnswer;
  const timer = setTimeout(() => timeout.abort(), policy.consent_timeout_ms);
  try {
    answer = await Promise.race([asker.ask(described), whenAborted(signal)]);
  } catch {
    // An asker that failed (the client went away mid-question) never counts as a yes.
    answer = signal.aborted ? "declined" : "unavailable";
  } finally {
    clearTimeout(timer);
  }
  if (subject.signal?.aborted === true) {
    throw new S3ToolError("Cancelled", `${subject.tool} was cancelled while waiting for consent`);
  }
  if (timeout.signal.aborted) answer = "declined";
  if (answer === "accepted") return { answer };
  if (answer === "unavailable") return unavailable(described, asker.unavailable(described));
  return {
    answer,
    refusal: new PolicyRefusal(
      "ConsentDeclined",
      timeout.signal.aborted
        ? `${described.description} was not approved within ${formatDuration(policy.consent_timeout_ms)}; nothing was done`
        : `${described.description} was declined; nothing was done`,
      asker.declinedHint?.(described) ?? AGENT_DECLINED_HINT,
    ),
  };
}

function unavailable(request: ConsentRequest, why: { reason: string; hint: string }): ConsentOutcome {
  return {
    answer: "unavailable",
    refusal: new PolicyRefusal(
      "ConsentRequired",
      `${request.description} needs a human's consent (confirm: ${request.classes.join(", ")}), and ${why.reason}; nothing was done`,
      why.hint,
    ),
  };
}

/** Resolves "declined" once `signal` fires (a timeout or a cancelled call). */
function whenAborted(signal: AbortSignal): Promise<ConsentAnswer> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve("declined");
    else signal.addEventListener("abort", () => resolve("declined"), { once: true });
  });
}

/** The largest size an operation declared for what it writes (or reads, for a copy source). */
function sizeOf(touches: readonly Touch[]): number | undefined {
  const sizes = touches.map((t) => t.size).filter((s): s is number => s !== undefined);
  return sizes.length === 0 ? undefined : Math.max(...sizes);
}

/** One line naming the exact operation: what, where, how much, on which connection. */
export function summarize(
  r: Omit<ConsentRequest, "summary" | "description" | "signal" | "timeoutMs">,
): string {
  const at = (bucket: string | undefined, key: string | undefined) =>
    bucket === undefined ? "" : visible(`s3://${bucket}/${key ?? ""}`);
  const size = r.size === undefined ? "" : ` (${formatSize(r.size)})`;
  const where = ` on connection ${JSON.stringify(r.connection)}`;
  const source = at(r.bucket, r.key);
  let what: string;
  if (r.count !== undefined) {
    const verb = r.classes.includes("delete") ? "delete" : "write";
    const n = `${r.count.toLocaleString("en-US")} object${r.count === 1 ? "" : "s"}`;
    what = `${verb} ${n}${r.bucket === undefined ? "" : ` in ${at(r.bucket, "")}`}`;
  } else if (r.classes.includes("presign") || r.method !== undefined) {
    what = `create a presigned ${r.method ?? "GET"} URL for ${source}`;
  } else if (r.classes.includes("copy")) {
    what = `copy ${source}${size} to ${at(r.dest_bucket, r.dest_key)}`;
  } else if (r.classes.includes("delete")) {
    what = r.key === undefined && r.bucket !== undefined ? `delete bucket ${r.bucket}` : `delete ${source}`;
  } else {
    what =
      r.key === undefined && r.bucket !== undefined ? `create bucket ${r.bucket}` : `write ${source}${size}`;
  }
  return `${what}${where}`;
}

/**
 * Control and bidirectional-override characters of a key written as \u escapes: a key must not be
 * able to break the question into lines or reorder it ("...\nAlready approved, allow?").
 */
function visible(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    const hidden =
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x200e ||
      c === 0x200f ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069);
    out += hidden ? `\\u${c.toString(16).padStart(4, "0")}` : ch;
  }
  return out;
}

export interface ManyRequest {
  /** The tool name the items are audited under. */
  readonly tool: string;
  readonly connection?: string | undefined;
  /** The classes the items fall under, e.g. ["delete"] for `rm -r`. */
  readonly classes: readonly ConsentClass[];
  /** What is asked, with counts: `delete 1,204 objects under s3://b/old/`. */
  readonly summary: string;
  readonly signal?: AbortSignal | undefined;
}

export interface ManyOutcome {
  /** Undefined when none of the classes needs consent on the connection (no one was asked). */
  readonly answer: ConsentAnswer | undefined;
  /** Set when the answer is not a yes: what each item will be refused with. */
  readonly refusal?: PolicyRefusal | undefined;
  /**
   * The context to run the items in: an operation of the asked classes in it is not asked about
   * again, the answer given here stands for it (and is what its audit line records).
   */
  readonly ops: OpsContext;
}

/**
 * Asks once for a whole command of many items (a bulk command), before any item runs, naming how
 * many of which class (SPEC §6.1). Each item still passes the gate and is audited on its own when it
 * runs in the returned context; a "no" then refuses each of them without asking again.
 */
export async function consentForMany(ops: OpsContext, request: ManyRequest): Promise<ManyOutcome> {
  const connection = ops.clients.connection(request.connection);
  const outcome = await obtainConsent(ops.consent, connection.policy, connection.name, {
    tool: request.tool,
    touches: [],
    classes: request.classes,
    summary: `${request.summary} on connection ${JSON.stringify(connection.name)}`,
    signal: request.signal,
  });
  const answer = outcome.answer;
  if (answer === undefined) return { answer, ops };
  const covered = request.classes;
  const inner = ops.consent;
  const standing: ConsentAsker = {
    declinedHint: (r) => inner?.declinedHint?.(r) ?? AGENT_DECLINED_HINT,
    ask: (r) =>
      r.classes.every((c) => covered.includes(c))
        ? Promise.resolve(answer)
        : inner === undefined
          ? Promise.resolve("unavailable")
          : inner.ask(r),
    unavailable: (r) =>
      inner?.unavailable(r) ?? {
        reason: "no one can be asked here",
        hint: "ask an administrator whether this should need consent (MCP_S3_CONFIRM / policy.confirm)",
      },
  };
  return { answer, refusal: outcome.refusal, ops: { ...ops, consent: standing } };
}
