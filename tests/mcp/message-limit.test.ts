// The longest JSON-RPC line the stdio server accepts follows from the policy (SPEC §3 "Bounded
// resources"), and an oversized line is answered by its request id when either end of it shows one.
// Pure: the limit from configurations, the id from the kept ends of a line.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { messageLimit, READ_ONLY_MESSAGE_BYTES } from "../../src/mcp/stdio.ts";
import { oversizedId } from "../../src/mcp/transport.ts";

const MiB = 1024 * 1024;
const base = loadConfig({ env: { AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" } });
const defaultConnection = Object.values(base.connections)[0] as Config["connections"][string];

type PolicyPatch = Partial<Config["connections"][string]["policy"]>;
/** A configuration with one connection per patch, each the default policy changed by its patch. */
function configWith(...patches: PolicyPatch[]): Config {
  const connections = Object.fromEntries(
    patches.map((p, i) => [
      `c${i}`,
      { ...defaultConnection, name: `c${i}`, policy: { ...defaultConnection.policy, ...p } },
    ]),
  );
  return { ...base, connections, default_connection: "c0" };
}
const base64Room = (put: number) => Math.ceil(put / 3) * 4 + MiB;

describe("messageLimit", () => {
  test.each<[string, PolicyPatch[], number, string]>([
    ["the default (read-only)", [{}], READ_ONLY_MESSAGE_BYTES, "read-only"],
    [
      "read-only with a huge put limit",
      [{ max_put_size: 5 * 1024 * MiB }],
      READ_ONLY_MESSAGE_BYTES,
      "read-only",
    ],
    ["read-only with size limits off", [{ size_limits: false }], READ_ONLY_MESSAGE_BYTES, "read-only"],
    [
      "writable, default put limit (100 MiB)",
      [{ read_only: false }],
      base64Room(100 * MiB),
      "max_put_size 100MiB",
    ],
    [
      "writable, 1 KiB put limit",
      [{ read_only: false, max_put_size: 1024 }],
      base64Room(1024),
      "max_put_size 1KiB",
    ],
    [
      "the largest put limit among writable connections; read-only ones do not count",
      [
        { max_put_size: 400 * MiB },
        { read_only: false, max_put_size: 2 * MiB },
        { read_only: false, max_put_size: 8 * MiB },
      ],
      base64Room(8 * MiB),
      "max_put_size 8MiB",
    ],
    [
      "writable, size limits off: room for 100 MiB",
      [{ read_only: false, size_limits: false }],
      base64Room(100 * MiB),
      "size limits are off",
    ],
    [
      "writable, a put limit beyond the ceiling",
      [{ read_only: false, max_put_size: 2048 * MiB }],
      512 * MiB,
      "capped at 512MiB",
    ],
  ])("%s", (_, patches, bytes, reason) => {
    const limit = messageLimit(configWith(...patches));
    expect(limit.bytes).toBe(bytes);
    expect(limit.reason).toContain(reason);
  });

  test("a read-only server's bound is far below what an upload would need", () => {
    expect(READ_ONLY_MESSAGE_BYTES).toBeLessThan(base64Room(100 * MiB) / 100);
  });
});

describe("oversizedId", () => {
  test.each<[string, string, string, string | number | null]>([
    [
      "id first, as most clients write it",
      '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"a":"xxx',
      'xxx"}}',
      7,
    ],
    ["id as the first member", '{"id":"abc","jsonrpc":"2.0","method":"x","params":{"p":"xx', 'xx"}}', "abc"],
    [
      "id last, as the SDK's clients write it",
      '{"method":"tools/call","params":{"arguments":{"content":"xx',
      'xx"}},"jsonrpc":"2.0","id":42}',
      42,
    ],
    ["id last with whitespace and CR", '{"method":"x","params":{"a":"', 'zz"} , "id" : 9 }\r', 9],
    ["string id with escapes", '{"jsonrpc":"2.0","id":"a\\"b","method":"x"', "", 'a"b'],
    ["negative id", '{"id":-3,"method":"x","params":{"a":"', '"}}', -3],
    ["an id nested in params is not the request's", '{"method":"x","params":{"a":"', '","id":5}}', null],
    ["an id inside a string is not the request's", '{"method":"x","params":{"a":"', '\\"id\\":5}"}}', null],
    ["no id at either end", '{"method":"x","params":{"a":"', 'zz"}}', null],
    ["not JSON at all", "xxxxxxxxxxxxxxxxxxxxxxxx", "yyyyyyyyyyyyyyyy", null],
    ["a float id is not a usable id", '{"id":1.5,"method":"x"', "", null],
    ["an id too large to be exact", '{"id":123456789012345678901,"method":"x"', "", null],
  ])("%s", (_, head, tail, expected) => {
    expect(oversizedId(head, tail)).toBe(expected);
  });
});
