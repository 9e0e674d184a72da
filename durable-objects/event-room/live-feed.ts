/**
 * The organizer's live feed of an EventRoom: hibernatable WebSockets that get the room's counts at
 * most once a second while they change. A socket lives only as long as the access token it was
 * opened with: each carries the token's expiry and session id in its attachment, and the room's
 * alarm closes it when the token expires or (checked every few seconds against the edge store's
 * revocations) its session is signed out. A client keeps it open by sending a fresh access token:
 * `{"type":"token","access_token":"…"}`.
 */
import { z } from "zod";
import { loadKeys, verifyAccessToken } from "../../src/domain/tokens";
import type { Env } from "../../src/env";
import { revocations } from "../../src/rate-limit";
import { BUCKET_MS, WINDOW_MS, type LiveSample } from "../../src/domain/live-history";
import type { LiveCounts } from "./contract";
import type { TimedPart } from "./timers";

const TAG = "organizer";
const PUSH_INTERVAL_MS = 1000;
/** How often open sockets' sessions are checked for revocation: a logout closes them within this (plus an alarm's delay). */
export const SESSION_CHECK_MS = 3000;
/** Close code (application range) for "your credentials ended": expired token or signed-out session. */
export const CLOSE_SESSION_ENDED = 4401;
const MAX_MESSAGE_BYTES = 8192;
const OPEN = 1;

/** Who opened the socket and until when: verified by the Worker, kept in the socket's attachment. */
export interface LiveAuth { userId: string; sessionId: string | null; expiresAt: number }
const liveAuthSchema = z.object({ userId: z.uuid(), sessionId: z.uuid().nullable(), expiresAt: z.number().int().positive() });

/** Set by the Worker on the upgrade it forwards, after verifying the token; it overwrites whatever a client sent. */
export const LIVE_AUTH_HEADER = "x-ticketing-live-auth";
export function forwardWithAuth(request: Request, auth: LiveAuth): Request {
  const headers = new Headers(request.headers);
  headers.set(LIVE_AUTH_HEADER, JSON.stringify(auth));
  return new Request(request, { headers });
}

