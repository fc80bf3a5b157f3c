// One ETag format everywhere (put, cp, stat, ls, the MCP tools): S3's own, in double quotes
// ("d41d8cd9…", or "…-3" for a multipart object). Servers differ in what they send back: Ceph RGW
// answers CopyObject with the bare hex, so a copy's ETag would not compare equal to the same
// object's ETag from stat or ls.
export function normalizeEtag(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null || raw === "") return null;
  if (raw.startsWith('"') || raw.startsWith('W/"')) return raw;
  return `"${raw}"`;
}
