// Bench rows for tree transfers: upload and download of a tree of many small files and of a tree of
// large files, and a sync with nothing to do, mcp-s3 against rclone (copy/sync, --transfers 16, the
// concurrency mcp-s3 uses by default; the peers' other settings at their defaults), aws-cli
// (`s3 cp --recursive`, `s3 sync`, default 10 requests at once) and s3cmd (`sync`, one at a time).
// Kept apart from run.ts and tools.ts, as bulk-ops.ts is: each tool only names its commands here.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { pool, type S3Target } from "./s3.ts";
import type { Tool } from "./tools.ts";

/** How a tool uploads a directory to a prefix, downloads a prefix to a directory, syncs up. */
export interface TreeCommands {
  upload(dir: string, bucket: string, prefix: string): string[];
  download(bucket: string, prefix: string, dir: string): string[];
  sync(dir: string, bucket: string, prefix: string): string[];
}

/** Objects in flight for the peers that take it on the command line (rclone); mcp-s3's default. */
export const TRANSFERS = 16;

export function mcpS3Tree(binary: string): TreeCommands {
  const u = (b: string, p: string) => `s3://${b}/${p}`;
  return {
    upload: (d, b, p) => [binary, "put", "-r", "-q", d, u(b, p)],
    download: (b, p, d) => [binary, "get", "-r", "-q", u(b, p), d],
    sync: (d, b, p) => [binary, "sync", "-q", d, u(b, p)],
  };
}

export function rcloneTree(
  r: (...a: string[]) => string[],
  loc: (b: string, k: string) => string,
): TreeCommands {
  const n = ["--transfers", String(TRANSFERS), "--checkers", String(TRANSFERS)];
  return {
    upload: (d, b, p) => r("copy", ...n, d, loc(b, p)),
    download: (b, p, d) => r("copy", ...n, loc(b, p), d),
    sync: (d, b, p) => r("sync", ...n, d, loc(b, p)),
  };
}

export function awsTree(a: (...x: string[]) => string[]): TreeCommands {
  const q = ["--only-show-errors", "--no-progress"];
  return {
    upload: (d, b, p) => a("cp", "--recursive", ...q, d, `s3://${b}/${p}`),
    download: (b, p, d) => a("cp", "--recursive", ...q, `s3://${b}/${p}`, d),
    sync: (d, b, p) => a("sync", ...q, d, `s3://${b}/${p}`),
  };
}

export function s3cmdTree(s: (...x: string[]) => string[]): TreeCommands {
  return {
    upload: (d, b, p) => s("sync", "--quiet", `${d}/`, `s3://${b}/${p}`),
    download: (b, p, d) => s("sync", "--quiet", `s3://${b}/${p}`, `${d}/`),
    sync: (d, b, p) => s("sync", "--quiet", `${d}/`, `s3://${b}/${p}`),
  };
}

