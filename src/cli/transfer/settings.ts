// The transfer flags shared by put, cp, mv and sync (--content-type, --metadata,
// --multipart-threshold), parsed once into what the operations take.
import { parseSize, SIZE_ACCEPTED } from "../../config/values.ts";
import type { OptionValues } from "../args.ts";
import { usageError } from "../args.ts";

export interface UploadSettings {
  /** --content-type; undefined lets each upload guess from its key. */
  readonly contentType: string | undefined;
  readonly metadata: Record<string, string> | undefined;
  readonly multipartThreshold: number | undefined;
}

export function uploadSettings(options: OptionValues): UploadSettings {
  const contentType = options["content-type"];
  return {
    contentType: typeof contentType === "string" ? contentType : undefined,
    metadata: parseMetadata(options.metadata),
    multipartThreshold: parseThreshold(options["multipart-threshold"]),
  };
}

/** `--metadata k=v` (repeatable). */
export function parseMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const out: Record<string, string> = {};
  for (const item of list) {
    const text = String(item);
    const eq = text.indexOf("=");
    if (eq <= 0) throw usageError(`--metadata ${JSON.stringify(text)} is not valid; expected NAME=VALUE`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

function parseThreshold(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseSize(value);
  if (!parsed.ok)
    throw usageError(
      `--multipart-threshold ${JSON.stringify(value)} is not valid; expected ${SIZE_ACCEPTED}`,
    );
  return parsed.value;
}
