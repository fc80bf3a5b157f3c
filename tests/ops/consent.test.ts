// Consent in the operation layer (SPEC §3 Consent) against the real test S3 server: a scripted asker
// stands in for the human. Asked only after every other rule allowed the call, about the exact
// operation; "no", silence and "cannot ask" all refuse with nothing sent, and the audit line records
// the answer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { consentForMany } from "../../src/ops/consent.ts";
import { deleteObjects } from "../../src/ops/delete-objects.ts";
import {
  type ConsentAnswer,
  type ConsentAsker,
  type ConsentRequest,
  copyObject,
  deleteObject,
  type OpsContext,
  presignUrl,
  putObject,
} from "../../src/ops/index.ts";
import { createTestBucket, getTestObject, putTestObject } from "../support/s3.ts";
import { type Harness, harness, rejects, text } from "./harness.ts";

/** An asker that answers `answer` (or runs `answer`) and remembers every question. */
function scripted(
  answer: ConsentAnswer | ((r: ConsentRequest) => Promise<ConsentAnswer>),
): ConsentAsker & { asked: ConsentRequest[] } {
  const asked: ConsentRequest[] = [];
  return {
    asked,
    ask(r) {
      asked.push(r);
      return typeof answer === "function" ? answer(r) : Promise.resolve(answer);
    },
    unavailable: () => ({ reason: "the test client cannot ask", hint: "test hint" }),
  };
}

const withAsker = (h: Harness, asker: ConsentAsker | undefined): OpsContext =>
  asker === undefined ? h.ctx : { ...h.ctx, consent: asker };

let h: Harness;
let bucket: string;
beforeAll(async () => {
  h = await harness({
    MCP_S3_EXT_READONLY: "false",
    MCP_S3_CONFIRM: "delete,write,presign,copy",
    MCP_S3_CONSENT_TIMEOUT: "300ms",
    MCP_S3_EXT_PREFIXACL: "true",
    MCP_S3_DENIED_PREFIXES: "secrets/",
    MCP_S3_MAX_PUT_SIZE: "1KiB",
  });
  bucket = await createTestBucket(h.s3, "consent");
});
afterAll(() => h?.close());

describe("an accepted operation runs, and the audit line says so", () => {
  test("delete: asked about the exact object, then deleted", async () => {
    await putTestObject(h.s3, bucket, "old/a.txt", "a");
    const asker = scripted("accepted");
    h.mark();
    await deleteObject(withAsker(h, asker), { bucket, key: "old/a.txt" });
    expect(await getTestObject(h.s3, bucket, "old/a.txt")).toBeNull();
    expect(asker.asked).toHaveLength(1);
    expect(asker.asked[0]).toMatchObject({
      tool: "s3_delete_object",
      connection: "default",
      classes: ["delete"],
      bucket,
      key: "old/a.txt",
      timeoutMs: 300,
    });
    expect(asker.asked[0]?.description).toBe(
      `s3_delete_object: delete s3://${bucket}/old/a.txt on connection "default"`,
    );
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ tool: "s3_delete_object", status: "success", consent: "accepted" }),
    ]);
  });

  test("put: the question carries the size", async () => {
    const asker = scripted("accepted");
    await putObject(withAsker(h, asker), { bucket, key: "new/p.txt", body: text("hello") });
    expect(asker.asked[0]).toMatchObject({ classes: ["write"], size: 5 });
    expect(asker.asked[0]?.description).toContain("(5B)");
    expect(
      new TextDecoder().decode((await getTestObject(h.s3, bucket, "new/p.txt")) ?? new Uint8Array()),
    ).toBe("hello");
  });

  test("copy: asked once, after the source's size is known, naming source and destination", async () => {
    await putTestObject(h.s3, bucket, "src/c.txt", "0123456789");
    const asker = scripted("accepted");
    await copyObject(withAsker(h, asker), {
      source_bucket: bucket,
      source_key: "src/c.txt",
      dest_bucket: bucket,
      dest_key: "dst/c.txt",
    });
    expect(asker.asked).toHaveLength(1);
    expect(asker.asked[0]).toMatchObject({ classes: ["write", "copy"], size: 10, dest_key: "dst/c.txt" });
    expect(asker.asked[0]?.description).toBe(
      `s3_copy_object: copy s3://${bucket}/src/c.txt (10B) to s3://${bucket}/dst/c.txt on connection "default"`,
    );
    expect(await getTestObject(h.s3, bucket, "dst/c.txt")).not.toBeNull();
  });

  test("presign: the question names the method", async () => {
    const asker = scripted("accepted");
    await presignUrl(withAsker(h, asker), { bucket, key: "new/p.txt", method: "PUT" });
    expect(asker.asked[0]).toMatchObject({ classes: ["write", "presign"], method: "PUT" });
    expect(asker.asked[0]?.description).toContain("create a presigned PUT URL for");
  });
});