export interface TreePlan {
  readonly smallFiles: number;
  readonly smallSize: number;
  readonly smallRuns: number;
  readonly bigFiles: number;
  readonly bigSize: number;
  readonly bigRuns: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
export const TREE_FULL: TreePlan = {
  smallFiles: 10_000,
  smallSize: 4 * KiB,
  smallRuns: 3,
  bigFiles: 100,
  bigSize: 10 * MiB,
  bigRuns: 3,
};
export const TREE_QUICK: TreePlan = {
  smallFiles: 50,
  smallSize: 4 * KiB,
  smallRuns: 1,
  bigFiles: 4,
  bigSize: 256 * KiB,
  bigRuns: 1,
};

export const TREE_MEASURE_IDS = [
  "tree-small-up",
  "tree-small-down",
  "tree-big-up",
  "tree-big-down",
  "sync-noop",
];

/** The shape of a measure in bench/run.ts (CliMeasure with prepare and cleanup steps). */
export interface TreeMeasure {
  id: string;
  title: string;
  runs: number;
  warmup: number;
  rss: "timed" | "separate";
  bytes?: number;
  slowPeerRuns?: number;
  step(
    tool: Tool,
    run: number,
  ): {
    argv: string[];
    prepare?: () => Promise<void>;
    verify?: () => Promise<string | undefined>;
    cleanup?: () => Promise<void>;
  };
}

export interface TreeDeps {
  readonly plan: TreePlan;
  readonly bucket: string;
  readonly raw: S3Client;
  readonly target: S3Target;
  readonly work: string;
  /** Bytes deleted from RGW (its garbage is collected once enough has piled up). */
  readonly deleted: (bytes: number) => void;
  readonly log: (s: string) => void;
}

interface Tree {
  readonly dir: string;
  readonly files: number;
  readonly size: number;
  /** The same tree stored under this prefix (source of the downloads). */
  readonly prefix: string;
}

export function treeMeasures(d: TreeDeps): TreeMeasure[] {
  const p = d.plan;
  const cmds = (t: Tool) => {
    if (t.tree === undefined) throw new Error(`${t.id} names no tree commands`);
    return t.tree;
  };
  const slug = (t: Tool) => t.id.replace(/[^a-z0-9-]/gi, "_");
  const made = new Map<string, Promise<void>>();
  /** Where a tree lives (known up front); `ready()` makes it on first use, untimed. */
  const tree = (name: string, files: number, size: number): Tree & { ready(): Promise<void> } => {
    const where = { dir: join(d.work, `tree-${name}`), prefix: `tree/src-${name}/`, files, size };
    return {
      ...where,
      ready() {
        let p = made.get(name);
        if (p === undefined) {
          p = makeTree(d, where);
          made.set(name, p);
        }
        return p;
      },
    };
  };
  const small = tree("small", p.smallFiles, p.smallSize);
  const big = tree("big", p.bigFiles, p.bigSize);
  const n = (x: number) => x.toLocaleString("en");
  const label = (x: number) => (x >= MiB ? `${x / MiB} MiB` : `${x / KiB} KiB`);

  const upload = (id: string, src: ReturnType<typeof tree>, runs: number): TreeMeasure => ({
    id,
    title: `upload a tree of ${n(src.files)} files of ${label(src.size)}`,
    runs,
    slowPeerRuns: 1,
    warmup: 0,
    rss: "timed",
    bytes: src.files * src.size,
    step: (t, run) => {
      const prefix = `tree/${id}/${slug(t)}/${run}/`;
      return {
        argv: cmds(t).upload(src.dir, d.bucket, prefix),
        prepare: () => src.ready(),
        verify: async () => {
          const got = await countKeys(d.raw, d.bucket, prefix);
          return got === src.files ? undefined : `stored ${got} objects, expected ${src.files}`;
        },
        cleanup: async () => {
          await deletePrefix(d.raw, d.bucket, prefix);
          d.deleted(src.files * src.size);
        },
      };
    },
  });

  const download = (id: string, src: ReturnType<typeof tree>, runs: number): TreeMeasure => ({
    id,
    title: `download a tree of ${n(src.files)} files of ${label(src.size)}`,
    runs,
    slowPeerRuns: 1,
    warmup: 0,
    rss: "timed",
    bytes: src.files * src.size,
    step: (t, run) => {
      const dir = join(d.work, `tree-${id}-${slug(t)}-${run}`);
      return {
        argv: cmds(t).download(d.bucket, src.prefix, dir),
        prepare: async () => {
          await src.ready();
          mkdirSync(dir, { recursive: true });
        },
        verify: async () => {
          const got = countFiles(dir);
          return got === src.files ? undefined : `saved ${got} files, expected ${src.files}`;
        },
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  });

  const measures: TreeMeasure[] = [
    upload("tree-small-up", small, p.smallRuns),
    download("tree-small-down", small, p.smallRuns),
    upload("tree-big-up", big, p.bigRuns),
    download("tree-big-down", big, p.bigRuns),
    {
      id: "sync-noop",
      title: `sync of ${n(p.smallFiles)} files with nothing changed`,
      runs: p.smallRuns,
      slowPeerRuns: 1,
      // The warm-up run is each tool's first sync (it uploads everything); the timed runs find nothing to do.
      warmup: 1,
      rss: "timed",
      step: (t) => {
        const prefix = `tree/sync-noop/${slug(t)}/`;
        return {
          argv: cmds(t).sync(small.dir, d.bucket, prefix),
          prepare: () => small.ready(),
          verify: async () => {
            const got = await countKeys(d.raw, d.bucket, prefix);
            return got === p.smallFiles
              ? undefined
              : `${got} objects under ${prefix}, expected ${p.smallFiles}`;
          },
        };
      },
    },
  ];
  return measures;
}

/** A local tree (100 files a directory) and the same tree uploaded once with the raw client. */
async function makeTree(d: TreeDeps, tree: Tree): Promise<void> {
  const t0 = performance.now();
  const { dir, prefix, files, size } = tree;
  const block = new Uint8Array(size);
  const relative = (i: number) =>
    `d${String(Math.floor(i / 100)).padStart(3, "0")}/f${String(i).padStart(5, "0")}.bin`;
  for (let i = 0; i < files; i++) {
    const path = join(dir, relative(i));
    if (i % 100 === 0) mkdirSync(join(path, ".."), { recursive: true });
    for (let j = 0; j < Math.min(size, 64); j += 4) block[j] = (i >> (j % 24)) & 0xff; // files differ
    const fd = openSync(path, "w");
    writeSync(fd, block);
    closeSync(fd);
  }
  const bun = new Bun.S3Client({
    accessKeyId: d.target.accessKeyId,
    secretAccessKey: d.target.secretAccessKey,
    endpoint: d.target.endpoint,
    region: d.target.region,
    bucket: d.bucket,
  });
  await pool(files, size >= MiB ? 8 : 64, async (i) => {
    await bun.write(`${prefix}${relative(i)}`, Bun.file(join(dir, relative(i))));
  });
  d.log(
    `  tree ${prefix}: ${files.toLocaleString("en")} files made and stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

export async function countKeys(c: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await c.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    n += page.KeyCount ?? page.Contents?.length ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return n;
}

async function deletePrefix(c: S3Client, bucket: string, prefix: string): Promise<void> {
  for (;;) {
    const page = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
    if (keys.length === 0) return;
    await c.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}
