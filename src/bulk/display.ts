// How a key or path is shown in human output (SPEC §6: control characters escaped, so a key can
// never move the cursor or forge a line): the CLI's one escaping function. JSON output is not
// passed through here: JSON escapes control characters itself.
export { escapeControls as displayText } from "../cli/escape.ts";
