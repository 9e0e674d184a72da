/** The organizer's live feed (a WebSocket) as tests open it: every frame kept, the close awaited. */
import WebSocket from "ws";
import { BASE_URL } from "./env";

export interface Feed { ws: WebSocket; frames: Record<string, unknown>[]; closed: Promise<{ code: number; reason: string }> }

export const liveUrl = (eventId: string) => `${BASE_URL.replace("http", "ws")}/api/events/${eventId}/queue/live`;

/** Opens the feed and waits for its first frame; the HTTP status if the upgrade is refused. */
export function openFeed(eventId: string, token: string): Promise<Feed | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(liveUrl(eventId), { headers: { authorization: `Bearer ${token}` } });
    const frames: Record<string, unknown>[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString() })));
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => resolve(-1));
    ws.on("message", (m) => {
      frames.push(JSON.parse(String(m)) as Record<string, unknown>);
      if (frames.length === 1) resolve({ ws, frames, closed });
    });
  });
}

export async function feed(eventId: string, token: string): Promise<Feed> {
  const f = await openFeed(eventId, token);
  if (typeof f === "number") throw new Error(`live feed refused: ${f}`);
  return f;
}
