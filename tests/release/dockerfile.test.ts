// Static checks of the Dockerfile and .dockerignore (no Docker engine runs here), plus a
// simulation of the final image where the machine allows it: the release binary alone in a
// read-only root with the C/C++ runtime and CA certificates, run as the image's USER.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, ensureRelease, extract, RELEASE_DIR, RELEASE_TESTS, ROOT, tempDir } from "./helpers.ts";

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}
interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly platform: string | undefined;
  readonly instructions: Instruction[];
}

/** Splits a Dockerfile into instructions (continuations joined, comments dropped) and stages. */
function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] ?? "";
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      const next = lines[i] ?? "";
      if (/^\s*#/.test(next)) continue;
      line = `${line.replace(/\\\s*$/, "")} ${next.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (m)
      instructions.push({ keyword: (m[1] ?? "").toUpperCase(), args: (m[2] ?? "").trim(), line: start + 1 });
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`cannot parse FROM at line ${ins.line}: ${ins.args}`);
      stages.push({ platform: m[1], image: m[2] ?? "", name: m[3], instructions: [] });
    } else {
      const current = stages.at(-1);
      if (!current) throw new Error(`${ins.keyword} before FROM at line ${ins.line}`);
      current.instructions.push(ins);
    }
  }
  return stages;
}

const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const stages = parseDockerfile(dockerfile);
const final = stages.at(-1) as Stage;
const finalOf = (kw: string) => final.instructions.filter((i) => i.keyword === kw);

describe("Dockerfile (static)", () => {
  test("is multi-stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.slice(0, -1).every((s) => s.name !== undefined)).toBe(true);
  }, 120_000);

  test("every base image is pinned by digest, none by a moving tag alone", () => {
    for (const s of stages) {
      expect(s.image).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
      expect(s.image).not.toMatch(/:latest@/);
    }
  }, 120_000);

  test("the final base image is distroless with no shell (not a :debug variant) and has glibc", () => {
    expect(final.image).toMatch(/^gcr\.io\/distroless\/cc-debian\d+:nonroot@sha256:/);
    expect(final.image).not.toContain(":debug");
  }, 120_000);

  test("the build stage compiles with scripts/build.ts for the target platform", () => {
    const build = stages[0] as Stage;
    expect(build.platform).toBe("$BUILDPLATFORM");
    const runs = build.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
    const compile = runs.find((r) => r.includes("scripts/build.ts"));
    expect(compile).toBeDefined();
    expect(compile).toContain("--target");
    expect(compile).toContain("amd64) target=bun-linux-x64");
    expect(compile).toContain("arm64) target=bun-linux-arm64");
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
  }, 120_000);

  test("the final stage adds exactly one file, the binary, and runs nothing", () => {
    expect(finalOf("RUN")).toEqual([]);
    expect(finalOf("ADD")).toEqual([]);
    expect(finalOf("SHELL")).toEqual([]);
    const copies = finalOf("COPY");
    expect(copies).toHaveLength(1);
    const words = (copies[0]?.args ?? "").split(/\s+/);
    const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
    expect(stages.slice(0, -1).map((s) => s.name)).toContain(from);
    const paths = words.filter((w) => !w.startsWith("--"));
    expect(paths).toEqual(["/out/mcp-s3", "/usr/local/bin/mcp-s3"]);
  }, 120_000);

  test("runs as a fixed numeric non-root UID", () => {
    const users = finalOf("USER");
    expect(users.length).toBeGreaterThanOrEqual(1);
    const user = users.at(-1)?.args ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user.split(":").map(Number);
    expect(uid).toBe(65532);
    expect(gid ?? 65532).not.toBe(0);
  }, 120_000);

  test("ENTRYPOINT is the binary, in exec form", () => {
    const ep = finalOf("ENTRYPOINT");
    expect(ep).toHaveLength(1);
    expect(JSON.parse(ep[0]?.args ?? "null")).toEqual(["/usr/local/bin/mcp-s3"]);
  }, 120_000);

  test("no secret is baked in through ENV or ARG", () => {
    for (const s of stages) {
      for (const i of s.instructions.filter((x) => x.keyword === "ENV" || x.keyword === "ARG")) {
        expect(i.args).not.toMatch(/AWS_|SECRET|TOKEN|PASSWORD|ACCESS_KEY/i);
      }
    }
  }, 120_000);

  test(".dockerignore is an allow-list that admits exactly what the build stage copies", () => {
    const rules = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    expect(rules[0]).toBe("*");
    const allowed = rules.filter((r) => r.startsWith("!")).map((r) => r.slice(1).replace(/\/$/, ""));
    for (const bad of [".git", ".env", "node_modules", "dist", ".npmrc"]) expect(allowed).not.toContain(bad);
    const build = stages[0] as Stage;
    const sources = build.instructions
      .filter((i) => i.keyword === "COPY" && !i.args.includes("--from="))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((w) => !w.startsWith("--"))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(allowed).toContain(src.replace(/\/$/, ""));
  }, 120_000);
});

// What `docker run --read-only --user 65532` gives the binary: a root it cannot write, owned by
// nobody it is, with only the C/C++ runtime and CA certificates beside it. Needs root (for
// unshare/mount/chroot); skipped elsewhere.
const IS_ROOT = process.getuid?.() === 0;
const HAS_UNSHARE = spawnSync("unshare", ["--version"], { stdio: "ignore", timeout: 60_000 }).status === 0;
const SIMULATE =
  RELEASE_TESTS && IS_ROOT && HAS_UNSHARE && process.platform === "linux" && process.arch === "x64";
if (RELEASE_TESTS && !SIMULATE) console.warn("image simulation skipped: needs root, unshare and linux-x64");

const SIMULATION = `
set -eu
R=$1; BIN=$2; USERSPEC=$3; shift 3
mount -t tmpfs -o size=512m,mode=0755 tmpfs "$R"
mkdir -p "$R/usr/local/bin" "$R/etc/ssl" "$R/proc" "$R/dev" "$R/home/nonroot"
cp "$BIN" "$R/usr/local/bin/mcp-s3"
chmod 0555 "$R/usr/local/bin/mcp-s3"
echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$R/etc/passwd"
for d in lib lib64 usr/lib etc/ssl; do
  [ -e "/$d" ] || continue
  mkdir -p "$R/$d"
  mount --bind "/$d" "$R/$d"
  mount -o remount,bind,ro "$R/$d"
done
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount -o remount,bind,ro "$R"
if touch "$R/probe" 2>/dev/null; then echo "root is writable" >&2; exit 99; fi
exec chroot --userspec="$USERSPEC" "$R" /usr/local/bin/mcp-s3 "$@"
`;

describe.skipIf(!SIMULATE)(
  "final image, simulated: read-only root, UID 65532, binary + libs + CA certs",
  () => {
    let bin = "";
    let tmp: { dir: string; cleanup: () => void } | undefined;
    const user = finalOf("USER").at(-1)?.args ?? "";

    beforeAll(async () => {
      const m = await ensureRelease();
      const a = m.archives.find((x) => x.bunTarget === "bun-linux-x64");
      tmp = tempDir("image");
      bin = join(extract(join(RELEASE_DIR, a?.file ?? ""), join(tmp.dir, "bin")), "mcp-s3");
    }, 900_000);
    afterAll(() => tmp?.cleanup());

    const runInImage = (args: string[], extra: Record<string, string> = {}) => {
      const root = join(tmp?.dir ?? "", "root");
      spawnSync("mkdir", ["-p", root], { timeout: 60_000 });
      const env = {
        ...cleanEnv(join(tmp?.dir ?? "", "home"), extra),
        HOME: "/home/nonroot",
        XDG_CONFIG_HOME: "/home/nonroot/.config",
      };
      return spawnSync(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "--fork",
          "--",
          "bash",
          "-c",
          SIMULATION,
          "sim",
          root,
          bin,
          user,
          ...args,
        ],
        { env, encoding: "utf8", timeout: 60_000 },
      );
    };

    test("version --json", () => {
      const r = runInImage(["version", "--json"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect((JSON.parse(r.stdout) as { target: string }).target).toBe("bun-linux-x64");
    }, 120_000);

    test("config check passes, and fails with exit 5 on an invalid value", () => {
      expect(runInImage(["config", "check"]).status).toBe(0);
      expect(runInImage(["config", "check"], { MCP_S3_EXT_SIZELIMIT: "maybe" }).status).toBe(5);
    }, 120_000);
  },
);
