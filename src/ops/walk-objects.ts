// Every object under a prefix, in key order, as batches: the recursive listing behind
// `mcp-s3 ls --recursive`. Each page is its own audited, policy-filtered s3_list_objects call.
//
// A flat listing is one request after another, each waiting for the previous page's continuation
// token. When the prefix holds folders, their listings are independent: the walk lists the top
// level with a "/" delimiter and lists the next folders while the current one is being printed,
// each lister keeping at most two pages ahead. On loopback RGW this took a 50,000-key listing from
// 2.9 s to 2.2–2.4 s with 2 listers; with pages parsed cheaply (src/s3/list-page.ts) 8 listers, as
// many as rclone's checkers, took it to 0.8-0.9 s at ~100 MB peak RSS (bench/NOTES.md). Folders
// that turn out small would cost a request each where a flat page holds a thousand keys, so when
// they do the walk goes on flat from the last key given.
import { compareKeys } from "./key-order.ts";
import { type ListObjectsResult, listObjects, type ObjectSummary } from "./list-objects.ts";
import type { OpsContext } from "./run.ts";
import type { OperationTarget } from "./spec.ts";

export interface WalkArgs extends OperationTarget {
  readonly bucket: string;
  readonly prefix?: string | undefined;
}

export interface WalkOptions {
  /** Folders listed at once (the one being read and the ones ahead). 1 = a flat listing. */
  readonly concurrency?: number | undefined;
  /** The tool name each page is audited under. */
  readonly tool?: string | undefined;
}

/** Folders listed at once by default. */
export const LISTERS = 8;
/** Pages a folder lister may hold before its reader gets to them. */
const PAGES_AHEAD = 2;
/** Folders looked at before judging their size. */
export const FOLDERS_BEFORE_JUDGING = 4;
/** Below this many keys per folder on average, per-folder requests cost more than they save. */
const SMALL_FOLDER_KEYS = 500;
/** Top-level segments read ahead while looking for the next folder to start. */
const QUEUE_MAX = 64;

type Segment =
  | { readonly objects: readonly ObjectSummary[] }
  | { readonly folder: string; pages?: AsyncIterableIterator<readonly ObjectSummary[]> };

export async function* walkObjects(
  ctx: OpsContext,
  args: WalkArgs,
  options: WalkOptions = {},
): AsyncGenerator<readonly ObjectSummary[]> {
  const prefix = args.prefix ?? "";
  const tool = options.tool ?? "s3_list_objects";
  const concurrency = options.concurrency ?? LISTERS;
  const flat = (startAfter: string | undefined) =>
    pages(ctx, { ...args, prefix, start_after: startAfter }, tool);
  if (concurrency <= 1) {
    yield* flat(undefined);
    return;
  }

  const top = segments(ctx, { ...args, prefix }, tool);
  const queue: Segment[] = [];
  let topDone = false;
  let last: string | undefined;
  let folders = 0;
  let folderKeys = 0;
  try {
    for (;;) {
      // Start the listers of the next `concurrency` folders (the one about to be read included).
      let started = 0;
      for (let i = 0; started < concurrency; i++) {
        if (i >= queue.length) {
          if (topDone || queue.length >= QUEUE_MAX) break;
          const r = await top.next();
          if (r.done) {
            topDone = true;
            break;
          }
          queue.push(r.value);
        }
        const s = queue[i] as Segment;
        if ("folder" in s) {
          s.pages ??= readAhead(pages(ctx, { ...args, prefix: s.folder }, tool), PAGES_AHEAD);
          started++;
        }
      }
      const s = queue.shift();
      if (s === undefined) return;
      if ("objects" in s) {
        if (s.objects.length > 0) {
          yield s.objects;
          last = (s.objects.at(-1) as ObjectSummary).key;
        }
        continue;
      }
      for await (const batch of s.pages ?? []) {
        if (batch.length === 0) continue;
        folderKeys += batch.length;
        yield batch;
        last = (batch.at(-1) as ObjectSummary).key;
      }
      folders++;
      if (folders >= FOLDERS_BEFORE_JUDGING && folderKeys / folders < SMALL_FOLDER_KEYS) {
        // Everything up to `last` has been given, in order; the rest is whatever sorts after it.
        for (const q of queue) if ("folder" in q) void q.pages?.return?.();
        queue.length = 0;
        yield* flat(last);
        return;
      }
    }
  } finally {
    for (const q of queue) if ("folder" in q) void q.pages?.return?.();
    await top.return(undefined);
  }
}

