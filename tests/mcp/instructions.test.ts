// The server instructions and write-tool notes state the active policy in plain words, per connection
// where connections differ. Configurations come from the real loader, as the server gets them.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { buildInstructions, writeNote } from "../../src/mcp/instructions.ts";

const config = (env: Record<string, string>) => loadConfig({ env: { HOME: "/nonexistent", ...env } });

describe("buildInstructions", () => {
  test("defaults: read-only, size limits with their values, no ACL, audit off", () => {
    const text = buildInstructions(config({}));
    expect(text).toContain("Read-only: writes are disabled");
    expect(text).toContain("ReadOnlyMode");
    expect(text).toContain("at most 10MiB (10485760 bytes)");
    expect(text).toContain("at most 100MiB (104857600 bytes, decoded size)");
    expect(text).toContain("offset/length");
    expect(text).toContain("No prefix ACL");
    expect(text).toContain("Audit logging is off");
    expect(text).toContain('"default" (default)');
    expect(text).toContain("s3://{connection}/{bucket}/{+key}");
    for (const tool of ["s3_get_object", "s3_put_object", "s3_list_connections"])
      expect(text).toContain(tool);
  });

  test("prefix ACL, bucket lists, writable, audit on, custom limits", () => {
    const text = buildInstructions(
      config({
        MCP_S3_EXT_READONLY: "false",
        MCP_S3_MAX_GET_SIZE: "1MB",
        MCP_S3_EXT_PREFIXACL: "true",
        MCP_S3_ALLOWED_PREFIXES: "data/,reports/",
        MCP_S3_DENIED_PREFIXES: "secrets/",
        MCP_S3_EXT_AUDIT: "true",
        S3_ENDPOINT: "http://127.0.0.1:9",
      }),
    );
    expect(text).toContain("Writes are allowed");
    expect(text).not.toContain("Read-only: writes are disabled");
    expect(text).toContain("at most 1MiB (1048576 bytes)");
    expect(text).toContain("keys under secrets/ are denied (deny wins over allow)");
    expect(text).toContain("only keys under data/, reports/ are accessible");
    expect(text).toContain("PrefixDenied");
    expect(text).toContain("written to an audit log");
    expect(text).toContain("http://127.0.0.1:9");
  });

  test("size limits off", () => {
    expect(buildInstructions(config({ MCP_S3_EXT_SIZELIMIT: "false" }))).toContain("Size limits are off");
  });

  test("rules shared by all connections are stated once, differing ones per connection", () => {
    const text = buildInstructions(
      config({
        S3_ADDITIONAL_CONNECTIONS: JSON.stringify({
          scratch: { region: "eu-west-1", policy: { read_only: false, denied_buckets: ["prod-data"] } },
        }),
      }),
    );
    const common = text.slice(
      text.indexOf("Policy (all connections):"),
      text.indexOf("Policy per connection:"),
    );
    const per = text.slice(text.indexOf("Policy per connection:"));
    expect(common).toContain("Size limits: one read returns at most 10MiB");
    expect(common).toContain("No prefix ACL");
    expect(common).not.toContain("Read-only");
    expect(per).toContain('- "default" (default): Read-only: writes are disabled');
    expect(per).toContain('- "scratch": Writes are allowed');
    expect(per).toContain('- "scratch": Buckets: the bucket prod-data is denied');
    expect(per).toContain('- "default" (default): No bucket lists');
    expect(per).not.toContain("Size limits");
    expect(text).toContain("Pass `connection`");
  });

  test("connections with the same policy share one block", () => {
    const text = buildInstructions(
      config({ S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ b: { region: "eu-west-1" } }) }),
    );
    expect(text).toContain("Policy (all connections):");
    expect(text).not.toContain("Policy per connection");
  });
});

describe("writeNote", () => {
  test("read-only server: the write tools say they are disabled", () => {
    expect(writeNote(config({}))).toContain("disabled: this server is read-only");
  });
  test("writable server: no note", () => {
    expect(writeNote(config({ MCP_S3_EXT_READONLY: "false" }))).toBe("");
  });
  test("read-only default with a writable connection names it", () => {
    const note = writeNote(
      config({ S3_ADDITIONAL_CONNECTIONS: JSON.stringify({ rw: { policy: { read_only: false } } }) }),
    );
    expect(note).toContain("disabled: this server is read-only on the default connection");
    expect(note).toContain('"rw" allows writes');
  });
});
