// Bench rows for the bulk commands of this module's owner: `rm -r` of many keys and `du` of a large
// prefix, mcp-s3 against each peer's equivalent. Kept apart from run.ts and tools.ts (each tool
// only names its commands here) so other bulk rows can be added beside them without conflicts.
import type { S3Client } from "@aws-sdk/client-s3";
import { countKeys } from "./bulk-transfer.ts";
import { pool, type S3Target } from "./s3.ts";
import type { Tool } from "./tools.ts";

/** How a tool deletes a prefix recursively and sizes a prefix; how to read the count it prints. */
export interface BulkOpsCommands {
  rmRecursive(bucket: string, prefix: string): string[];
  du(bucket: string, prefix: string): string[];
  /** The object count in the tool's `du` output, if it printed one. */
  duObjects(stdout: string): number | undefined;
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replaceAll(",", "")));

export function mcpS3BulkOps(binary: string): BulkOpsCommands {
  const u = (b: string, p: string) => `s3://${b}/${p}`;
  return {
    rmRecursive: (b, p) => [binary, "rm", "-r", "-q", u(b, p)],
    du: (b, p) => [binary, "du", u(b, p)],
    duObjects: (out) => num(/^([\d,]+) objects?,/m.exec(out)?.[1]),
  };
}

export function rcloneBulkOps(
  r: (...a: string[]) => string[],
  loc: (b: string, k: string) => string,
): BulkOpsCommands {
  return {
    rmRecursive: (b, p) => r("delete", loc(b, p)),
    du: (b, p) => r("size", loc(b, p)),
    // "Total objects: 50k (50000)" (newer) or "Total objects: 50000" (older)
    duObjects: (out) => num(/Total objects: (?:[^(\n]*\((\d+)\)|(\d+))/.exec(out)?.slice(1).find(Boolean)),
  };
}

export function awsBulkOps(a: (...x: string[]) => string[]): BulkOpsCommands {
  return {
    rmRecursive: (b, p) => a("rm", "--recursive", "--only-show-errors", `s3://${b}/${p}`),
    // aws-cli has no du: the documented way is a recursive listing with a summary.
    du: (b, p) => a("ls", "--recursive", "--summarize", `s3://${b}/${p}`),
    duObjects: (out) => num(/Total Objects: (\d+)/.exec(out)?.[1]),
  };
}

export function s3cmdBulkOps(s: (...x: string[]) => string[]): BulkOpsCommands {
  return {
    rmRecursive: (b, p) => s("del", "--recursive", "--force", "--quiet", `s3://${b}/${p}`),
    du: (b, p) => s("du", `s3://${b}/${p}`),
    // "50000    50000 objects s3://bench/list/"
    duObjects: (out) => num(/(\d+) objects/.exec(out)?.[1]),
  };
}

export interface BulkOpsPlan {
  readonly quick: boolean;
  /** Keys deleted by each rm -r run. */
  readonly rmKeys: number;
  readonly rmRuns: number;
  /** Keys under the du prefix (seeded by the runner's listing data). */
  readonly duKeys: number;
  readonly duRuns: number;
}

export const BULK_OPS_FULL = { rmKeys: 10_000, rmRuns: 3 } as const;
export const BULK_OPS_QUICK = { rmKeys: 200, rmRuns: 1 } as const;

/** The shape of a measure in bench/run.ts (structurally: CliMeasure with a prepare step). */
export interface BulkOpsMeasure {
  id: string;
  title: string;
  runs: number;
  warmup: number;
  rss: "timed" | "separate";
  slowPeerRuns?: number;
  step(
    tool: Tool,
    run: number,
  ): {
    argv: string[];
    stdoutFile?: string;
    prepare?: () => Promise<void>;
    verify?: () => Promise<string | undefined>;
  };
}

export interface BulkOpsDeps {
  readonly plan: BulkOpsPlan;
  readonly bucket: string;
  readonly raw: S3Client;
  readonly target: S3Target;
  /** The prefix holding duKeys keys. */
  readonly duPrefix: string;
  readonly out: (tool: Tool, what: string) => string;
  readonly readText: (file: string) => string;
  readonly log: (s: string) => void;
}

export function bulkOpsMeasures(d: BulkOpsDeps): BulkOpsMeasure[] {
  const p = d.plan;
  const cmds = (t: Tool) => {
    if (t.bulkOps === undefined) throw new Error(`${t.id} names no bulk commands`);
    return t.bulkOps;
  };
  return [
    {
      id: "rm10k",
      title: `rm -r of ${p.rmKeys.toLocaleString("en")} keys`,
      runs: p.rmRuns,
      slowPeerRuns: Math.min(p.rmRuns, 2),
      warmup: 0,
      rss: "timed",
      step: (t, run) => {
        const prefix = `rm/${t.id.replace(/[^a-z0-9-]/gi, "_")}/${run}/`;
        return {
          argv: cmds(t).rmRecursive(d.bucket, prefix),
          // Untimed: the keys the run is about to delete.
          prepare: () => seedSmallKeys(d.target, d.bucket, prefix, p.rmKeys),
          verify: async () => {
            const left = await countKeys(d.raw, d.bucket, prefix);
            return left === 0 ? undefined : `${left} keys left under ${prefix}`;
          },
        };
      },
    },
    {
      id: "du50k",
      title: `du of ${p.duKeys.toLocaleString("en")} keys`,
      runs: p.duRuns,
      slowPeerRuns: Math.min(p.duRuns, 2),
      warmup: 0,
      rss: "timed",
      step: (t) => {
        const f = d.out(t, "du");
        return {
          argv: cmds(t).du(d.bucket, d.duPrefix),
          stdoutFile: f,
          verify: async () => {
            const n = cmds(t).duObjects(d.readText(f));
            return n === p.duKeys ? undefined : `du counted ${n ?? "no"} objects, expected ${p.duKeys}`;
          },
        };
      },
    },
  ];
}

/** Bun's native S3 client: a tenth of the SDK's CPU per PUT, which on 2 cores is taken from RGW. */
async function seedSmallKeys(t: S3Target, bucket: string, prefix: string, n: number): Promise<void> {
  const bun = new Bun.S3Client({
    accessKeyId: t.accessKeyId,
    secretAccessKey: t.secretAccessKey,
    endpoint: t.endpoint,
    region: t.region,
    bucket,
  });
  await pool(n, 64, async (i) => {
    await bun.write(`${prefix}k${String(i).padStart(5, "0")}`, "x");
  });
}