const tokenMessage = z.object({ type: z.literal("token"), access_token: z.string().min(1).max(4096) });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export class LiveFeed implements TimedPart {
  readonly name = "live_feed";
  private dirty = true;
  private lastPush = 0;
  private lastSessionCheck = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly counts: (now: number) => LiveCounts & { sample: LiveSample },
    private readonly history: (now: number) => LiveSample[],
    private readonly wake: (at: number) => void,
  ) {}

  /** The counts changed: pushed within a second while anyone watches (cheap when nobody does: only the first change after a push looks). */
  touch(): void {
    if (this.dirty) return;
    this.dirty = true;
    if (this.sockets().length) this.wake(Math.max(Date.now(), this.lastPush + PUSH_INTERVAL_MS));
  }

  /** The alarm: close sockets whose credentials ended, push changed counts; returns when the feed next needs the clock. */
  async tick(): Promise<number | null> {
    await this.enforceSessions(Date.now());
    this.push(Date.now());
    return this.nextWake();
  }

  /** Sockets still open (a closed one may be listed until its close handshake ends). */
  private sockets(): WebSocket[] {
    return this.ctx.getWebSockets(TAG).filter((ws) => ws.readyState === OPEN);
  }

  accept(request: Request, now: number): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const auth = liveAuthSchema.safeParse(parseJson(request.headers.get(LIVE_AUTH_HEADER) ?? ""));
    if (!auth.success || auth.data.expiresAt <= now) return new Response("not authorized", { status: 401 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [TAG]);
    server.serializeAttachment(auth.data);
    server.send(this.frame(now));
    // Then the hour so far, so a dashboard opened mid-sale draws it at once.
    server.send(JSON.stringify({ type: "history", bucket_ms: BUCKET_MS, window_ms: WINDOW_MS, samples: this.history(now) }));
    this.dirty = false;
    this.lastPush = now;
    const wake = this.nextWake();
    if (wake !== null) this.wake(wake);
    return new Response(null, { status: 101, webSocket: client });
  }

  async onMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === "ping") return ws.send("pong");
    if (typeof message !== "string" || message.length > MAX_MESSAGE_BYTES) return;
    const parsed = tokenMessage.safeParse(parseJson(message));
    if (!parsed.success) return;
    const next = await this.renewal(ws, parsed.data.access_token).catch(() => null);
    if (!next) return ws.send(JSON.stringify({ type: "token_rejected" }));
    ws.serializeAttachment(next);
    ws.send(JSON.stringify({ type: "token_accepted", expires_at: new Date(next.expiresAt).toISOString() }));
  }

  /** The socket's new credentials: only the same account may extend it, with a token of a session still live. */
  private async renewal(ws: WebSocket, token: string): Promise<LiveAuth | null> {
    const current = liveAuthSchema.safeParse(ws.deserializeAttachment());
    const p = await verifyAccessToken(await loadKeys(this.env.JWT_PRIVATE_JWK), token);
    if (!current.success || !p?.expiresAt || p.userId !== current.data.userId) return null;
    if (p.sessionId && (await revocations(this.env).isRevoked(p.sessionId))) return null;
    return { userId: p.userId, sessionId: p.sessionId ?? null, expiresAt: p.expiresAt };
  }

  onClose(ws: WebSocket, code: number): void {
    try { ws.close(code === 1005 ? 1000 : code, "bye"); } catch { /* already closed */ }
  }

  /**
   * Closes sockets whose token expired, and, every SESSION_CHECK_MS, those whose session was
   * revoked. If the edge store cannot answer, sockets stay open until the next check.
   */
  async enforceSessions(now: number): Promise<void> {
    const live: { ws: WebSocket; auth: LiveAuth }[] = [];
    for (const ws of this.sockets()) {
      const auth = liveAuthSchema.safeParse(ws.deserializeAttachment());
      if (!auth.success || auth.data.expiresAt <= now) close(ws, "token_expired");
      else live.push({ ws, auth: auth.data });
    }
    if (!live.length || now - this.lastSessionCheck < SESSION_CHECK_MS) return;
    this.lastSessionCheck = now;
    const sessionIds = [...new Set(live.map((s) => s.auth.sessionId).filter((id): id is string => id !== null))];
    let revoked: Set<string>;
    try {
      const flags = await Promise.all(sessionIds.map((id) => revocations(this.env).isRevoked(id)));
      revoked = new Set(sessionIds.filter((_, i) => flags[i]));
    } catch {
      return;
    }
    for (const s of live) if (s.auth.sessionId && revoked.has(s.auth.sessionId)) close(s.ws, "session_revoked");
  }

  /**
   * Sends the counts (with the latest sample) every second while anyone watches, changed or not:
   * the dashboard shows how old its figures are, and a quiet second is news too.
   */
  push(now: number): void {
    const sockets = this.sockets();
    if (!sockets.length || (!this.dirty && now - this.lastPush < PUSH_INTERVAL_MS)) return;
    const frame = this.frame(now);
    for (const ws of sockets) {
      try { ws.send(frame); } catch { /* closing */ }
    }
    this.dirty = false;
    this.lastPush = now;
  }

  /** When the room's alarm must run next for the feed: a pending push, a session check, a token expiry. Null with no sockets. */
  nextWake(): number | null {
    const sockets = this.sockets();
    if (!sockets.length) return null;
    const times = [this.lastSessionCheck + SESSION_CHECK_MS, this.lastPush + PUSH_INTERVAL_MS];
    for (const ws of sockets) {
      const auth = liveAuthSchema.safeParse(ws.deserializeAttachment());
      times.push(auth.success ? auth.data.expiresAt : 0);
    }
    return Math.min(...times);
  }

  private frame(now: number): string {
    return JSON.stringify({ type: "counts", at: new Date(now).toISOString(), ...this.counts(now) });
  }
}

function close(ws: WebSocket, reason: "token_expired" | "session_revoked"): void {
  try { ws.close(CLOSE_SESSION_ENDED, reason); } catch { /* already closed */ }
}
