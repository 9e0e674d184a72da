import { eq } from "drizzle-orm";
import type { SyncAnswer } from "../../durable-objects/event-room/check-in";
import { db, room, type Ctx } from "../context";
import { events } from "../db/schema";
import type { ScanRef } from "../domain/tickets/offline-sync";
import { readBody } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { readQuery, uuidId } from "../middleware/params";
import { problems } from "../problem";
import { gateOperations as op } from "../contract/gate";
import { ApiRoutes } from "./api-routes";
import { unwrap } from "./room-result";

/**
 * Gates of one event: its organizer, an admin, or a gate account of that event (whose token names
 * it) may scan, download the manifest and deltas, and sync. The event's organizer is cached per
 * isolate briefly: a gate scans hundreds of codes a minute.
 */
const OWNER_TTL_MS = 30_000;
const owners = new Map<string, { organizerId: string | null; at: number }>();

async function organizerOf(c: Ctx, eventId: string): Promise<string | null> {
  const hit = owners.get(eventId);
  if (hit && Date.now() - hit.at < OWNER_TTL_MS) return hit.organizerId;
  const [e] = await db(c).select({ organizerId: events.organizerId, status: events.status }).from(events).where(eq(events.eventId, eventId));
  const organizerId = e && e.status !== "draft" ? e.organizerId : null;
  if (owners.size > 10_000) owners.delete(owners.keys().next().value ?? "");
  owners.set(eventId, { organizerId, at: Date.now() });
  return organizerId;
}

/** The event id of a gate route the caller staffs; 404 for an unknown (or unpublished) event, 403 for another's. */
async function staffedEvent(c: Ctx, raw: string | undefined): Promise<string> {
  const eventId = uuidId(raw, "Event");
  const organizerId = await organizerOf(c, eventId);
  if (!organizerId) throw problems.notFound("Event");
  const p = c.get("principal");
  const staffs = p.role === "gate" ? p.eventId === eventId : p.userId === organizerId || p.role === "admin";
  if (!staffs) throw problems.forbidden("Only this event's organizer or its gates may do this");
  return eventId;
}

/**
 * The gate a scan is recorded under. A gate account's scans carry its account id, so one account
 * cannot pass for another (nor for the organizer's own gates), and offline nonces of different
 * accounts never collide; the organizer's and admins' gate ids are kept as sent.
 */
function gateOf(c: Ctx, gateId: string): string {
  const p = c.get("principal");
  return p.role === "gate" ? `${gateId}@${p.userId}` : gateId;
}

const firstScan = (f: ScanRef) => ({ scanned_at: new Date(f.scannedAt).toISOString(), gate_id: f.gateId });
function syncView(d: SyncAnswer) {
  if (d.result === "already_used") return { result: d.result, first_scan: d.first ? firstScan(d.first) : null };
  if (d.result === "conflict") return { result: d.result, first_scan: firstScan(d.first) };
  return d;
}

export const gateRoutes = new ApiRoutes("/api")
  .serve(op.scan, requireAuth("organizer", "gate"), async (c) => {
    const eventId = await staffedEvent(c, c.req.param("event_id"));
    const body = await readBody(c, op.scan, 4096);
    return c.json(unwrap(await room(c, eventId).scanTicket(body.code, gateOf(c, body.gate_id), body.direction)), 200);
  })
  .serve(op.sync, requireAuth("organizer", "gate"), async (c) => {
    const eventId = await staffedEvent(c, c.req.param("event_id"));
    const body = await readBody(c, op.sync, 256 * 1024);
    const scans = body.scans.map((s) => ({
      ticketId: s.ticket_id, scannedAt: Date.parse(s.scanned_at), gateId: gateOf(c, body.gate_id), nonce: s.nonce, direction: s.direction, local: s.local,
    }));
    const results = await room(c, eventId).syncScans(scans);
    return c.json({ results: results.map(syncView) }, 200);
  })
  .serve(op.manifest, requireAuth("organizer", "gate"), async (c) => {
    const eventId = await staffedEvent(c, c.req.param("event_id"));
    return c.json(unwrap(await room(c, eventId).gateManifest()), 200);
  })
  .serve(op.revocations, requireAuth("organizer", "gate"), async (c) => {
    const eventId = await staffedEvent(c, c.req.param("event_id"));
    const { cursor } = readQuery(c, op.revocations.request.query);
    return c.json(unwrap(await room(c, eventId).revocationDelta(cursor)), 200);
  })
  .serve(op.checkIns, requireAuth("organizer"), async (c) => {
    const eventId = await staffedEvent(c, c.req.param("id"));
    return c.json(await room(c, eventId).checkInStats(), 200);
  });
