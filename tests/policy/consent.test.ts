// Which consent classes an operation falls under (SPEC §3 Consent), from the touches it declares,
// and which of them a policy's `confirm` list names. Adversarial rows included.
import { describe, expect, test } from "bun:test";
import { type ConsentClass, DEFAULT_POLICY, type Policy } from "../../src/config/schema.ts";
import { classesNeedingConsent, consentClasses } from "../../src/policy/consent.ts";
import type { Touch } from "../../src/policy/decide.ts";

const read = (key = "src"): Touch => ({ access: "read", bucket: "b", key });
const write = (key = "dst", size?: number): Touch => ({ access: "write", bucket: "b", key, size });
const del = (key = "k"): Touch => ({ access: "delete", bucket: "b", key });
const presign = (method: "GET" | "PUT"): Touch => ({
  access: method === "GET" ? "read" : "write",
  bucket: "b",
  key: "k",
  presign: method,
});

const rows: [string, Touch[], ConsentClass[]][] = [
  ["list buckets: nothing", [{ access: "list" }], []],
  ["list objects: nothing", [{ access: "list", bucket: "b", prefix: "" }], []],
  ["get: nothing", [read()], []],
  ["list connections (no touches): nothing", [], []],
  ["put: write", [write("k", 10)], ["write"]],
  ["delete: delete", [del()], ["delete"]],
  ["copy: write and copy", [read(), write()], ["write", "copy"]],
  ["copy within one key is still a copy", [read("same"), write("same")], ["write", "copy"]],
  ["presign GET: presign", [presign("GET")], ["presign"]],
  ["presign PUT: write and presign", [presign("PUT")], ["write", "presign"]],
  ["create bucket: write", [{ access: "write", bucket: "b", wholeBucket: true } as Touch], ["write"]],
  ["remove bucket: delete", [{ access: "delete", bucket: "b", wholeBucket: true } as Touch], ["delete"]],
  ["adversarial: a presigned GET plus a write is no copy", [presign("GET"), write()], ["write", "presign"]],
  ["adversarial: a read plus a presigned PUT is no copy", [read(), presign("PUT")], ["write", "presign"]],
  ["adversarial: a read plus a delete is no copy", [read(), del()], ["delete"]],
  ["adversarial: the order of touches does not matter", [write(), read()], ["write", "copy"]],
  [
    "adversarial: repeated touches give each class once",
    [del("a"), del("b"), write(), write()],
    ["delete", "write"],
  ],
];

describe("consentClasses", () => {
  test.each(rows)("%s", (_name, touches, expected) => {
    expect(consentClasses(touches)).toEqual(expected);
  });
});

const confirm = (...classes: ConsentClass[]): Policy => ({ ...DEFAULT_POLICY, confirm: classes });

const needRows: [string, Policy, Touch[], ConsentClass[]][] = [
  ["default (empty confirm): never", DEFAULT_POLICY, [del()], []],
  ["confirm delete: a delete", confirm("delete"), [del()], ["delete"]],
  ["confirm delete: not a put", confirm("delete"), [write()], []],
  ["confirm write: a put", confirm("write"), [write()], ["write"]],
  ["confirm write: a copy (it writes)", confirm("write"), [read(), write()], ["write"]],
  ["confirm copy: a copy", confirm("copy"), [read(), write()], ["copy"]],
  ["confirm copy: not a put", confirm("copy"), [write()], []],
  ["confirm write: a presigned PUT", confirm("write"), [presign("PUT")], ["write"]],
  ["confirm write: not a presigned GET", confirm("write"), [presign("GET")], []],
  ["confirm presign: a presigned GET", confirm("presign"), [presign("GET")], ["presign"]],
  [
    "confirm everything: a read still needs nothing",
    confirm("delete", "write", "presign", "copy"),
    [read()],
    [],
  ],
  [
    "confirm everything: a copy names both of its classes",
    confirm("delete", "write", "presign", "copy"),
    [read(), write()],
    ["write", "copy"],
  ],
  [
    "adversarial: a policy object without confirm (not from the loader) asks nothing, never crashes",
    { ...DEFAULT_POLICY, confirm: undefined } as unknown as Policy,
    [del()],
    [],
  ],
];

describe("classesNeedingConsent", () => {
  test.each(needRows)("%s", (_name, policy, touches, expected) => {
    expect(classesNeedingConsent(policy, touches)).toEqual(expected);
  });
});
