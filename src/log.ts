// Structured diagnostic log (MCP_S3_EXT_LOGGING): one JSON object per line on stderr.
// It carries the same kinds of fields as the audit log and never a secret or object content.
import { writeToStderr } from "./stderr.ts";

export interface Logger {
  readonly enabled: boolean;
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export const NO_LOG: Logger = Object.freeze({ enabled: false, log() {} });

export function createLogger(enabled: boolean): Logger {
  if (!enabled) return NO_LOG;
  return {
    enabled: true,
    log(level, msg, fields = {}) {
      const line = `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`;
      // Never throws: a closed stderr must not take the server down.
      writeToStderr(line);
    },
  };
}
