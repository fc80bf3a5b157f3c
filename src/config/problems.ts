// Collects every configuration problem so startup can report all of them at once.
import type { Parsed } from "./values.ts";

export const SECRET_FIELDS = /secret|session_token|password/i;

/** Hides the user:password part of anything URL-like (an endpoint written with credentials in it). */
export function hideUrlCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s"]*@/g, "//(redacted)@");
}

export class Problems {
  readonly list: string[] = [];

  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }

  /** Records a parse failure naming the place, the bad value (never a secret) and what is accepted. */
  bad(where: string, value: unknown, accepted: string): void {
    const shown = SECRET_FIELDS.test(where) ? "(redacted)" : hideUrlCredentials(JSON.stringify(value));
    this.add(where, `${shown} is not valid; expected ${accepted}`);
  }

  /** Parses `value` if present; returns undefined (and records why) when it is invalid. */
  take<T>(where: string, value: unknown, parse: (v: unknown) => Parsed<T>): T | undefined {
    if (value === undefined || value === null) return undefined;
    const r = parse(value);
    if (r.ok) return r.value;
    this.bad(where, value, r.accepted);
    return undefined;
  }
}

export function parseString(v: unknown): Parsed<string> {
  if (typeof v === "string" && v.trim() !== "") return { ok: true, value: v };
  if (typeof v === "number") return { ok: true, value: String(v) };
  return { ok: false, accepted: "a non-empty string" };
}
