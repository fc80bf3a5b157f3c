import { invalidArgument } from "./run.ts";

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const VALUE = /^[\x20-\x7e]*$/;

/** User metadata travels in HTTP headers: names must be header tokens, values printable ASCII. */
export function checkMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (!TOKEN.test(name))
      throw invalidArgument(`metadata name ${JSON.stringify(name)} is not a valid header name`);
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw invalidArgument(`metadata value for ${JSON.stringify(name)} must be printable ASCII text`);
    }
    out[name.toLowerCase()] = value;
  }
  return out;
}
