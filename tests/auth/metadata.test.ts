import { describe, expect, test } from "bun:test";
import { metadataPaths, resourceMetadataUrl, wwwAuthenticate } from "../../src/auth/metadata.ts";

describe("resource metadata URL (RFC 9728 §3.1: well-known prefix, then the resource's path)", () => {
  const rows: [string, string][] = [
    ["https://s3-mcp.example.com/mcp", "https://s3-mcp.example.com/.well-known/oauth-protected-resource/mcp"],
    ["https://s3-mcp.example.com/", "https://s3-mcp.example.com/.well-known/oauth-protected-resource"],
    [
      "https://x.example.com:8443/team/mcp/",
      "https://x.example.com:8443/.well-known/oauth-protected-resource/team/mcp",
    ],
  ];
  for (const [audience, url] of rows) test(audience, () => expect(resourceMetadataUrl(audience)).toBe(url));

  test("both well-known paths are always served, and the audience's own", () => {
    expect([...metadataPaths("https://x.example.com/team/mcp")].sort()).toEqual([
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource/team/mcp",
    ]);
  });
});

describe("WWW-Authenticate", () => {
  test("no token: only where to find the metadata (and the scopes)", () => {
    expect(wwwAuthenticate({ metadataUrl: "https://x/m", scopes: [] })).toBe(
      'Bearer resource_metadata="https://x/m"',
    );
    expect(wwwAuthenticate({ metadataUrl: "https://x/m", scopes: ["a", "b"] })).toBe(
      'Bearer resource_metadata="https://x/m", scope="a b"',
    );
  });
  test("quotes and control characters cannot break out of a value", () => {
    const h = wwwAuthenticate({
      metadataUrl: "https://x/m",
      error: "invalid_token",
      description: 'bad "token"\r\nX-Injected: 1\\',
    });
    expect(h).toBe(
      'Bearer resource_metadata="https://x/m", error="invalid_token", error_description="bad tokenX-Injected: 1"',
    );
  });
});