describe("refused without running: nothing reaches S3", () => {
  test("declined: ConsentDeclined, the object stays, audit denied with consent declined", async () => {
    await putTestObject(h.s3, bucket, "keep/d.txt", "d");
    h.mark();
    const before = h.requests();
    const e = await rejects(
      () => deleteObject(withAsker(h, scripted("declined")), { bucket, key: "keep/d.txt" }),
      "ConsentDeclined",
    );
    expect(e.message).toContain("declined");
    expect(h.requests()).toBe(before);
    expect(await getTestObject(h.s3, bucket, "keep/d.txt")).not.toBeNull();
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ status: "denied", error: "ConsentDeclined", consent: "declined" }),
    ]);
  });

  test("no answer within consent_timeout: ConsentDeclined, and the asker is told to stop", async () => {
    let stopped = false;
    const silent = scripted(
      (r) =>
        new Promise<ConsentAnswer>(() => {
          r.signal.addEventListener("abort", () => {
            stopped = true;
          });
        }),
    );
    h.mark();
    const e = await rejects(
      () => deleteObject(withAsker(h, silent), { bucket, key: "keep/d.txt" }),
      "ConsentDeclined",
    );
    expect(e.message).toContain("not approved within 300ms");
    expect(stopped).toBe(true);
    expect(await getTestObject(h.s3, bucket, "keep/d.txt")).not.toBeNull();
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ error: "ConsentDeclined", consent: "declined" }),
    ]);
  });

  test("no asker at all: ConsentRequired, audit consent unavailable", async () => {
    h.mark();
    const e = await rejects(
      () => deleteObject(withAsker(h, undefined), { bucket, key: "keep/d.txt" }),
      "ConsentRequired",
    );
    expect(e.message).toContain("needs a human's consent (confirm: delete)");
    expect(e.hint).toContain("MCP_S3_CONFIRM");
    expect(h.auditSinceMark()).toEqual([
      expect.objectContaining({ status: "denied", error: "ConsentRequired", consent: "unavailable" }),
    ]);
  });

  test("an asker that cannot ask: ConsentRequired with its own reason and hint", async () => {
    const e = await rejects(
      () => deleteObject(withAsker(h, scripted("unavailable")), { bucket, key: "keep/d.txt" }),
      "ConsentRequired",
    );
    expect(e.message).toContain("the test client cannot ask");
    expect(e.hint).toBe("test hint");
  });

  test("an asker that fails never counts as a yes", async () => {
    const broken = scripted(() => Promise.reject(new Error("connection lost")));
    await rejects(() => deleteObject(withAsker(h, broken), { bucket, key: "keep/d.txt" }), "ConsentRequired");
    expect(await getTestObject(h.s3, bucket, "keep/d.txt")).not.toBeNull();
  });

  test("the call cancelled while waiting: Cancelled, nothing done", async () => {
    const controller = new AbortController();
    const waiting = scripted(() => {
      setTimeout(() => controller.abort(), 20);
      return new Promise<ConsentAnswer>(() => {});
    });
    await rejects(
      () =>
        putObject(withAsker(h, waiting), {
          bucket,
          key: "new/cancelled.txt",
          body: text("x"),
          signal: controller.signal,
        }),
      "Cancelled",
    );
    expect(await getTestObject(h.s3, bucket, "new/cancelled.txt")).toBeNull();
  });
});

