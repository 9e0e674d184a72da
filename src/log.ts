import { describeError } from "./describe-error";
import { redactRecord } from "./redact";

/**
 * One JSON object per line, always with the request id, so logs can be joined per request.
 * Redacted by default: sensitive fields (passwords, tokens, e-mails, …) at any depth are
 * replaced, strings are scrubbed of credentials, and an Error anywhere in the fields is logged
 * as `describeError` describes it (code, constraint, scrubbed message), never as its text.
 */
type Level = "debug" | "info" | "warn" | "error";
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export function makeLogger(base: LogFields, minLevel: string | undefined) {
  const min = rank[(minLevel as Level) ?? "info"] ?? rank.info;
  const safeBase = redactRecord(base, describeError);
  const write = (level: Level, msg: string, fields?: LogFields) => {
    if (rank[level] < min) return;
    const safe = fields ? redactRecord(fields, describeError) : {};
    const line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...safeBase, ...safe });
    if (level === "error") console.error(line);
    else console.log(line);
  };
  return {
    debug: (msg: string, f?: LogFields) => write("debug", msg, f),
    info: (msg: string, f?: LogFields) => write("info", msg, f),
    warn: (msg: string, f?: LogFields) => write("warn", msg, f),
    error: (msg: string, f?: LogFields) => write("error", msg, f),
  };
}
export type Logger = ReturnType<typeof makeLogger>;
