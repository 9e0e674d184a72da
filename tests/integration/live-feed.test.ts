import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadKeys, signAccessToken } from "../../src/domain/tokens";
import { api, eventually, publishedEvent, register, type Session } from "../support/api";
import { JWT_PRIVATE_JWK } from "../support/env";
import { feed, openFeed, type Feed } from "../support/live-feed";

// The organizer's live feed against the running Worker: a socket lives only as long as the
// credentials it was opened with (or was given since), however long the organizer keeps it open.

const sid = (access: string) => (JSON.parse(Buffer.from(access.split(".")[1]!, "base64url").toString()) as { sid: string }).sid;

/**
 * The server's close frame, or a failure if none came within `ms` (a generous bound: the room
 * checks every few seconds). The test never closes these sockets itself, so leaving OPEN means the
 * server's close frame arrived; `ws` would then wait up to 30 s for the dev proxy to drop the TCP
 * connection, so the socket is dropped here and its close event reports the server's code.
 */
async function closedWithin(f: Feed, ms: number): Promise<{ code: number; reason: string }> {
  await eventually(async () => (f.ws.readyState !== WebSocket.OPEN ? true : undefined), ms, "the server to close the socket");
  f.ws.terminate();
  return f.closed;
}

/** A short-lived access token for the organizer's own session, signed with the Worker's key. */
async function shortToken(s: Session, seconds: number): Promise<string> {
  const keys = await loadKeys(JWT_PRIVATE_JWK);
  return signAccessToken(keys, { userId: s.userId, email: s.email, role: "organizer", sessionId: sid(s.access) }, seconds);
}

describe("organizer live feed: sockets end with their credentials", () => {
  it("closes within a few seconds of logout, and a signed-out token cannot open a new one", async () => {
    const organizer = await register("organizer");
    const id = await publishedEvent(organizer);
    const f = await feed(id, organizer.access);
    expect(f.frames[0]).toMatchObject({ type: "counts" });
    expect((await api("/api/auth/logout", { body: { refresh_token: organizer.refresh } })).status).toBe(204);
    const closed = await closedWithin(f, 20_000);
    expect(closed).toEqual({ code: 4401, reason: "session_revoked" });
    expect(await openFeed(id, organizer.access)).toBe(401);
  });

  it("closes when its token expires, unless the client sent a fresh token over the socket", async () => {
    const organizer = await register("organizer");
    const id = await publishedEvent(organizer);
    const short = await shortToken(organizer, 5);
    const [extended, control] = await Promise.all([feed(id, short), feed(id, short)]);
    extended.ws.send(JSON.stringify({ type: "token", access_token: organizer.access }));
    const ack = await eventually(async () => extended.frames.find((m) => m.type === "token_accepted" || m.type === "token_rejected"), 10_000, "an answer to the fresh token");
    expect(ack.type).toBe("token_accepted");
    // The control socket had the same token: once it is closed, the expiry check has run past it.
    expect(await closedWithin(control, 30_000)).toEqual({ code: 4401, reason: "token_expired" });
    expect(extended.ws.readyState).toBe(WebSocket.OPEN);
    extended.ws.close();
  });

  it("refuses to extend with another account's token or a signed-out session's, and refuses strangers", async () => {
    const organizer = await register("organizer");
    const other = await register("organizer");
    const fan = await register();
    const id = await publishedEvent(organizer);
    expect(await openFeed(id, fan.access)).toBe(403);
    expect(await openFeed(id, other.access)).toBe(403);
    expect(await openFeed(id, "not-a-token")).toBe(401);
    const f = await feed(id, await shortToken(organizer, 6));
    const answers = () => f.frames.filter((m) => m.type === "token_accepted" || m.type === "token_rejected");
    f.ws.send(JSON.stringify({ type: "token", access_token: other.access }));
    f.ws.send(JSON.stringify({ type: "token", access_token: fan.access }));
    // The organizer's own second session, then signed out: its token no longer extends anything.
    const login = await api<{ access_token: string; refresh_token: string }>("/api/auth/login", { body: { email: organizer.email, password: "correct horse battery" } });
    expect((await api("/api/auth/logout", { body: { refresh_token: login.body.refresh_token } })).status).toBe(204);
    f.ws.send(JSON.stringify({ type: "token", access_token: login.body.access_token }));
    f.ws.send("{not json");
    await eventually(async () => (answers().length >= 3 ? true : undefined), 10_000, "three answers");
    expect(answers().map((m) => m.type)).toEqual(["token_rejected", "token_rejected", "token_rejected"]);
    expect(await closedWithin(f, 30_000)).toEqual({ code: 4401, reason: "token_expired" });
  });
});