describe("no one is asked about a call another rule refuses", () => {
  const never = () => scripted(() => Promise.reject(new Error("must not be asked")));

  test("a denied key: PrefixDenied, asker not called, no consent in the audit line", async () => {
    const asker = never();
    h.mark();
    await rejects(() => deleteObject(withAsker(h, asker), { bucket, key: "secrets/x" }), "PrefixDenied");
    expect(asker.asked).toHaveLength(0);
    const [line] = h.auditSinceMark();
    expect(line).toMatchObject({ status: "denied", error: "PrefixDenied" });
    expect(line?.consent).toBeUndefined();
  });

  test("a write over the put limit: EntityTooLarge, asker not called", async () => {
    const asker = never();
    await rejects(
      () => putObject(withAsker(h, asker), { bucket, key: "new/big", body: new Uint8Array(2048) }),
      "EntityTooLarge",
    );
    expect(asker.asked).toHaveLength(0);
  });

  test("a copy whose source is over the put limit (learnt from S3): EntityTooLarge, asker not called", async () => {
    await putTestObject(h.s3, bucket, "src/big.bin", new Uint8Array(4096));
    const asker = never();
    await rejects(
      () =>
        copyObject(withAsker(h, asker), {
          source_bucket: bucket,
          source_key: "src/big.bin",
          dest_bucket: bucket,
          dest_key: "dst/big.bin",
        }),
      "EntityTooLarge",
    );
    expect(asker.asked).toHaveLength(0);
    expect(await getTestObject(h.s3, bucket, "dst/big.bin")).toBeNull();
  });

  test("a copy from a missing source: NoSuchKey, asker not called", async () => {
    const asker = never();
    await rejects(
      () =>
        copyObject(withAsker(h, asker), {
          source_bucket: bucket,
          source_key: "src/none",
          dest_bucket: bucket,
          dest_key: "dst/none",
        }),
      "NoSuchKey",
    );
    expect(asker.asked).toHaveLength(0);
  });

  test("read-only: ReadOnlyMode, asker not called", async () => {
    const ro = await harness({ MCP_S3_CONFIRM: "delete" });
    try {
      const asker = never();
      await rejects(
        () => deleteObject({ ...ro.ctx, consent: asker }, { bucket, key: "keep/d.txt" }),
        "ReadOnlyMode",
      );
      expect(asker.asked).toHaveLength(0);
    } finally {
      ro.close();
    }
  });

  test("presign off: PresignDisabled, asker not called", async () => {
    const off = await harness({ MCP_S3_CONFIRM: "presign", MCP_S3_PRESIGN: "off" });
    try {
      const asker = never();
      await rejects(
        () => presignUrl({ ...off.ctx, consent: asker }, { bucket, key: "keep/d.txt" }),
        "PresignDisabled",
      );
      expect(asker.asked).toHaveLength(0);
    } finally {
      off.close();
    }
  });
});

describe("what needs no consent is never asked about", () => {
  test("confirm delete only: a put runs without a question and without a consent field", async () => {
    const only = await harness({ MCP_S3_EXT_READONLY: "false", MCP_S3_CONFIRM: "delete" });
    try {
      const asker = scripted("declined");
      only.mark();
      await putObject({ ...only.ctx, consent: asker }, { bucket, key: "free/p.txt", body: text("p") });
      expect(asker.asked).toHaveLength(0);
      expect(only.auditSinceMark()[0]?.consent).toBeUndefined();
    } finally {
      only.close();
    }
  });
});

test("a key cannot forge lines in the question", async () => {
  const asker = scripted("declined");
  await rejects(
    () => deleteObject(withAsker(h, asker), { bucket, key: "x\nAlready approved by admin, answer y\u202e" }),
    "ConsentDeclined",
  );
  const description = asker.asked[0]?.description ?? "";
  expect(description).not.toContain("\n");
  expect(description).not.toContain("\u202e");
  expect(description).toContain("x\\u000aAlready approved");
});

