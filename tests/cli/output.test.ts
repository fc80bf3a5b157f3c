// Every human formatter of src/cli/output.ts and progress.ts with hostile values: what came from S3,
// the configuration or the command line is escaped (escape.ts), the layout around it is not, and
// the JSON records keep the exact values.
import { describe, expect, test } from "bun:test";
import type { Io } from "../../src/cli/io.ts";
import {
  bucketLine,
  configCheckLines,
  connectionsTable,
  doneLine,
  listLine,
  listRecord,
  Output,
  statLines,
} from "../../src/cli/output.ts";
import { renderProgress } from "../../src/cli/progress.ts";
import { DEFAULT_POLICY } from "../../src/config/schema.ts";

const EVIL = "a\x1b[2J\nb\r\t\u202e\x9b";
const SHOWN = "a\\x1b[2J\\nb\\r\\t\\u202e\\x9b";

const object = (key: string) => ({
  key,
  size: 5,
  last_modified: "2024-01-15T10:30:00.000Z",
  etag: '"e"',
  storage_class: "STANDARD",
});

describe("formatters", () => {
  test.each([
    ["bucket line", () => bucketLine({ name: EVIL, creation_date: null }), `- ${SHOWN}`],
    [
      "ls object line",
      () => listLine({ type: "object", object: object(EVIL) }, false),
      `2024-01-15 10:30:00          5 ${SHOWN}`,
    ],
    [
      "ls folder line",
      () => listLine({ type: "prefix", key: `${EVIL}/` }, false),
      `${" ".repeat(26)} PRE ${SHOWN}/`,
    ],
    [
      "ls folder line in colour",
      () => listLine({ type: "prefix", key: EVIL }, true),
      `${" ".repeat(26)} PRE \x1b[34m${SHOWN}\x1b[0m`,
    ],
    [
      "status line",
      () => doneLine("copied", `s3://b/${EVIL}`, `./${EVIL}`, 3),
      `copied s3://b/${SHOWN} -> ./${SHOWN} (3 bytes)`,
    ],
  ])("%s", (_name, render, expected) => {
    expect(render()).toBe(expected);
  });

  test("stat: location, content type, etag and metadata names and values", () => {
    const lines = statLines({
      bucket: "b",
      key: EVIL,
      size: 1,
      content_type: `text/${EVIL}`,
      content_length: 1,
      last_modified: null,
      etag: EVIL,
      metadata: { [EVIL]: EVIL },
    } as Parameters<typeof statLines>[0]);
    expect(lines[0]).toBe(`s3://b/${SHOWN}`);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^  content_type: +text/${escapeRe(SHOWN)}$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  etag: +${escapeRe(SHOWN)}$`)));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^  metadata\\.${escapeRe(SHOWN)}: +${escapeRe(SHOWN)}$`)),
    );
    for (const line of lines) {
      for (const raw of ["\x1b", "\n", "\r", "\t", "\u202e", "\x9b"]) expect(line).not.toContain(raw);
    }
  });

  test("connections table and config check: names and endpoints from the configuration", () => {
    const table = connectionsTable([
      {
        name: EVIL,
        region: "us-east-1",
        endpoint: `http://h/${EVIL}`,
        credentials: "explicit keys",
        default: true,
        policy: { ...DEFAULT_POLICY },
      } as unknown as Parameters<typeof connectionsTable>[0][number],
    ]);
    expect(table).toHaveLength(2);
    expect(table[1]).toContain(SHOWN);
    expect(table[1]).toContain(`http://h/${SHOWN}`);
    const check = configCheckLines({
      valid: true,
      config_file: `/etc/${EVIL}`,
      default_connection: EVIL,
      connections: [EVIL],
    });
    expect(check.slice(1)).toEqual([
      `  file:        /etc/${SHOWN}`,
      `  default:     ${SHOWN}`,
      `  connections: ${SHOWN}`,
    ]);
  });

  test("progress: the label (a key's base name) is escaped, then shortened", () => {
    expect(renderProgress(EVIL, 1, undefined, 1000, 80, false)).toStartWith(`${SHOWN}  1 B`);
  });

  test("JSON records keep the exact key", () => {
    expect(listRecord("b", { type: "object", object: object(EVIL) }).key).toBe(EVIL);
  });
});

describe("Output (the net under every human line)", () => {
  function capture(json: boolean): { out: Output; text: () => string } {
    let text = "";
    const io = {
      write: async (d: string | Uint8Array) => {
        text += String(d);
      },
    } as unknown as Io;
    return { out: new Output(io, { json, quiet: false }), text: () => text };
  }

  test("a line built without escaping is still one line, escaped", async () => {
    const { out, text } = capture(false);
    await out.lines([`deleted s3://b/${EVIL}`]);
    await out.status(`uploaded ${EVIL}`);
    expect(text()).toBe(`deleted s3://b/${SHOWN}\nuploaded ${SHOWN}\n`);
  });

  test("--json is written exactly as JSON.stringify writes it", async () => {
    const { out, text } = capture(true);
    await out.list([{ key: EVIL }], () => []);
    await out.record({ key: EVIL });
    expect(text()).toBe(`${JSON.stringify({ key: EVIL })}\n${JSON.stringify({ key: EVIL })}\n`);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}
