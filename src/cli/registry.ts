// What each command is called, takes and says about itself. Kept free of heavy imports: help,
// completion scripts and `version` read it without loading the AWS SDK. The implementation of a
// command is imported only when that command runs.
import type { OptionSpec, OptionSpecs } from "./args.ts";
import type { Cli } from "./context.ts";

export interface CommandModule {
  /** Returns the exit code (0 when nothing is returned). Failures are thrown as S3ToolError. */
  run(cli: Cli): Promise<number | undefined>;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Arguments as shown after the command name in usage lines. */
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly options: OptionSpecs;
  /** Fixed words accepted as the first argument (config check|show, completion bash|zsh|fish). */
  readonly choices?: readonly string[];
  /** Internal plumbing (shell completion's helper): not in help, completion scripts or suggestions. */
  readonly hidden?: boolean;
  /** The MCP tool name the command is audited under. */
  readonly tool?: string;
  readonly details?: string;
  readonly examples?: readonly string[];
  readonly load: () => Promise<CommandModule>;
}

const TRANSFER_OPTIONS: OptionSpecs = {
  "content-type": { type: "string", value: "TYPE", description: "Content-Type of the object written" },
  metadata: {
    type: "string",
    multiple: true,
    value: "K=V",
    description: "user metadata of the object written (repeatable)",
  },
  "multipart-threshold": {
    type: "string",
    value: "SIZE",
    description:
      "files up to this size go as one PutObject, larger ones as a multipart upload (default 200MiB)",
  },
};

/**
 * The flags every bulk command shares (SPEC §6.1). Filters are read in command-line order with
 * filterRulesFromCli (src/bulk/filter.ts).
 */
export const BULK_OPTIONS: OptionSpecs = {
  recursive: {
    type: "boolean",
    short: "r",
    description: "every object under the prefix (or every file under the directory)",
  },
  "dry-run": {
    type: "boolean",
    description: "print what would be done and the policy's decision; change nothing, audit nothing",
  },
  include: {
    type: "string",
    multiple: true,
    value: "GLOB",
    description: "take items whose relative path matches (repeatable; the last matching filter wins)",
  },
  exclude: {
    type: "string",
    multiple: true,
    value: "GLOB",
    description: "skip items whose relative path matches (repeatable; the last matching filter wins)",
  },
  "exclude-from": {
    type: "string",
    multiple: true,
    value: "FILE",
    description: "exclude the globs listed in FILE, one a line (# comments and blank lines skipped)",
  },
  concurrency: {
    type: "string",
    value: "N",
    description: "objects in flight at once",
  },
};

/** Tree transfers: cp, put and mv (get takes the same without --dry-run, sync without -r). */
const TREE_OPTIONS: OptionSpecs = {
  ...BULK_OPTIONS,
  concurrency: {
    type: "string",
    value: "N",
    description: "objects in flight at once (default 16)",
  },
  "follow-symlinks": {
    type: "boolean",
    description: "upload what symbolic links in a directory point to (default: skip them)",
  },
};

const { "dry-run": _dryRun, "follow-symlinks": _follow, ...GET_TREE_OPTIONS } = TREE_OPTIONS;
const { recursive: _recursive, ...SYNC_TREE_OPTIONS } = TREE_OPTIONS;

const SYNC_OPTIONS: OptionSpecs = {
  ...SYNC_TREE_OPTIONS,
  delete: {
    type: "boolean",
    description: "also delete what the source lacks (never an excluded item; deletes need --read-only=false)",
  },
  checksum: {
    type: "boolean",
    description: "compare content (MD5 ETags) instead of modification times",
  },
  "size-only": { type: "boolean", description: "compare sizes only" },
};

const BULK_RESULTS =
  "Each object is checked by the policy and audited on its own; with --json one record per item\n" +
  '{op, source, dest, size, status: "done"|"skipped"|"refused"|"failed", error?}. Exit 3 if any item\n' +
  "was refused, else 1 if any failed, 4 if a pattern or prefix matched nothing.";