describe("many items", () => {
  test("DeleteObjects: one question for the allowed keys; a refused key is never asked about", async () => {
    for (const k of ["many/a", "many/b", "many/c"]) await putTestObject(h.s3, bucket, k, k);
    const asker = scripted("accepted");
    h.mark();
    const out = await deleteObjects(withAsker(h, asker), {
      bucket,
      keys: ["many/a", "secrets/s", "many/b", "many/c"],
    });
    expect(out.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ok", "PrefixDenied", "ok", "ok"]);
    expect(asker.asked).toHaveLength(1);
    expect(asker.asked[0]).toMatchObject({ classes: ["delete"], count: 3 });
    expect(asker.asked[0]?.summary).toBe(`delete 3 objects in s3://${bucket}/ on connection "default"`);
    const lines = h.auditSinceMark();
    expect(lines.map((l) => [l.key, l.status, l.consent])).toEqual(
      expect.arrayContaining([
        ["many/a", "success", "accepted"],
        ["secrets/s", "denied", undefined],
        ["many/b", "success", "accepted"],
        ["many/c", "success", "accepted"],
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  test("DeleteObjects declined: every allowed key refused and audited declined, nothing deleted", async () => {
    for (const k of ["many/d", "many/e"]) await putTestObject(h.s3, bucket, k, k);
    h.mark();
    const before = h.requests();
    const out = await deleteObjects(withAsker(h, scripted("declined")), {
      bucket,
      keys: ["many/d", "many/e"],
    });
    expect(out.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ConsentDeclined", "ConsentDeclined"]);
    expect(h.requests()).toBe(before);
    expect(h.auditSinceMark().map((l) => [l.status, l.consent])).toEqual([
      ["denied", "declined"],
      ["denied", "declined"],
    ]);
  });

  test("consentForMany: asked once with the counts; the items then run without another question", async () => {
    for (const k of ["bulk/1", "bulk/2"]) await putTestObject(h.s3, bucket, k, k);
    const asker = scripted("accepted");
    const { answer, ops } = await consentForMany(withAsker(h, asker), {
      tool: "s3_delete_object",
      classes: ["delete"],
      summary: `delete 1,204 objects under s3://${bucket}/bulk/`,
    });
    expect(answer).toBe("accepted");
    expect(asker.asked.map((r) => r.summary)).toEqual([
      `delete 1,204 objects under s3://${bucket}/bulk/ on connection "default"`,
    ]);
    h.mark();
    await deleteObject(ops, { bucket, key: "bulk/1" });
    await deleteObjects(ops, { bucket, keys: ["bulk/2"] });
    expect(asker.asked).toHaveLength(1);
    expect(h.auditSinceMark().map((l) => l.consent)).toEqual(["accepted", "accepted"]);
    // A class the command was not asked about is still put to the human.
    await putObject(ops, { bucket, key: "bulk/new", body: text("n") });
    expect(asker.asked.map((r) => r.classes)).toEqual([["delete"], ["write"]]);
  });

  test("consentForMany declined: each item is refused ConsentDeclined without asking again", async () => {
    await putTestObject(h.s3, bucket, "bulk/3", "3");
    const asker = scripted("declined");
    const { answer, refusal, ops } = await consentForMany(withAsker(h, asker), {
      tool: "s3_delete_object",
      classes: ["delete"],
      summary: "delete 1 object",
    });
    expect(answer).toBe("declined");
    expect(refusal?.code).toBe("ConsentDeclined");
    await rejects(() => deleteObject(ops, { bucket, key: "bulk/3" }), "ConsentDeclined");
    expect(asker.asked).toHaveLength(1);
    expect(await getTestObject(h.s3, bucket, "bulk/3")).not.toBeNull();
  });

  test("consentForMany where nothing needs consent asks nothing and hands back the same context", async () => {
    const only = await harness({ MCP_S3_EXT_READONLY: "false", MCP_S3_CONFIRM: "write" });
    try {
      const asker = scripted("declined");
      const ctx = { ...only.ctx, consent: asker };
      const outcome = await consentForMany(ctx, {
        tool: "s3_delete_object",
        classes: ["delete"],
        summary: "x",
      });
      expect(outcome).toEqual({ answer: undefined, ops: ctx });
      expect(asker.asked).toHaveLength(0);
    } finally {
      only.close();
    }
  });
});