/** Every page of a listing, following its (sealed) continuation tokens. */
async function* listPages(
  ctx: OpsContext,
  args: WalkArgs & {
    readonly prefix: string;
    readonly delimiter?: string | undefined;
    readonly start_after?: string | undefined;
  },
  tool: string,
): AsyncGenerator<ListObjectsResult> {
  const filtered = prefixAclOn(ctx, args.connection);
  let token: string | undefined;
  do {
    const page = await listObjects(
      ctx,
      {
        bucket: args.bucket,
        prefix: args.prefix,
        connection: args.connection,
        signal: args.signal,
        delimiter: args.delimiter,
        // Filtered (a prefix ACL): one under S3's page size, so the request for 1000 also says whether
        // the listing goes on and no second request is needed to tell (list-paging.ts). Unfiltered,
        // S3's own truncation flag is exact: a whole page, so 1,000 keys take one request, not two.
        max_keys: filtered ? 999 : 1000,
        continuation_token: token,
        start_after: token === undefined ? args.start_after : undefined,
      },
      tool,
    );
    yield page;
    token = page.is_truncated ? (page.next_continuation_token ?? undefined) : undefined;
  } while (token !== undefined);
}

/** Every page of a flat listing, as its objects. */
async function* pages(
  ctx: OpsContext,
  args: WalkArgs & { readonly prefix: string; readonly start_after?: string | undefined },
  tool: string,
): AsyncGenerator<readonly ObjectSummary[]> {
  for await (const page of listPages(ctx, args, tool)) yield page.objects;
}

/** The top level under "/": runs of objects, and each folder on its own, in key order. */
async function* segments(
  ctx: OpsContext,
  args: WalkArgs & { readonly prefix: string },
  tool: string,
): AsyncGenerator<Segment> {
  for await (const page of listPages(ctx, { ...args, delimiter: "/" }, tool)) {
    let run: ObjectSummary[] = [];
    let i = 0;
    for (const folder of page.common_prefixes) {
      while (i < page.objects.length && compareKeys((page.objects[i] as ObjectSummary).key, folder) < 0) {
        run.push(page.objects[i++] as ObjectSummary);
      }
      if (run.length > 0) yield { objects: run };
      run = [];
      yield { folder };
    }
    if (i < page.objects.length) yield { objects: page.objects.slice(i) };
  }
}

/**
 * Keeps up to `ahead` results of `source` requested before they are asked for, so the requests
 * behind them run while the reader is busy with earlier ones.
 */
function readAhead<T>(source: AsyncGenerator<T>, ahead: number): AsyncIterableIterator<T> {
  const queued: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const fill = () => {
    while (!finished && queued.length < ahead) {
      const next = source.next();
      // A failure is reported when its turn comes; until then it must not count as unhandled.
      next.then(
        (r) => {
          if (r.done) finished = true;
        },
        () => {
          finished = true;
        },
      );
      queued.push(next);
    }
  };
  fill();
  const it: AsyncIterableIterator<T> = {
    async next() {
      const head = queued.shift();
      if (head === undefined) return { done: true, value: undefined };
      const r = await head;
      if (!r.done) fill();
      return r;
    },
    async return() {
      finished = true;
      queued.length = 0;
      await source.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** Whether the connection's listings are filtered; an unknown connection fails in the listing itself. */
function prefixAclOn(ctx: OpsContext, connection: string | undefined): boolean {
  try {
    return ctx.clients.connection(connection).policy.prefix_acl;
  } catch {
    return true;
  }
}
