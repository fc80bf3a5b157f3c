// Consent over MCP (SPEC §3 Consent, §5.1) with the SDK's real Client against the test S3 server:
// an accepting, a declining, a cancelling, a silent and a non-eliciting client. Asked only after every
// other rule allowed the call, naming the exact operation; the audit line records the answer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ElicitRequest, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { createTestBucket, getTestObject, getTestS3, putTestObject, type TestS3 } from "../support/s3.ts";
import { errorOf, type InProcess, inProcess } from "./inprocess.ts";

const POLICY = {
  MCP_S3_EXT_READONLY: "false",
  MCP_S3_CONFIRM: "delete,write,copy",
  MCP_S3_EXT_PREFIXACL: "true",
  MCP_S3_DENIED_PREFIXES: "secrets/",
};
const ELICITING = { elicitation: { form: {} } };

/** A client whose elicitation handler answers with `answer` and records every request. */
async function clientAnswering(
  answer: (r: ElicitRequest) => Promise<ElicitResult>,
  vars: Record<string, string> = POLICY,
): Promise<InProcess & { asked: ElicitRequest[] }> {
  const asked: ElicitRequest[] = [];
  const session = await inProcess(vars, {
    capabilities: ELICITING,
    elicit: (r) => {
      asked.push(r);
      return answer(r);
    },
  });
  return Object.assign(session, { asked });
}

let bucket: string;
let s3: TestS3;
beforeAll(async () => {
  s3 = await getTestS3();
  bucket = await createTestBucket(s3, "mcp-consent");
});

describe("an accepting client", () => {
  let c: InProcess & { asked: ElicitRequest[] };
  beforeAll(async () => {
    c = await clientAnswering(async () => ({ action: "accept", content: { confirm: true } }));
  });
  afterAll(() => c.close());

  test("delete: one form question naming tool, connection, bucket and key; the object is deleted", async () => {
    await putTestObject(s3, bucket, "old/a.txt", "a");
    const result = await c.call("s3_delete_object", { bucket, key: "old/a.txt" });
    expect(errorOf(result)).toBeUndefined();
    expect(await getTestObject(s3, bucket, "old/a.txt")).toBeNull();
    expect(c.asked).toHaveLength(1);
    const params = c.asked[0]?.params as ElicitRequest["params"] & {
      requestedSchema: Record<string, unknown>;
    };
    expect(params.mode).toBe("form");
    expect(params.message).toContain(
      `s3_delete_object: delete s3://${bucket}/old/a.txt on connection "default"`,
    );
    expect(params.requestedSchema).toEqual({
      type: "object",
      properties: {
        confirm: {
          type: "boolean",
          title: "Allow this operation",
          description: `s3_delete_object: delete s3://${bucket}/old/a.txt on connection "default"`,
          default: false,
        },
      },
      required: ["confirm"],
    });
    expect(c.audit().at(-1)).toMatchObject({
      tool: "s3_delete_object",
      status: "success",
      source: "mcp",
      consent: "accepted",
    });
  });

  test("put: the question gives the size", async () => {
    c.asked.length = 0;
    const result = await c.call("s3_put_object", { bucket, key: "new/p.txt", content: "hello world" });
    expect(errorOf(result)).toBeUndefined();
    expect(c.asked[0]?.params.message).toContain(`write s3://${bucket}/new/p.txt (11B)`);
  });

  test("copy: asked once about source, size and destination", async () => {
    c.asked.length = 0;
    const result = await c.call("s3_copy_object", {
      source_bucket: bucket,
      source_key: "new/p.txt",
      dest_bucket: bucket,
      dest_key: "new/copy.txt",
    });
    expect(errorOf(result)).toBeUndefined();
    expect(c.asked).toHaveLength(1);
    expect(c.asked[0]?.params.message).toContain(
      `s3_copy_object: copy s3://${bucket}/new/p.txt (11B) to s3://${bucket}/new/copy.txt`,
    );
  });

  test("a denied key is refused without asking", async () => {
    c.asked.length = 0;
    const result = await c.call("s3_delete_object", { bucket, key: "secrets/x" });
    expect(errorOf(result)?.error).toBe("PrefixDenied");
    expect(c.asked).toHaveLength(0);
    const line = c.audit().at(-1);
    expect(line).toMatchObject({ status: "denied", error: "PrefixDenied" });
    expect(line?.consent).toBeUndefined();
  });

  test("a read is never asked about", async () => {
    c.asked.length = 0;
    const result = await c.call("s3_get_object", { bucket, key: "new/p.txt" });
    expect(errorOf(result)).toBeUndefined();
    expect(c.asked).toHaveLength(0);
  });
});

describe("a client that says no", () => {
  const answers: [string, ElicitResult][] = [
    ["decline", { action: "decline" }],
    ["cancel", { action: "cancel" }],
    ["accept without ticking the box", { action: "accept", content: { confirm: false } }],
  ];
  for (const [label, answer] of answers) {
    test(`${label}: ConsentDeclined, nothing deleted, audit consent declined`, async () => {
      const key = `keep/${label.replace(/\W+/g, "-")}.txt`;
      await putTestObject(s3, bucket, key, "k");
      const c = await clientAnswering(async () => answer);
      try {
        const result = await c.call("s3_delete_object", { bucket, key });
        const error = errorOf(result);
        expect(error?.error).toBe("ConsentDeclined");
        expect(error?.message).toContain(`delete s3://${bucket}/${key}`);
        expect(c.asked).toHaveLength(1);
        expect(await getTestObject(s3, bucket, key)).not.toBeNull();
        expect(c.audit().at(-1)).toMatchObject({
          status: "denied",
          error: "ConsentDeclined",
          consent: "declined",
        });
      } finally {
        await c.close();
      }
    });
  }

  test("a silent client: ConsentDeclined once consent_timeout passes", async () => {
    await putTestObject(s3, bucket, "keep/silent.txt", "s");
    const c = await clientAnswering(() => new Promise<ElicitResult>(() => {}), {
      ...POLICY,
      MCP_S3_CONSENT_TIMEOUT: "1s",
    });
    try {
      const result = await c.call("s3_delete_object", { bucket, key: "keep/silent.txt" });
      expect(errorOf(result)?.error).toBe("ConsentDeclined");
      expect(errorOf(result)?.message).toContain("not approved within 1s");
      expect(await getTestObject(s3, bucket, "keep/silent.txt")).not.toBeNull();
      expect(c.audit().at(-1)).toMatchObject({ error: "ConsentDeclined", consent: "declined" });
    } finally {
      await c.close();
    }
  });
});

