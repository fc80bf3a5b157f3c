// Sealed listing tokens (src/ops/list-token.ts): a token opens only for the listing that issued it,
// in this process, unaltered; nothing about the position can be read out of it.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { S3ToolError } from "../../src/errors.ts";
import { type ListingScope, openToken, sealToken } from "../../src/ops/list-token.ts";

const SCOPE: ListingScope = { connection: "default", bucket: "b", prefix: "", delimiter: "/" };

function refused(scope: ListingScope, token: string): S3ToolError {
  try {
    openToken(scope, token);
  } catch (e) {
    if (e instanceof S3ToolError) return e;
    throw e;
  }
  throw new Error(`token ${JSON.stringify(token)} opened`);
}

describe("sealed listing tokens", () => {
  test.each([
    ["a key", "data/a.csv"],
    ["the empty position", ""],
    ["unicode, control characters and the greatest code point", "caf\u00e9/\u0000\n\u{1F600}\u{10FFFF}"],
    ["a 1024-byte key", "k".repeat(1024)],
  ])("round trip: %s", (_name, position) => {
    expect(openToken(SCOPE, sealToken(SCOPE, position))).toBe(position);
  });

  test("a token is URL-safe, fits the tool's 4096-character limit for the longest key, and differs every time", () => {
    const longest = "\u{10FFFF}".repeat(256); // 1024 bytes of UTF-8
    const token = sealToken(SCOPE, longest);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(4096);
    expect(sealToken(SCOPE, "data/a")).not.toBe(sealToken(SCOPE, "data/a"));
  });

  test("the position cannot be read out of the token", () => {
    const position = "secrets/the-plan.txt";
    const token = sealToken(SCOPE, position);
    expect(token).not.toContain("secrets");
    const raw = Buffer.from(token, "base64url");
    expect(raw.includes(Buffer.from("secrets"))).toBe(false);
    expect(token).not.toContain(Buffer.from(position).toString("base64url").slice(0, 8));
  });

  test.each([
    ["another connection", { ...SCOPE, connection: "other" }],
    ["another bucket", { ...SCOPE, bucket: "c" }],
    ["another prefix", { ...SCOPE, prefix: "data/" }],
    ["another delimiter", { ...SCOPE, delimiter: "" }],
    ["a bucket name that differs only by case", { ...SCOPE, bucket: "B" }],
  ])("a token from this listing does not open for %s", (_name, other) => {
    const e = refused(other, sealToken(SCOPE, "data/a"));
    expect(e.code).toBe("InvalidArgument");
    expect(e.message).toBe("continuation_token is not valid for this listing");
    expect(e.hint).toContain("pass next_continuation_token from the previous page of the same listing");
    expect(e.hint).toContain("tokens last for the life of the server process");
  });

  test("the scope fields cannot be shifted into each other", () => {
    const a: ListingScope = { connection: "c", bucket: "b", prefix: "p/", delimiter: "/" };
    const b: ListingScope = { connection: "c", bucket: "b", prefix: "p", delimiter: "//" };
    expect(refused(b, sealToken(a, "p/x")).code).toBe("InvalidArgument");
  });

  test.each([
    ["empty", ""],
    ["S3's own token on RGW (a key in plain text)", "secrets/x"],
    ["base64 of a key", Buffer.from("secrets/x").toString("base64url")],
    ["not base64url", "a+b/c="],
    ["whitespace", "   "],
    ["only the version byte", "AQ"],
    ["a long junk string", "A".repeat(4096)],
  ])("a forged token is InvalidArgument: %s", (_name, token) => {
    expect(refused(SCOPE, token).code).toBe("InvalidArgument");
  });

  test("any altered byte, any cut and any extension is refused", () => {
    const token = sealToken(SCOPE, "data/a");
    const raw = Buffer.from(token, "base64url");
    for (let i = 0; i < raw.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const altered = Buffer.from(raw);
        altered[i] = (altered[i] as number) ^ bit;
        expect(refused(SCOPE, altered.toString("base64url")).code).toBe("InvalidArgument");
      }
    }
    for (let n = 0; n < raw.length; n++) {
      expect(refused(SCOPE, raw.subarray(0, n).toString("base64url")).code).toBe("InvalidArgument");
    }
    expect(refused(SCOPE, Buffer.concat([raw, Buffer.of(0)]).toString("base64url")).code).toBe(
      "InvalidArgument",
    );
  });

  test("random strings never open (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (token) => {
        expect(refused(SCOPE, token).code).toBe("InvalidArgument");
      }),
      { seed: 12, numRuns: 2000 },
    );
  });
});