const BULK_DETAILS =
  "With -r the source is a directory or a prefix: its contents go directly below the destination\n" +
  '(s3://b/logs and s3://b/logs/ both mean the keys under "logs/"). A source key with *, ** or ?\n' +
  "is a pattern: every matching object keeps its path below the pattern's literal prefix.\n" +
  BULK_RESULTS;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "serve",
    summary: "serve MCP over stdio (the default when no command is given), or over HTTP with --http",
    usage: "",
    minArgs: 0,
    maxArgs: 0,
    options: {
      http: {
        type: "string",
        value: "[HOST:]PORT",
        description:
          "serve MCP over HTTP at /mcp instead (HOST defaults to 127.0.0.1; else MCP_S3_HTTP_LISTEN, http.listen)",
      },
      "insecure-no-auth": {
        type: "boolean",
        description:
          "serve HTTP without authorization on a non-loopback address (something in front must authenticate)",
      },
    },
    details:
      "Runs the MCP server on stdin/stdout until stdin closes or SIGTERM/SIGINT arrives, then exits 0.\n" +
      "With --http (or MCP_S3_HTTP_LISTEN / http.listen set) it serves MCP Streamable HTTP at /mcp,\n" +
      "stateless, with /healthz and /readyz, as an OAuth resource server (http.auth); SIGTERM lets\n" +
      "requests in flight finish (up to 10 s) and exits 0. See docs/deploy.md.",
    examples: [
      "mcp-s3 serve --http 8080",
      "MCP_S3_OAUTH_ISSUER=https://login.example.com/ MCP_S3_OAUTH_AUDIENCE=https://s3-mcp.example.com/mcp mcp-s3 serve --http 0.0.0.0:8080",
    ],
    load: () => import("./commands/serve.ts"),
  },
  {
    name: "buckets",
    summary: "list buckets",
    usage: "",
    minArgs: 0,
    maxArgs: 0,
    options: {},
    tool: "s3_list_buckets",
    details: "With --json: one JSON object per line, {name, creation_date}.",
    examples: ["mcp-s3 buckets", "mcp-s3 buckets --json | jq -r .name"],
    load: () => import("./commands/buckets.ts"),
  },
  {
    name: "ls",
    summary: "list objects and folders under a prefix (no argument: list buckets)",
    usage: "[s3://bucket[/prefix]]",
    minArgs: 0,
    maxArgs: 1,
    options: {
      recursive: {
        type: "boolean",
        short: "r",
        description: "list every key under the prefix (no folders, no delimiter)",
      },
      max: { type: "string", value: "N", description: "stop after N entries" },
    },
    tool: "s3_list_objects",
    details:
      'Without --recursive, keys are grouped into folders at "/" (PRE lines). Pages are fetched as\n' +
      "needed, so any number of keys is listed. With --json: one JSON object per line, objects as\n" +
      '{type:"object", bucket, key, size, last_modified, etag, storage_class} and folders as\n' +
      '{type:"prefix", bucket, key}.',
    examples: [
      "mcp-s3 ls s3://my-bucket/",
      "mcp-s3 ls -r s3://my-bucket/logs/2024/ --max 100",
      "mcp-s3 ls s3://my-bucket/ --recursive --json | jq -r 'select(.size > 1000000) | .key'",
    ],
    load: () => import("./commands/ls.ts"),
  },
  {
    name: "cat",
    summary: "write an object to stdout, streamed",
    usage: "s3://bucket/key",
    minArgs: 1,
    maxArgs: 1,
    options: {
      range: {
        type: "string",
        value: "A-B",
        description: "bytes A to B inclusive (A- reads from A to the end)",
      },
    },
    tool: "s3_get_object",
    details: "The get limit (--max-get-size) applies to the bytes read: the object, or the range.",
    examples: [
      "mcp-s3 cat s3://my-bucket/config.json | jq .",
      "mcp-s3 cat --range 0-1023 s3://my-bucket/big.bin",
    ],
    load: () => import("./commands/cat.ts"),
  },
  {
    name: "get",
    summary: "download an object to a file (or - for stdout); -r: a prefix to a directory",
    usage: "s3://bucket/key [FILE|DIR|-]",
    minArgs: 1,
    maxArgs: 2,
    options: GET_TREE_OPTIONS,
    tool: "s3_get_object",
    details:
      "Without FILE the object is saved under its base name in the current directory. The download\n" +
      "goes to a temporary file beside FILE that is renamed when complete, so an interrupted or failed\n" +
      "download never leaves a partial file under the final name. Objects larger than 64 MiB are\n" +
      "fetched as parallel ranged requests (4 x 64 MiB).\n\n" +
      "get -r s3://bucket/prefix/ DIR (or a pattern) saves every object below DIR (default: the current\n" +
      "directory), creating directories as needed; a key that would land outside DIR (.. segments, a\n" +
      "leading /) fails for that item (InvalidArgument).\n\n" +
      BULK_DETAILS,
    examples: [
      "mcp-s3 get s3://my-bucket/report.pdf",
      "mcp-s3 get --max-get-size 5GB s3://my-bucket/dump.tar ./",
      "mcp-s3 get -r s3://my-bucket/reports/2024/ ./reports",
      "mcp-s3 get 's3://my-bucket/logs/**.gz' ./logs --concurrency 32",
    ],
    load: () => import("./commands/get.ts"),
  },
  {
    name: "put",
    summary: "upload a file (or - for stdin), streamed; -r: a directory to a prefix",
    usage: "FILE|- s3://bucket/key",
    minArgs: 2,
    maxArgs: 2,
    options: { ...TRANSFER_OPTIONS, ...TREE_OPTIONS },
    tool: "s3_put_object",
    details:
      'A key ending in "/" gets the file\'s base name appended. A file up to --multipart-threshold\n' +
      "(200MiB) is streamed as one PutObject; larger files and stdin go as a multipart upload of 8 MiB\n" +
      "parts. Either way a failure, SIGINT or SIGTERM leaves no partial object (the multipart upload\n" +
      "is aborted). Writes are refused unless the policy allows them (--read-only=false).\n\n" +
      "put -r DIR s3://bucket/prefix/ uploads every file below DIR (symbolic links are skipped unless\n" +
      "--follow-symlinks).\n\n" +
      BULK_DETAILS,
    examples: [
      "mcp-s3 --read-only=false put ./report.pdf s3://my-bucket/reports/",
      "mcp-s3 --read-only=false put -r ./site s3://my-bucket/www/ --exclude '*.tmp'",
      "tar c dir | mcp-s3 --read-only=false put - s3://my-bucket/dir.tar --content-type application/x-tar",
    ],
    load: () => import("./commands/put.ts"),
  },
  {
    name: "cp",
    summary: "copy: S3 to S3 on the server; local to S3 like put, S3 to local like get (-r: trees)",
    usage: "SRC DST",
    minArgs: 2,
    maxArgs: 2,
    options: { ...TRANSFER_OPTIONS, ...TREE_OPTIONS },
    tool: "s3_copy_object",
    details:
      'Only arguments starting with s3:// are S3 locations here (a plain "a/b" is a local path). A\n' +
      'destination key ending in "/" gets the source\'s base name appended. --metadata on an S3 to\n' +
      "S3 copy replaces the user metadata; without it the source's is kept.\n\n" +
      "cp -r copies a directory to a prefix, a prefix to a directory, or a prefix to a prefix (on the\n" +
      "server). --dry-run prints each item with the policy's decision and changes nothing.\n\n" +
      BULK_DETAILS,
    examples: [
      "mcp-s3 --read-only=false cp s3://a/x.csv s3://b/archive/",
      "mcp-s3 cp s3://a/x.csv ./x.csv",
      "mcp-s3 --read-only=false cp -r ./site s3://my-bucket/www/",
      "mcp-s3 cp 's3://my-bucket/logs/**.gz' ./arch/",
      "mcp-s3 --read-only=false cp -r s3://a/2024/ s3://b/backup/2024/ --dry-run",
    ],
    load: () => import("./commands/cp.ts"),
  },
  {
    name: "mv",
    summary: "move: copy, then delete each source once its copy succeeded (-r: trees)",
    usage: "SRC DST",
    minArgs: 2,
    maxArgs: 2,
    options: { ...TRANSFER_OPTIONS, ...TREE_OPTIONS },
    details:
      "S3 to S3 is a server-side copy then a delete; local to S3 an upload, then the file is removed;\n" +
      "S3 to local a download, then the object is deleted. A source is deleted only after its copy\n" +
      "succeeded, so an interrupted or refused mv never loses an object. Both steps are writes or\n" +
      "deletes (audited as s3_copy_object / s3_put_object / s3_get_object, then s3_delete_object):\n" +
      "refused in read-only mode.\n\n" +
      BULK_DETAILS,
    examples: [
      "mcp-s3 --read-only=false mv s3://my-bucket/inbox/a.csv s3://my-bucket/done/",
      "mcp-s3 --read-only=false mv -r s3://my-bucket/tmp/ s3://my-bucket/archive/tmp/",
      "mcp-s3 --read-only=false mv 's3://my-bucket/inbox/*.csv' ./processed/",
    ],
    load: () => import("./commands/mv.ts"),
  },
  {
    name: "sync",
    summary: "make DST hold what SRC holds, sending only what is missing or differs",
    usage: "SRC DST",
    minArgs: 2,
    maxArgs: 2,
    options: { ...TRANSFER_OPTIONS, ...SYNC_OPTIONS },
    details:
      "Directory to prefix, prefix to directory, or prefix to prefix. An item is sent when it is missing\n" +
      "at DST or its size differs, else when SRC is newer (upload, copy) or the times differ (download:\n" +
      "every downloaded file gets the object's LastModified as its time); --size-only compares sizes\n" +
      "only; --checksum compares content (MD5 ETags; the file is read, nothing is downloaded). Times\n" +
      "and sizes come from listings, so a sync with nothing to do transfers no object body.\n" +
      "--delete also deletes what SRC lacks (never an item excluded by a filter). Unchanged items are\n" +
      "counted as skipped (with --json, one record each; no human line). Audited per object as\n" +
      "s3_put_object, s3_get_object, s3_copy_object or s3_delete_object; listings as s3_list_objects.\n\n" +
      BULK_RESULTS,
    examples: [
      "mcp-s3 --read-only=false sync ./site s3://my-bucket/www/ --delete",
      "mcp-s3 sync s3://my-bucket/reports/ ./reports",
      "mcp-s3 --read-only=false sync s3://a/data/ s3://b/data/ --checksum --dry-run",
    ],
    load: () => import("./commands/sync.ts"),
  },
  {
    name: "rm",
    summary: "delete objects: keys, patterns, or everything under a prefix (-r)",
    usage: "LOCATION...",
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    options: {
      ...BULK_OPTIONS,
      concurrency: {
        ...(BULK_OPTIONS.concurrency as OptionSpec),
        description: "DeleteObjects requests (of up to 1000 keys) in flight (default 8)",
      },
      all: {
        type: "boolean",
        description: "with -r: allow the bucket root (delete every key in the bucket)",
      },
    },
    tool: "s3_delete_object",
    details:
      "Each LOCATION is a key (s3://bucket/key), a pattern (*, **, ?) or, with -r, a folder: -r\n" +
      's3://b/logs and s3://b/logs/ both delete every key under "logs/" (the bucket root needs --all\n' +
      "too). Keys go to S3 as DeleteObjects requests of up to 1000; each key is still decided by the\n" +
      "policy and audited on its own line, as a single delete would be. Deleting a key that does not\n" +
      'exist succeeds, as in S3, except a key ending in "/": that is looked up first and a missing one\n' +
      "is exit 4 (use -r for the folder). A pattern or folder with nothing in it is exit 4. Keys the\n" +
      "policy hides from listings are neither listed nor touched. --include/--exclude see the path\n" +
      "below the folder or the pattern's literal prefix. One plain key alone prints as it always did\n" +
      "(--json: {bucket, key, deleted}); several keys, -r, a pattern or --dry-run print one record per\n" +
      "key ({op, source, dest, size, status|decision, error?}) and a summary on stderr. Exit 3 if any\n" +
      "key was refused, else 1 if any failed, else 4 if a location named nothing.",
    examples: [
      "mcp-s3 --read-only=false rm s3://my-bucket/tmp/a.log s3://my-bucket/tmp/b.log",
      "mcp-s3 --read-only=false rm -r s3://my-bucket/tmp/ --exclude '*.keep'",
      "mcp-s3 --read-only=false rm 's3://my-bucket/logs/2023-*.gz' --dry-run",
    ],
    load: () => import("./commands/rm.ts"),
  },
  {
    name: "du",
    summary: "count the objects and bytes under a prefix or pattern",
    usage: "s3://bucket[/prefix|pattern]",
    minArgs: 1,
    maxArgs: 1,
    options: {
      include: BULK_OPTIONS.include as OptionSpec,
      exclude: BULK_OPTIONS.exclude as OptionSpec,
      "exclude-from": BULK_OPTIONS["exclude-from"] as OptionSpec,
    },
    tool: "s3_list_objects",
    details:
      "Counts what the policy lets a listing show (keys hidden by the prefix ACL are not counted).\n" +
      "A prefix is taken as given (s3://b/logs counts logs/ and logs-old/ alike, as S3 prefixes do);\n" +
      "a pattern (*, **, ?) counts the keys it matches, and a pattern that matches nothing counts 0.\n" +
      'With --json: one object, {"bucket","prefix","objects","bytes"}.',
    examples: ["mcp-s3 du s3://my-bucket/logs/", "mcp-s3 du 's3://my-bucket/logs/**.gz' --json | jq .bytes"],
    load: () => import("./commands/du.ts"),
  },
  {
    name: "mb",
    summary: "create a bucket",
    usage: "s3://bucket",
    minArgs: 1,
    maxArgs: 1,
    options: { "dry-run": BULK_OPTIONS["dry-run"] as OptionSpec },
    tool: "s3_create_bucket",
    details:
      "A write on that bucket for the policy: refused in read-only mode, by the bucket lists, and while\n" +
      "the prefix ACL limits keys. On AWS the bucket is created in the connection's region.",
    examples: ["mcp-s3 --read-only=false mb s3://my-new-bucket"],
    load: () => import("./commands/mb.ts"),
  },
  {
    name: "rb",
    summary: "remove an empty bucket",
    usage: "s3://bucket",
    minArgs: 1,
    maxArgs: 1,
    options: { "dry-run": BULK_OPTIONS["dry-run"] as OptionSpec },
    tool: "s3_delete_bucket",
    details:
      "A delete of that bucket for the policy: refused in read-only mode, by the bucket lists, and while\n" +
      "the prefix ACL limits keys. A bucket that still holds objects is not removed (exit 2): empty it\n" +
      "first with rm -r --all.",
    examples: [
      "mcp-s3 --read-only=false rm -r --all s3://old-bucket/ && mcp-s3 --read-only=false rb s3://old-bucket",
    ],
    load: () => import("./commands/rb.ts"),
  },
  {
    name: "stat",
    summary: "show an object's metadata",
    usage: "s3://bucket/key",
    minArgs: 1,
    maxArgs: 1,
    options: {},
    tool: "s3_get_object_metadata",
    examples: ["mcp-s3 stat s3://my-bucket/report.pdf --json | jq .size"],
    load: () => import("./commands/stat.ts"),
  },
  {
    name: "presign",
    summary: "print a presigned URL",
    usage: "s3://bucket/key",
    minArgs: 1,
    maxArgs: 1,
    options: {
      method: { type: "string", value: "GET|PUT", description: "HTTP method the URL allows (default GET)" },
      expires: {
        type: "string",
        value: "DURATION",
        description: "validity, e.g. 15m, 1h (default 1h; capped by presign_max_expiry)",
      },
    },
    tool: "s3_presign_url",
    details: "A PUT URL is a write: it is refused in read-only mode.",
    examples: ['curl -sS "$(mcp-s3 presign s3://my-bucket/report.pdf --expires 15m)" -o report.pdf'],
    load: () => import("./commands/presign.ts"),
  },
  {
    name: "run",
    summary: "run mcp-s3 commands from a file (or - for stdin), one per line, in parallel",
    usage: "FILE|-",
    minArgs: 1,
    maxArgs: 1,
    options: {
      "dry-run": BULK_OPTIONS["dry-run"] as OptionSpec,
      concurrency: {
        ...(BULK_OPTIONS.concurrency as OptionSpec),
        description: "lines run at once (default 4)",
      },
    },
    details:
      "Each line is one command without the program name, quoted as in a POSIX shell (no variables,\n" +
      "no globbing: s3://b/*.gz reaches mcp-s3 as written); blank lines and # comments are skipped.\n" +
      "Every line is checked by the policy and audited on its own, as if typed in the shell; the\n" +
      "global flags of run (--read-only=false, --json, -c ...) apply to every line unless the line\n" +
      "gives its own. Each line's output comes out in one piece. serve and run cannot be lines, nor\n" +
      "can a line read stdin. --dry-run is passed to every line; a line whose command has no dry run\n" +
      "is not run. Exit 3 if any line was refused, else 1 if any failed, else 0.",
    examples: [
      "mcp-s3 --read-only=false run jobs.txt",
      "printf 'rm s3://b/tmp/a\\nmb s3://new-bucket\\n' | mcp-s3 --read-only=false run - --dry-run",
    ],
    load: () => import("./commands/run.ts"),
  },
  {
    name: "connections",
    summary: "list configured connections and their policy (no secrets)",
    usage: "",
    minArgs: 0,
    maxArgs: 0,
    options: {},
    tool: "s3_list_connections",
    details:
      "With --json: one JSON object per line, {name, region, endpoint?, path_style, credentials,\npolicy, default}.",
    load: () => import("./commands/connections.ts"),
  },
  {
    name: "config",
    summary: "check: validate the configuration; show: print it, secrets redacted",
    usage: "check|show",
    minArgs: 1,
    maxArgs: 1,
    options: {},
    choices: ["check", "show"],
    details:
      "Both load the configuration exactly as every other command does (flags > environment > YAML >\n" +
      "defaults) and exit 5 listing every problem when it is invalid.",
    examples: ["mcp-s3 config check", "mcp-s3 --config ./mcp-s3.yaml config show"],
    load: () => import("./commands/config.ts"),
  },
  {
    name: "version",
    summary: "print version, commit and build target",
    usage: "",
    minArgs: 0,
    maxArgs: 0,
    options: {},
    load: () => import("./commands/version.ts"),
  },
  {
    name: "completion",
    summary: "print a shell completion script",
    usage: "bash|zsh|fish",
    minArgs: 1,
    maxArgs: 1,
    options: {},
    choices: ["bash", "zsh", "fish"],
    examples: [
      "source <(mcp-s3 completion bash)",
      "mcp-s3 completion zsh > ~/.zsh/completions/_mcp-s3  # a directory in $fpath",
      "mcp-s3 completion fish > ~/.config/fish/completions/mcp-s3.fish",
    ],
    load: () => import("./commands/completion.ts"),
  },
  {
    name: "__complete",
    summary: "completion candidates for the shell scripts: connection names, buckets, keys",
    usage: "connections | location TEXT",
    minArgs: 1,
    maxArgs: 2,
    options: {},
    choices: ["connections", "location"],
    hidden: true,
    details:
      "Called by the scripts of `mcp-s3 completion`: one candidate per line, nothing on any error. Listings go through the policy and audit like `ls`.",
    load: () => import("./commands/complete.ts"),
  },
  {
    name: "help",
    summary: "show help for a command",
    usage: "[COMMAND]",
    minArgs: 0,
    maxArgs: 1,
    options: {},
    load: () => import("./commands/help.ts"),
  },
];

export function findSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export const EXIT_CODE_HELP = [
  ["0", "success"],
  ["1", "S3 or runtime error"],
  ["2", "usage error (unknown command or flag, bad argument)"],
  ["3", "refused by policy (read-only, size limit, prefix or bucket ACL)"],
  ["4", "not found (no such bucket or key)"],
  ["5", "invalid configuration (every problem is listed)"],
  ["130", "interrupted by SIGINT (143: SIGTERM); transfers are cleaned up first"],
] as const;
