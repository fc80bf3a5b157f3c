// Host and Origin checks (DNS-rebinding protection), table-driven with hostile rows.
import { describe, expect, test } from "bun:test";
import { hostAllowed, originAllowed } from "../../src/http/guard.ts";

describe("hostAllowed", () => {
  const rows: [string | null, string, string[], boolean][] = [
    ["127.0.0.1:8080", "127.0.0.1", [], true],
    ["localhost:1", "0.0.0.0", [], true],
    ["LOCALHOST", "0.0.0.0", [], true],
    ["127.0.0.1", "0.0.0.0", [], true],
    ["[::1]:8080", "::1", [], true],
    ["[::1]:8080", "127.0.0.1", [], false],
    ["10.0.0.5:8080", "10.0.0.5", [], true],
    ["s3-mcp.example.com", "0.0.0.0", ["s3-mcp.example.com"], true],
    ["S3-MCP.example.com:443", "0.0.0.0", ["s3-mcp.example.com"], true],
    ["evil.example.com", "0.0.0.0", ["s3-mcp.example.com"], false],
    ["s3-mcp.example.com.evil.com", "0.0.0.0", ["s3-mcp.example.com"], false],
    ["evil.com#@localhost", "127.0.0.1", [], false],
    ["localhost.evil.com", "127.0.0.1", [], false],
    ["127.0.0.1.nip.io", "127.0.0.1", [], false],
    ["localhost:80:80", "127.0.0.1", [], false],
    ["localhost:abc", "127.0.0.1", [], false],
    ["", "127.0.0.1", [], false],
    [null, "127.0.0.1", [], false],
    ["0.0.0.0:8080", "0.0.0.0", [], true],
  ];
  for (const [host, listen, allowed, expected] of rows) {
    test(`${JSON.stringify(host)} listening on ${listen} ${allowed.join(",")}`, () =>
      expect(hostAllowed(host, listen, allowed)).toBe(expected));
  }
});

describe("originAllowed", () => {
  const rows: [string | null, string[], boolean][] = [
    [null, [], true],
    ["http://127.0.0.1:8080", [], false],
    ["http://127.0.0.1:8080", ["http://127.0.0.1:8080"], true],
    ["HTTP://127.0.0.1:8080", ["http://127.0.0.1:8080"], true],
    ["https://app.example.com:443", ["https://app.example.com"], true],
    ["https://app.example.com", ["http://app.example.com"], false],
    ["https://app.example.com.evil.com", ["https://app.example.com"], false],
    ["null", ["null"], false],
    ["not a url", ["not a url"], false],
    ["file://", [], false],
  ];
  for (const [origin, allowed, expected] of rows) {
    test(`${JSON.stringify(origin)} with ${allowed.join(",") || "none allowed"}`, () =>
      expect(originAllowed(origin, allowed)).toBe(expected));
  }
});
