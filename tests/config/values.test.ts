// The scalar parsers every configuration source shares (SPEC §2.1): booleans, sizes, durations, lists.
import { describe, expect, test } from "bun:test";
import {
  formatDuration,
  formatSize,
  parseBoolean,
  parseDuration,
  parseList,
  parseSize,
} from "../../src/config/values.ts";

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe("parseBoolean", () => {
  const truthy = ["true", "1", "yes", "on"];
  const falsy = ["false", "0", "no", "off"];
  const cases = (words: string[]) =>
    words.flatMap((w) => [w, w.toUpperCase(), w[0]?.toUpperCase() + w.slice(1), ` ${w} `]);

  test.each(cases(truthy))("%p is true", (word) => {
    expect(parseBoolean(word)).toEqual({ ok: true, value: true });
  });
  test.each(cases(falsy))("%p is false", (word) => {
    expect(parseBoolean(word)).toEqual({ ok: true, value: false });
  });
  test("YAML booleans and 0/1 numbers", () => {
    expect(parseBoolean(true)).toEqual({ ok: true, value: true });
    expect(parseBoolean(false)).toEqual({ ok: true, value: false });
    expect(parseBoolean(1)).toEqual({ ok: true, value: true });
    expect(parseBoolean(0)).toEqual({ ok: true, value: false });
  });
  test.each([
    "maybe",
    "",
    " ",
    "y",
    "n",
    "t",
    "f",
    "enable",
    "disabled",
    "2",
    "-1",
    "truee",
    "yes please",
    "true,false",
  ])("%p is refused", (word) => {
    const r = parseBoolean(word);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.accepted).toContain("true/false/1/0/yes/no/on/off");
  });
  test.each([2, -1, 0.5, Number.NaN, null, undefined, {}, [], ["true"]].map((v) => [v]))(
    "%p (non-string) is refused",
    (v) => {
      expect(parseBoolean(v).ok).toBe(false);
    },
  );
});

describe("parseSize", () => {
  const good: [string | number, number][] = [
    ["0", 0],
    ["1", 1],
    ["1048576", MiB],
    ["10B", 10],
    ["10b", 10],
    ["1K", KiB],
    ["1k", KiB],
    ["1KB", KiB],
    ["1kb", KiB],
    ["1KiB", KiB],
    ["1kib", KiB],
    ["1KIB", KiB],
    ["10M", 10 * MiB],
    ["10MB", 10_485_760],
    ["10mb", 10_485_760],
    ["10Mb", 10_485_760],
    ["10MiB", 10 * MiB],
    ["5g", 5 * GiB],
    ["5G", 5 * GiB],
    ["5GB", 5 * GiB],
    ["5GiB", 5 * GiB],
    ["2T", 2 * TiB],
    ["2TB", 2 * TiB],
    ["2tib", 2 * TiB],
    ["100MB", 100 * MiB],
    [" 10MB ", 10 * MiB],
    ["007", 7],
    ["8191T", 8191 * TiB],
    [0, 0],
    [1024, 1024],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ];
  test.each(good)("%p = %p bytes", (input, bytes) => {
    expect(parseSize(input)).toEqual({ ok: true, value: bytes });
  });

  const bad: unknown[] = [
    "10XB",
    "10 XB",
    "-1",
    "-1MB",
    "1.5",
    "1.5MB",
    "1,5MB",
    "1e6",
    "0x10",
    "99999999999T",
    "9007199254740992",
    "8192T",
    "",
    " ",
    "MB",
    "10MBB",
    "10 M B",
    "ten",
    "10KB5",
    "+10",
    -1,
    1.5,
    Number.POSITIVE_INFINITY,
    Number.NaN,
    Number.MAX_SAFE_INTEGER + 1,
    null,
    true,
    {},
    [],
  ];
  test.each(bad.map((v) => [v]))("%p is refused", (input) => {
    const r = parseSize(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.accepted).toContain("powers of 1024");
  });
});

describe("parseDuration", () => {
  const good: [string | number, number][] = [
    ["30s", 30_000],
    ["2m", 120_000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["7d", 7 * 86_400_000],
    ["1h30m", 5_400_000],
    ["1d2h3m4s5ms", 86_400_000 + 7_200_000 + 180_000 + 4000 + 5],
    ["30S", 30_000],
    ["2M", 120_000],
    ["5sec", 5000],
    ["5min", 300_000],
    [" 30s ", 30_000],
    ["30", 30_000],
    ["1ms", 1],
    [30, 30_000],
    [0.5, 500],
  ];
  test.each(good)("%p = %p ms", (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, value: ms });
  });

  const bad: unknown[] = [
    "0s",
    "0",
    "0ms",
    "0m0s",
    "abc",
    "-1s",
    "-1",
    "1.5s",
    "",
    " ",
    "s",
    "30x",
    "30 s",
    "1m 30s",
    "30s30",
    "5mins",
    "1y",
    "99999999999999999d",
    0,
    -5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    0.0001,
    null,
    true,
    {},
  ];
  test.each(bad.map((v) => [v]))("%p is refused", (input) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.accepted).toContain("500ms");
  });
});

describe("parseList", () => {
  const good: [unknown, string[]][] = [
    ["", []],
    ["data/", ["data/"]],
    ["data/,reports/,exports/", ["data/", "reports/", "exports/"]],
    [" data/ , reports/ ", ["data/", "reports/"]],
    ["data/,", ["data/"]],
    [[], []],
    [
      ["data/", "reports/"],
      ["data/", "reports/"],
    ],
    // YAML entries are byte-exact: a deliberate leading space is kept.
    [[" spaced/"], [" spaced/"]],
  ];
  test.each(good)("%p -> %p", (input, list) => {
    expect(parseList(input)).toEqual({ ok: true, value: list });
  });

  const bad: unknown[] = [
    " ",
    ",",
    ",,",
    "a,,b",
    ",data/",
    "data/, ,reports/",
    "data/,,",
    [""],
    [" "],
    ["data/", ""],
    ["data/", "  "],
    [1, 2],
    ["data/", null],
    [{}],
    { a: 1 },
    42,
    true,
  ];
  test.each(bad.map((v) => [v]))("%p is refused (a blank entry never means everything)", (input) => {
    const r = parseList(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.accepted).toContain("empty entry is not allowed");
  });
});

describe("formatting round-trips with parsing", () => {
  test.each([0, 1, 1000, KiB, 10 * MiB, 100 * MiB, 5 * GiB, 3 * TiB, 1536])("formatSize(%p)", (n) => {
    expect(parseSize(formatSize(n))).toEqual({ ok: true, value: n });
  });
  test.each([1, 500, 1000, 30_000, 90_000, 3_600_000, 86_400_000, 604_800_000])(
    "formatDuration(%p)",
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, value: ms });
    },
  );
  test("examples", () => {
    expect(formatSize(10 * MiB)).toBe("10MiB");
    expect(formatSize(1536)).toBe("1536B");
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatDuration(90_000)).toBe("90s");
  });
});
