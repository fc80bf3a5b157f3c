// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell and GitHub Actions syntax
// SECURITY.md's copy-paste verification commands must name the files the release really has and
// the identity the release workflow really signs with.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RELEASE_TARGETS } from "../../scripts/build.ts";
import { bundleName, MCPB_TARGETS } from "../../scripts/mcpb.ts";
import { LAUNCHER_PATH, NPM_MAIN_PACKAGE, NPM_PLATFORMS } from "../../scripts/npm.ts";
import { archiveName, sbomName } from "../../scripts/release.ts";
import { ROOT } from "./helpers.ts";

const security = readFileSync(join(ROOT, "SECURITY.md"), "utf8");
const release = readFileSync(join(ROOT, ".github/workflows/release.yml"), "utf8");
const REPO = "txn2/mcp-s3";
const ISSUER = "https://token.actions.githubusercontent.com";

/** The shell commands inside ```sh blocks, continuation lines joined. */
function commands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, " ").split("\n")).map((l) => l.trim());
}

const example = /mcp-s3_(\d+\.\d+\.\d+)_linux_amd64\.tar\.gz/.exec(security);
const version = example?.[1] ?? "missing";

describe("SECURITY.md matches the release", () => {
  test("names every archive and the SBOM exactly as scripts/release.ts makes them", () => {
    expect(example).not.toBeNull();
    for (const t of RELEASE_TARGETS) expect(security).toContain(archiveName(version, t));
    expect(security).toContain(sbomName(version));
    // Every mcp-s3_* name in the document is something the release publishes.
    for (const t of MCPB_TARGETS) expect(security).toContain(bundleName(version, t));
    const published = new Set([
      ...[
        ...RELEASE_TARGETS.map((t) => archiveName(version, t)),
        ...MCPB_TARGETS.map((t) => bundleName(version, t)),
      ].flatMap((a) => [a, `${a}.sigstore.json`, `${a}.intoto.jsonl`]),
      sbomName(version),
      `${sbomName(version)}.sigstore.json`,
      `mcp-s3_${version}.intoto.jsonl`,
    ]);
    const mentioned = [...security.matchAll(/mcp-s3_[\w.]+/g)].map((m) => m[0].replace(/\.+$/, ""));
    expect(mentioned.length).toBeGreaterThan(5);
    for (const name of mentioned) expect([name, published.has(name)]).toEqual([name, true]);
  });

  test("checksums: sha256sum -c checksums.txt --ignore-missing", () => {
    expect(commands(security)).toContain("sha256sum -c checksums.txt --ignore-missing");
  });

  test("cosign verify-blob uses the bundle name the workflow writes and an identity that matches it", () => {
    const verify = commands(security).find((c) => c.startsWith("cosign verify-blob"));
    expect(verify).toBeDefined();
    const archive = archiveName(version, RELEASE_TARGETS[0] as (typeof RELEASE_TARGETS)[number]);
    expect(verify).toContain(`--bundle ${archive}.sigstore.json`);
    expect(verify).toContain(`--certificate-oidc-issuer ${ISSUER}`);
    expect(verify?.endsWith(archive)).toBe(true);
    // The workflow names bundles <file>.sigstore.json.
    expect(release).toContain('--bundle "${f}.sigstore.json"');
    // The regexp accepts the identity of this workflow at a version tag and nothing from elsewhere.
    const re = new RegExp(/--certificate-identity-regexp '([^']+)'/.exec(verify ?? "")?.[1] ?? "^$");
    const identity = (ref: string) => `https://github.com/${REPO}/.github/workflows/release.yml@${ref}`;
    expect(re.test(identity(`refs/tags/v${version}`))).toBe(true);
    expect(re.test(identity("refs/heads/main"))).toBe(false);
    expect(
      re.test(`https://github.com/evil/mcp-s3/.github/workflows/release.yml@refs/tags/v${version}`),
    ).toBe(false);
    expect(re.test(`https://github.com/${REPO}/.github/workflows/ci.yml@refs/tags/v${version}`)).toBe(false);
  });

  test("slsa-verifier uses the provenance name the workflow publishes", () => {
    const verify = commands(security).find((c) => c.startsWith("slsa-verifier verify-artifact"));
    const archive = archiveName(version, RELEASE_TARGETS[0] as (typeof RELEASE_TARGETS)[number]);
    expect(verify).toContain(`--provenance-path ${archive}.intoto.jsonl`);
    expect(verify).toContain(`--source-uri github.com/${REPO}`);
    expect(release).toContain('cp "$src" "${f}.intoto.jsonl"');
    expect(release).toContain("provenance-name: mcp-s3_${{ needs.build.outputs.version }}.intoto.jsonl");
  });

  test("cosign verify of the image names ghcr.io/txn2/mcp-s3 and the same identity", () => {
    const verify = commands(security).find((c) => c.startsWith("cosign verify ghcr.io/"));
    expect(verify).toContain(`ghcr.io/${REPO}:${version}`);
    expect(verify).toContain(`--certificate-oidc-issuer ${ISSUER}`);
    expect(verify).toContain(
      "--certificate-identity-regexp '^https://github.com/txn2/mcp-s3/.github/workflows/release.yml@refs/tags/v'",
    );
  });

  test("the container example uses the hardening flags", () => {
    const run = commands(security).find((c) => c.startsWith("docker run"));
    for (const flag of ["--read-only", "--memory=256m", "--cpus=0.5", "--security-opt=no-new-privileges"]) {
      expect(run).toContain(flag);
    }
  });

  test("bundles and server.json are verified with cosign like the archives, against the same identity", () => {
    const verifies = commands(security).filter((c) => c.startsWith("cosign verify-blob"));
    const darwinArm64 = MCPB_TARGETS.find((t) => t.os === "darwin" && t.arch === "arm64");
    if (!darwinArm64) throw new Error("no darwin arm64 bundle");
    const bundle = bundleName(version, darwinArm64);
    for (const file of [bundle, "server.json"]) {
      const verify = verifies.find((c) => c.endsWith(` ${file}`));
      expect(verify).toContain(`--bundle ${file}.sigstore.json`);
      expect(verify).toContain(
        "--certificate-identity-regexp '^https://github.com/txn2/mcp-s3/.github/workflows/release.yml@refs/tags/v'",
      );
      expect(verify).toContain(`--certificate-oidc-issuer ${ISSUER}`);
    }
    expect(release).toContain("for f in *.tar.gz *.zip *.mcpb *.cdx.json server.json checksums.txt; do");
  });

  test("npm: npm audit signatures in an installation directory; tarballs checked against checksums.txt", () => {
    const cmds = commands(security);
    expect(cmds).toContain(`npm install ${NPM_MAIN_PACKAGE}@${version}`);
    expect(cmds).toContain("npm audit signatures");
    expect(cmds.some((c) => c.includes("npm audit signatures --global"))).toBe(false); // npm refuses that
    const pack = cmds.find((c) => c.includes("npm pack"));
    expect(pack).toContain(`${NPM_MAIN_PACKAGE}@${version}`);
    expect(pack).toContain(`${NPM_PLATFORMS[0]?.name}@${version}`);
    // checksums.txt lists them under npm/, where the command puts them.
    expect(pack).toStartWith("mkdir npm && (cd npm && ");
    expect(security).toContain(`\`${LAUNCHER_PATH}\``);
    expect(release).toContain("npm publish --provenance");
  });

  test("reporting: GitHub Security Advisories and security@txn2.com", () => {
    expect(security).toContain(`https://github.com/${REPO}/security/advisories/new`);
    expect(security).toContain("security@txn2.com");
  });
});
