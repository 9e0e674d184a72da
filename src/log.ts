/** One JSON object per line, always with the request id, so logs can be joined per request. */
type Level = "debug" | "info" | "warn" | "error";
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function makeLogger(base: Record<string, unknown>, minLevel: string | undefined) {
  const min = rank[(minLevel as Level) ?? "info"] ?? rank.info;
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (rank[level] < min) return;
    const line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields });
    if (level === "error") console.error(line);
    else console.log(line);
  };
  return {
    debug: (msg: string, f?: Record<string, unknown>) => write("debug", msg, f),
    info: (msg: string, f?: Record<string, unknown>) => write("info", msg, f),
    warn: (msg: string, f?: Record<string, unknown>) => write("warn", msg, f),
    error: (msg: string, f?: Record<string, unknown>) => write("error", msg, f),
  };
}
export type Logger = ReturnType<typeof makeLogger>;
