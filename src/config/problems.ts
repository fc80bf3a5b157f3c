// Collects every configuration problem so startup can report all of them at once.
import type { Parsed } from "./values.ts";

/** Where a value is a secret, by the name of its field or variable: its value is never shown. */
export const SECRET_FIELDS = /secret|token|passw|credential|private|api_?key/i;

/** Hides the user:password part of anything URL-like (an endpoint written with credentials in it). */
export function hideUrlCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s"]*@/g, "//(redacted)@");
}

export class Problems {
  readonly list: string[] = [];
  /** YAML path -> the text written there, for every string that contained a `${VAR}` reference. */
  private readonly templateAt = new Map<string, string>();
  /** Expanded value -> its text in the file: a second look-up for a value reported under another name. */
  private readonly templateOf = new Map<string, string>();

  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }

  /**
   * Remembers that the string at YAML `path` was expanded from `template`. A value from the
   * environment may be a secret placed in the wrong field by mistake, so messages about it show the
   * template (which names the variables), never the value.
   */
  interpolated(path: string, template: string, value: string): void {
    this.templateAt.set(path, template);
    // Short values are left out of the second look-up: they are not secrets worth hiding, and a
    // literal "1" elsewhere must not be mistaken for the value of ${N}.
    if (value.length >= 8) this.templateOf.set(value, template);
  }

  /**
   * How a message shows `value`, found at `where`: `(redacted)` in a secret field; `the value of
   * ${VAR}` (the text written in the file, references unexpanded) if it came from interpolation;
   * else the value as JSON, credentials in URLs hidden.
   */
  show(where: string, value: unknown): string {
    if (SECRET_FIELDS.test(where)) return "(redacted)";
    let fromEnv = false;
    const visible = (v: unknown, path: string): unknown => {
      if (typeof v === "string") {
        const template = this.templateAt.get(path) ?? this.templateOf.get(v);
        if (template === undefined) return v;
        fromEnv = true;
        return new Template(template);
      }
      if (Array.isArray(v)) return v.map((e, i) => visible(e, `${path}[${i}]`));
      if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, visible(e, `${path}.${k}`)]));
      }
      return v;
    };
    const shown = visible(value, where);
    if (!fromEnv) return hideUrlCredentials(JSON.stringify(value));
    if (shown instanceof Template) return `the value of ${shown.text()}`;
    return `the value of ${hideUrlCredentials(JSON.stringify(shown, (_k, v) => (v instanceof Template ? v.template : v)))}`;
  }

  /** Records a parse failure naming the place, the bad value (never a secret) and what is accepted. */
  bad(where: string, value: unknown, accepted: string): void {
    this.add(where, `${this.show(where, value)} is not valid; expected ${accepted}`);
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

/** The text of an interpolated string as written in the file. */
class Template {
  constructor(readonly template: string) {}

  /** A lone reference reads best bare (`${TOKEN}`); anything around it is quoted (`"eu-${X}"`). */
  text(): string {
    return /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(this.template)
      ? this.template
      : hideUrlCredentials(JSON.stringify(this.template));
  }
}

export function parseString(v: unknown): Parsed<string> {
  if (typeof v === "string" && v.trim() !== "") return { ok: true, value: v };
  if (typeof v === "number") return { ok: true, value: String(v) };
  return { ok: false, accepted: "a non-empty string" };
}
