// Pure parts of the agent-facing features: what instructions and descriptions say about presign and
// consent (per connection where connections differ), how an elicitation answer is read, and how
// progress is folded into notifications.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { answerOf, consentForm } from "../../src/mcp/elicit.ts";
import {
  buildInstructions,
  callsNeedingConsent,
  consentNote,
  presignNote,
} from "../../src/mcp/instructions.ts";
import { PROGRESS_STEP, progressReporter } from "../../src/mcp/progress.ts";
import type { ConsentRequest } from "../../src/ops/consent.ts";
import { PART_SIZE } from "../../src/ops/put-object.ts";
import type { Touch } from "../../src/policy/decide.ts";

const config = (env: Record<string, string>) => loadConfig({ env: { HOME: "/nonexistent", ...env } });
const DELETE: Touch[] = [{ access: "delete", bucket: "b", key: "k" }];

describe("instructions", () => {
  const rows: [string, Record<string, string>, string[], string[]][] = [
    ["default: nothing needs consent", {}, ["No operation waits for a human's consent."], ["Consent ("]],
    [
      "confirm write covers put, copy and presigned PUT",
      { MCP_S3_CONFIRM: "write" },
      ["Consent (confirm: write): s3_put_object, s3_copy_object, s3_presign_url with method PUT run only"],
      ["s3_delete_object, "],
    ],
    [
      "confirm presign covers every presigned URL, named once",
      { MCP_S3_CONFIRM: "presign" },
      ["Consent (confirm: presign): s3_presign_url run only"],
      ["with method PUT"],
    ],
    [
      "the timeout is stated",
      { MCP_S3_CONFIRM: "delete", MCP_S3_CONSENT_TIMEOUT: "90s" },
      ["(up to 90s)"],
      [],
    ],
    ["presign off", { MCP_S3_PRESIGN: "off" }, ["Presigned URLs are disabled by the administrator"], []],
    ["presign get", { MCP_S3_PRESIGN: "get" }, ["download (GET) URLs only"], []],
    ["presign get_put", {}, ["Presigned URLs (GET, and PUT where writes are allowed) last at most 1h"], []],
  ];
  test.each(rows)("%s", (_name, env, present, absent) => {
    const text = buildInstructions(config(env));
    for (const p of present) expect(text).toContain(p);
    // What must be absent is looked for in the consent and presign lines only.
    const lines = text.split("\n").filter((l) => /Consent|consent|Presigned/.test(l));
    for (const a of absent) expect(lines.join("\n")).not.toContain(a);
  });

  test("connections that differ get their own consent and presign lines", () => {
    const text = buildInstructions(
      config({
        S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
          prod: { policy: { confirm: ["delete"], presign: "off" } },
        }),
      }),
    );
    const per = text.slice(text.indexOf("Policy per connection:"));
    expect(per).toContain('- "default" (default): No operation waits for a human\'s consent.');
    expect(per).toContain('- "prod": Consent (confirm: delete): s3_delete_object run only');
    expect(per).toContain('- "prod": Presigned URLs are disabled by the administrator');
  });

  test("callsNeedingConsent", () => {
    expect(
      callsNeedingConsent(config({ MCP_S3_CONFIRM: "copy" }).connections.default?.policy as never),
    ).toEqual(["s3_copy_object"]);
  });
});

describe("tool description notes", () => {
  test("consentNote: all connections, some, none", () => {
    expect(consentNote(config({ MCP_S3_CONFIRM: "delete" }), DELETE)).toContain(
      "A call runs only after the user approves it: the server asks them",
    );
    const some = config({
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ prod: { policy: { confirm: ["delete"] } } }),
    });
    expect(consentNote(some, DELETE)).toContain('approves it on the connection "prod"');
    expect(consentNote(config({}), DELETE)).toBe("");
  });

  test("presignNote: nothing to say for get_put; the setting otherwise, per connection", () => {
    expect(presignNote(config({}))).toBe("");
    expect(presignNote(config({ MCP_S3_PRESIGN: "get" }))).toBe(
      " The administrator allows download (GET) URLs only; PUT returns PresignDisabled.",
    );
    const mixed = config({
      S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ vault: { policy: { presign: "off" } } }),
    });
    expect(presignNote(mixed)).toBe(' On the connection "vault": no presigned URLs (PresignDisabled).');
  });
});

describe("elicitation", () => {
  const rows: [string, string, Record<string, unknown> | undefined, "accepted" | "declined"][] = [
    ["accept, ticked", "accept", { confirm: true }, "accepted"],
    ["accept, unticked", "accept", { confirm: false }, "declined"],
    ["accept, no content", "accept", undefined, "declined"],
    ["accept, a truthy string is not true", "accept", { confirm: "true" }, "declined"],
    ["accept, another field", "accept", { ok: true }, "declined"],
    ["decline", "decline", { confirm: true }, "declined"],
    ["cancel", "cancel", undefined, "declined"],
    ["an unknown action", "approve", { confirm: true }, "declined"],
  ];
  test.each(rows)("%s", (_name, action, content, expected) => {
    expect(answerOf(action, content)).toBe(expected);
  });

  test("the form: one boolean, required, default false, naming the operation", () => {
    const form = consentForm({ description: "s3_delete_object: delete s3://b/k" } as ConsentRequest);
    expect(form.mode).toBe("form");
    expect(form.message).toContain("s3_delete_object: delete s3://b/k");
    expect(form.requestedSchema.required).toEqual(["confirm"]);
    expect(form.requestedSchema.properties.confirm).toMatchObject({ type: "boolean", default: false });
  });
});

describe("progress notifications", () => {
  const sent: { progress: number; total?: number }[] = [];
  const extra = (token: string | undefined) => ({
    _meta: token === undefined ? undefined : { progressToken: token },
    sendNotification: async (n: { params: unknown }) => {
      sent.push(n.params as { progress: number; total?: number });
    },
  });

  test("no progressToken: no reporter", () => {
    expect(progressReporter(extra(undefined) as never)).toBeUndefined();
  });

  test("one part or less reports nothing; more is folded into MiB steps and ends at the total", () => {
    sent.length = 0;
    const report = progressReporter(extra("t") as never) as (d: number, t: number | undefined) => void;
    report(PART_SIZE, PART_SIZE);
    expect(sent).toEqual([]);
    const total = 3 * PROGRESS_STEP + 10;
    const big = progressReporter(extra("t") as never) as (d: number, t: number | undefined) => void;
    for (const done of [100, PROGRESS_STEP - 1, PROGRESS_STEP, PROGRESS_STEP, 2 * PROGRESS_STEP + 5, total]) {
      big(done, total + PART_SIZE);
    }
    big(total + PART_SIZE, total + PART_SIZE);
    // Never a repeat, never backwards, every step at least a MiB, the last at the total.
    expect(sent.map((s) => s.progress)).toEqual([
      PROGRESS_STEP,
      2 * PROGRESS_STEP + 5,
      total,
      total + PART_SIZE,
    ]);
  });

  test("a failing client does not fail the transfer", () => {
    const report = progressReporter({
      _meta: { progressToken: 1 },
      sendNotification: () => Promise.reject(new Error("gone")),
    } as never) as (d: number, t: number | undefined) => void;
    expect(() => report(10 * PROGRESS_STEP, undefined)).not.toThrow();
  });
});
