// The Kubernetes manifests under deploy/ (docs/deploy.md) are parsed and checked: probes on the
// server's real endpoints and port, a non-root and read-only container without privileges,
// resource limits, a Service and an autoscaler that point at the Deployment, and a configuration
// that the real loader accepts for serving HTTP.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import { DRAIN_MS } from "../../src/http/server.ts";
import { serveSettings } from "../../src/http/settings.ts";

const DIR = join(import.meta.dir, "../../deploy/kubernetes");
const TMP = mkdtempSync(join(tmpdir(), "mcp-s3-deploy-test-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is checked field by field below
type Doc = Record<string, any>;
const docs: Doc[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    // YAML 1.1, as Kubernetes reads manifests (0444 is octal there, decimal 444 in YAML 1.2).
    parseAllDocuments(readFileSync(join(DIR, f), "utf8"), { version: "1.1" }).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Doc;
    }),
  );
const one = (kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Doc;
};

const deployment = one("Deployment");
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const port = container.ports.find((p: Doc) => p.name === "http");

describe("Deployment", () => {
  test("one container, serving HTTP on the port it declares", () => {
    expect(pod.containers).toHaveLength(1);
    expect(port.containerPort).toBeGreaterThan(1024); // a non-root user cannot bind below 1024
    expect(container.args).toEqual(["serve", "--http", `0.0.0.0:${port.containerPort}`]);
  });

  test("readiness on /readyz, liveness on /healthz, on that port", () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  test("non-root, read-only root filesystem, no privilege escalation, no capabilities", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.securityContext.privileged).not.toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test("CPU and memory requests and limits (memory within the 256 MiB the server is built for)", () => {
    const { requests, limits } = container.resources;
    for (const r of [requests, limits]) {
      expect(r.cpu).toBeDefined();
      expect(r.memory).toBeDefined();
    }
    expect(limits.memory).toBe("256Mi");
  });

  test("SIGTERM's drain fits in the grace period", () => {
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(DRAIN_MS / 1000 + preStop);
  });

  test("the configuration comes from the ConfigMap, mounted read-only and not writable by others", () => {
    const mount = container.volumeMounts.find((m: Doc) => m.name === "config");
    expect(mount.readOnly).toBe(true);
    const volume = pod.volumes.find((v: Doc) => v.name === "config");
    expect(volume.configMap.name).toBe(one("ConfigMap").metadata.name);
    expect(volume.configMap.defaultMode & 0o022).toBe(0); // the loader refuses group/other-writable files
    const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
    expect(env.MCP_S3_CONFIG).toBe(`${mount.mountPath}/config.yaml`);
  });
});

describe("Service, autoscaler, disruption budget", () => {
  test("the Service selects the Deployment's pods and targets the http port", () => {
    const service = one("Service");
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe("http");
  });

  test("the HorizontalPodAutoscaler scales the Deployment, never below two replicas", () => {
    const hpa = one("HorizontalPodAutoscaler");
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  test("the PodDisruptionBudget and the ServiceAccount match", () => {
    expect(one("PodDisruptionBudget").spec.selector.matchLabels).toEqual(
      deployment.spec.selector.matchLabels,
    );
    expect(one("ServiceAccount").metadata.name).toBe(pod.serviceAccountName);
  });

  test("the Ingress routes /mcp and the protected resource metadata to the Service, for an allowed host", () => {
    const ingress = one("Ingress");
    const rule = ingress.spec.rules[0];
    const paths = rule.http.paths.map((p: Doc) => [p.path, p.backend.service.name]);
    expect(paths).toEqual([
      ["/mcp", "mcp-s3"],
      ["/.well-known/oauth-protected-resource", "mcp-s3"],
    ]);
    const config = loadedConfig();
    expect(config.http?.allowed_hosts).toContain(rule.host);
    expect(config.http?.auth.audience).toBe(`https://${rule.host}/mcp`);
  });
});

function loadedConfig() {
  const file = join(TMP, "config.yaml");
  writeFileSync(file, one("ConfigMap").data["config.yaml"], { mode: 0o600 });
  return loadConfig({
    env: { HOME: TMP, MCP_S3_CONFIG: file, AWS_REGION: "us-east-1" },
    flags: { http_listen: container.args[2] },
  });
}

describe("ConfigMap", () => {
  test("the real loader accepts it, and it can serve HTTP on every interface (OAuth, not `none`)", () => {
    const config = loadedConfig();
    const settings = serveSettings(config, { insecureNoAuth: false });
    expect(settings.listen).toEqual({ host: "0.0.0.0", port: port.containerPort });
    expect(settings.auth.mode).toBe("oauth");
    expect(config.audit).toEqual({ enabled: true, file: "-" });
    expect(settings.principals.length).toBeGreaterThan(0);
  });
});
