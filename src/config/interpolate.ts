// `${VAR}` and `${VAR:-fallback}` inside YAML string values, from the environment.
// `$${` is a literal `${`. An unset variable without a fallback is a problem, never an empty string.
import { type Problems, SECRET_FIELDS } from "./problems.ts";

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: Problems,
  path: string,
): unknown {
  if (typeof value === "string") return expand(value, env, problems, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, problems, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, problems, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function expand(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: Problems,
  path: string,
): string {
  let referenced = false;
  const value = text.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$${") return "${";
    referenced = true;
    if (name === undefined) {
      // Inside a secret the text after `${` is part of the secret: never echo it.
      const shown = SECRET_FIELDS.test(path) ? "a reference" : JSON.stringify(match);
      problems.add(path, `${shown} is not a valid reference; expected \${NAME} or \${NAME:-fallback}`);
      return "";
    }
    const found = env[name];
    if (found !== undefined && (found !== "" || fallback === undefined)) return found;
    if (fallback !== undefined) return fallback;
    problems.add(
      path,
      `environment variable ${name} is not set (write \${${name}:-fallback} to give a default)`,
    );
    return "";
  });
  if (referenced) problems.interpolated(path, text, value);
  return value;
}
