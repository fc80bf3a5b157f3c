// Unit tests of the body codec: what comes back as text, what as base64, and strict base64 input.
import { describe, expect, test } from "bun:test";
import { decodeBase64Strict, encodeContent, isTextualType } from "../../src/mcp/content.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("decodeBase64Strict", () => {
  test.each([
    ["", []],
    ["QQ==", [0x41]],
    ["QUI=", [0x41, 0x42]],
    ["QUJD", [0x41, 0x42, 0x43]],
    ["/+8A", [0xff, 0xef, 0x00]],
  ])("accepts canonical %p", (input, bytes) => {
    expect([...decodeBase64Strict(input)]).toEqual(bytes);
  });

  test.each([
    ["QQ=", "padding short of a multiple of 4"],
    ["QQ", "no padding"],
    ["Q===", "too much padding"],
    ["QQ==QQ==", "padding in the middle"],
    ["QQ==\n", "trailing newline"],
    ["QU JD", "inner space"],
    ["-_8A", "base64url alphabet"],
    ["QR==", "non-zero unused bits (non-canonical)"],
    ["QUJ!", "character outside the alphabet"],
    ["héllo=", "non-ASCII"],
  ])("rejects %p (%s) with InvalidArgument", (input) => {
    let caught: unknown;
    try {
      decodeBase64Strict(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: "InvalidArgument" });
    expect((caught as Error).message).toContain("nothing was written");
  });

  test("round-trips every byte value", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const b64 = Buffer.from(all).toString("base64");
    expect(decodeBase64Strict(b64)).toEqual(all);
  });
});

describe("isTextualType", () => {
  test.each([
    "text/plain",
    "text/csv; charset=utf-8",
    "application/json",
    "application/vnd.api+json",
    "application/xml",
    "image/svg+xml",
    "application/x-yaml",
    "application/javascript",
  ])("%p is textual", (t) => expect(isTextualType(t)).toBe(true));

  test.each(["image/png", "application/octet-stream", "application/pdf", "application/zip", ""])(
    "%p is not textual",
    (t) => expect(isTextualType(t)).toBe(false),
  );
  test("null is not textual", () => expect(isTextualType(null)).toBe(false));
});

describe("encodeContent", () => {
  test("valid UTF-8 is text whatever the content type says", () => {
    expect(encodeContent(utf8("héllo ✓"), "application/octet-stream", false)).toEqual({
      content: "héllo ✓",
      is_base64: false,
      bytes: 10,
    });
    expect(encodeContent(utf8("plain"), null, false).is_base64).toBe(false);
  });

  test("a byte-order mark is kept, so the text is exactly the stored bytes", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    const out = encodeContent(bytes, "text/plain", false);
    expect(out.content).toBe("\ufeffa");
    expect(new TextEncoder().encode(out.content)).toEqual(bytes);
  });

  test("binary is base64 and decodes back to the same bytes", () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]);
    const out = encodeContent(bytes, "image/png", false);
    expect(out.is_base64).toBe(true);
    expect(new Uint8Array(Buffer.from(out.content, "base64"))).toEqual(bytes);
  });

  test("a textual type with a declared charset is decoded in that charset", () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1
    expect(encodeContent(latin1, "text/plain; charset=ISO-8859-1", false)).toMatchObject({
      content: "café",
      is_base64: false,
    });
  });

  test("a textual type whose bytes are not valid text is base64, never lossy", () => {
    const bad = new Uint8Array([0x61, 0xff, 0x62]);
    const out = encodeContent(bad, "text/plain", false);
    expect(out.is_base64).toBe(true);
    expect(new Uint8Array(Buffer.from(out.content, "base64"))).toEqual(bad);
  });

  test("a range ending inside a character holds the partial character back for the next page", () => {
    const all = utf8("ab✓cd"); // ✓ is 3 bytes: e2 9c 93
    const page = all.subarray(0, 4); // "ab" + first two bytes of ✓
    const out = encodeContent(page, "text/plain", true);
    expect(out).toEqual({ content: "ab", is_base64: false, bytes: 2 });
    // The next page starts at offset + bytes and decodes cleanly.
    expect(encodeContent(all.subarray(out.bytes), "text/plain", false).content).toBe("✓cd");
  });

  test("at the end of the object nothing is held back: invalid bytes are base64", () => {
    const page = utf8("ab✓").subarray(0, 4);
    expect(encodeContent(page, "text/plain", false).is_base64).toBe(true);
  });
});