describe("a client without the elicitation capability", () => {
  test("ConsentRequired, never a silent allow; audit consent unavailable", async () => {
    await putTestObject(s3, bucket, "keep/plain.txt", "p");
    const c = await inProcess(POLICY);
    try {
      const result = await c.call("s3_delete_object", { bucket, key: "keep/plain.txt" });
      const error = errorOf(result);
      expect(error?.error).toBe("ConsentRequired");
      expect(error?.message).toContain("does not support elicitation");
      expect(error?.hint).toContain("MCP_S3_CONFIRM");
      expect(await getTestObject(s3, bucket, "keep/plain.txt")).not.toBeNull();
      expect(c.audit().at(-1)).toMatchObject({
        status: "denied",
        error: "ConsentRequired",
        consent: "unavailable",
      });
    } finally {
      await c.close();
    }
  });

  test("a client with URL elicitation only cannot be asked a form either", async () => {
    const c = await inProcess(POLICY, { capabilities: { elicitation: { url: {} } } });
    try {
      const result = await c.call("s3_put_object", { bucket, key: "new/url-only.txt", content: "x" });
      expect(errorOf(result)?.error).toBe("ConsentRequired");
      expect(await getTestObject(s3, bucket, "new/url-only.txt")).toBeNull();
    } finally {
      await c.close();
    }
  });

  test("with an empty confirm list nothing is asked and writes run", async () => {
    const c = await inProcess({ MCP_S3_EXT_READONLY: "false" });
    try {
      const result = await c.call("s3_put_object", { bucket, key: "new/free.txt", content: "x" });
      expect(errorOf(result)).toBeUndefined();
      expect(c.audit().at(-1)?.consent).toBeUndefined();
    } finally {
      await c.close();
    }
  });
});

describe("what the agent is told", () => {
  test("instructions and the descriptions of the tools that need consent say so", async () => {
    const c = await inProcess({ ...POLICY, MCP_S3_CONFIRM: "delete" });
    try {
      const instructions = c.client.getInstructions() ?? "";
      expect(instructions).toContain(
        "Consent (confirm: delete): s3_delete_object run only after the user approves",
      );
      expect(instructions).toContain("ConsentRequired");
      const { tools } = await c.client.listTools();
      const description = (name: string) => tools.find((t) => t.name === name)?.description ?? "";
      expect(description("s3_delete_object")).toContain("runs only after the user approves it");
      expect(description("s3_put_object")).not.toContain("approves");
      expect(description("s3_get_object")).not.toContain("approves");
    } finally {
      await c.close();
    }
  });
});

describe("presign setting", () => {
  test("off: PresignDisabled for GET and PUT; the description and instructions say so", async () => {
    const c = await inProcess({ MCP_S3_EXT_READONLY: "false", MCP_S3_PRESIGN: "off" });
    try {
      for (const method of ["GET", "PUT"]) {
        const error = errorOf(await c.call("s3_presign_url", { bucket, key: "new/p.txt", method }));
        expect(error?.error).toBe("PresignDisabled");
        expect(error?.hint).toContain("administrator");
      }
      expect(c.audit().at(-1)).toMatchObject({
        tool: "s3_presign_url",
        status: "denied",
        error: "PresignDisabled",
      });
      const { tools } = await c.client.listTools();
      expect(tools.find((t) => t.name === "s3_presign_url")?.description).toContain(
        "The administrator allows no presigned URLs (PresignDisabled).",
      );
      expect(c.client.getInstructions()).toContain("Presigned URLs are disabled by the administrator");
    } finally {
      await c.close();
    }
  });

  test("get: GET URLs work, PUT URLs are PresignDisabled", async () => {
    const c = await inProcess({ MCP_S3_EXT_READONLY: "false", MCP_S3_PRESIGN: "get" });
    try {
      expect(errorOf(await c.call("s3_presign_url", { bucket, key: "new/p.txt" }))).toBeUndefined();
      expect(
        errorOf(await c.call("s3_presign_url", { bucket, key: "new/p.txt", method: "PUT" }))?.error,
      ).toBe("PresignDisabled");
    } finally {
      await c.close();
    }
  });

  test("confirm presign: a URL is made only after the user approves it", async () => {
    const c = await clientAnswering(async () => ({ action: "decline" }), {
      MCP_S3_EXT_READONLY: "false",
      MCP_S3_CONFIRM: "presign",
    });
    try {
      const error = errorOf(await c.call("s3_presign_url", { bucket, key: "new/p.txt" }));
      expect(error?.error).toBe("ConsentDeclined");
      expect(c.asked[0]?.params.message).toContain(`create a presigned GET URL for s3://${bucket}/new/p.txt`);
      const { tools } = await c.client.listTools();
      expect(tools.find((t) => t.name === "s3_presign_url")?.description).toContain(
        "A URL is made only after the user approves it",
      );
    } finally {
      await c.close();
    }
  });
});
