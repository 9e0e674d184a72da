/**
 * The organizer's live feed in the page: a WebSocket to the event's room (the access token as
 * ?access_token=, browsers cannot set headers on one), the hour it sends on connect, then a sample
 * every second. A minute before the access token expires the session is refreshed and the new
 * token sent over the socket, so it stays open. Reconnects when dropped (backing off to 10 s),
 * with a fresh token when the room closed it because its token ended (4401). Frames are parsed
 * with the contract's schemas.
 */
import { useEffect, useRef, useState } from "react";
import { liveFrameSchema, type LiveSampleOut } from "../../../src/contract/live";
import { refreshSession } from "../api/client";
import { session } from "../api/session";
import { mergeSample } from "./series";

export type FeedState = "connecting" | "open" | "reconnecting";
export interface LiveCountsNow { joined: number; waiting: number; admitted: number; active: number; held: number; sold: number; available: number }

export interface LiveFeedView {
  state: FeedState;
  ring: ReadonlyMap<number, LiveSampleOut>;
  counts: LiveCountsNow | null;
  /** When the last frame arrived (this browser's clock). */
  receivedAt: number | null;
  /** Bumped on every frame: the charts redraw on it. */
  version: number;
}

const CLOSE_SESSION_ENDED = 4401;
const MAX_BACKOFF_MS = 10_000;
const RENEW_BEFORE_MS = 60_000;

/** When an access token expires (its `exp`, read, not verified: only to know when to renew). */
function expiryOf(token: string | null): number | null {
  try {
    const payload = token?.split(".")[1];
    if (!payload) return null;
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    return typeof claims === "object" && claims !== null && "exp" in claims && typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

function parseFrame(text: unknown): ReturnType<typeof liveFrameSchema.safeParse> | null {
  if (typeof text !== "string") return null;
  try {
    return liveFrameSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
}

export function useLiveFeed(eventId: string, enabled: boolean): LiveFeedView {
  const ring = useRef(new Map<number, LiveSampleOut>());
  const [view, setView] = useState<Omit<LiveFeedView, "ring">>({ state: "connecting", counts: null, receivedAt: null, version: 0 });

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let renewal: ReturnType<typeof setTimeout> | undefined;
    let backoff = 1000;

    const scheduleRenewal = (ws: WebSocket) => {
      clearTimeout(renewal);
      const expires = expiryOf(session.access());
      if (expires === null) return;
      renewal = setTimeout(async () => {
        if (stopped || ws.readyState !== WebSocket.OPEN) return;
        if (await refreshSession()) ws.send(JSON.stringify({ type: "token", access_token: session.access() }));
        scheduleRenewal(ws);
      }, Math.max(5_000, expires - Date.now() - RENEW_BEFORE_MS));
    };

    const connect = async (freshToken: boolean) => {
      if (freshToken || !session.access()) await refreshSession();
      const token = session.access();
      if (stopped) return;
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}/api/events/${encodeURIComponent(eventId)}/queue/live?access_token=${encodeURIComponent(token ?? "")}`);
      socket = ws;
      ws.onopen = () => scheduleRenewal(ws);
      ws.onmessage = (m) => {
        const frame = parseFrame(m.data);
        if (!frame?.success) return;
        const f = frame.data;
        if (f.type === "token_rejected") return ws.close(1000, "token rejected");
        backoff = 1000;
        if (f.type === "history") {
          for (const s of f.samples) mergeSample(ring.current, s);
          setView((v) => ({ ...v, state: "open", receivedAt: Date.now(), version: v.version + 1 }));
        } else if (f.type === "counts") {
          mergeSample(ring.current, f.sample);
          const counts = { joined: f.joined, waiting: f.waiting, admitted: f.admitted, active: f.active, held: f.held, sold: f.sold, available: f.available };
          setView((v) => ({ state: "open", counts, receivedAt: Date.now(), version: v.version + 1 }));
        }
      };
      ws.onclose = (e) => {
        clearTimeout(renewal);
        if (stopped) return;
        setView((v) => ({ ...v, state: "reconnecting" }));
        const wait = backoff;
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        // 4401: the room ended the token; 1000 from here: the room rejected a renewal. Either way, a fresh one.
        retry = setTimeout(() => void connect(e.code === CLOSE_SESSION_ENDED || e.code === 1000), wait);
      };
    };
    void connect(false);
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(renewal);
      socket?.close(1000, "left the page");
    };
  }, [eventId, enabled]);

  return { ...view, ring: ring.current };
}
