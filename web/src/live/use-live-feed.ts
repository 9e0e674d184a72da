/**
 * The organizer's live feed in the page: a WebSocket to the event's room (the access token as
 * ?access_token=, browsers cannot set headers on one), the hour it sends on connect, then a sample
 * every second. Reconnects when dropped (backing off to 10 s), with a fresh token when the room
 * closed it because the token ran out (4401). Frames are parsed with the contract's schemas.
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
    let backoff = 1000;

    const connect = async (freshToken: boolean) => {
      if (freshToken || !session.access()) await refreshSession();
      const token = session.access();
      if (stopped) return;
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}/api/events/${encodeURIComponent(eventId)}/queue/live?access_token=${encodeURIComponent(token ?? "")}`);
      socket = ws;
      ws.onmessage = (m) => {
        const frame = parseFrame(m.data);
        if (!frame?.success) return;
        const f = frame.data;
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
        if (stopped) return;
        setView((v) => ({ ...v, state: "reconnecting" }));
        const wait = backoff;
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        retry = setTimeout(() => void connect(e.code === CLOSE_SESSION_ENDED), wait);
      };
    };
    void connect(false);
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close(1000, "left the page");
    };
  }, [eventId, enabled]);

  return { ...view, ring: ring.current };
}
