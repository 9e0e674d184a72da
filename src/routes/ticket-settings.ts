import { room } from "../context";
import { readBody } from "../middleware/body";
import { requireAuth } from "../middleware/auth";
import { ticketOperations as op } from "../contract/tickets";
import { ApiRoutes } from "./api-routes";
import { ownedEvent } from "./events";

/** The organizer's ticket settings of one event (re-entry, transfers), kept by its EventRoom, which applies them. */
export const ticketSettingsRoutes = new ApiRoutes("/api/events")
  .serve(op.getSettings, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    return c.json(await room(c, e.eventId).ticketSettings(), 200);
  })
  .serve(op.putSettings, requireAuth("organizer"), async (c) => {
    const e = await ownedEvent(c, c.req.param("id"));
    const body = await readBody(c, op.putSettings, 1024);
    return c.json(await room(c, e.eventId).ticketSettings(body), 200);
  });
