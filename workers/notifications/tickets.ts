/**
 * What a booking holds, as a notification prints it: reserved seats by id ("A-1-3"), and
 * general-admission places as area × quantity, since GA tickets have no seat to name.
 */
export type Locale = "ko" | "en";

export interface TicketLine { kind: "seat" | "area"; id: string; quantity: number }

/** The shapes bookings arrive in: room items, or the view's seats / area + quantity. */
export interface BookingHoldings {
  items?: { item_id: string; kind: "seat" | "area"; quantity: number }[] | undefined;
  seats?: string[] | undefined;
  area?: string | null | undefined;
  quantity?: number | null | undefined;
}

export function ticketLines(h: BookingHoldings): TicketLine[] {
  if (h.items?.length) return h.items.map((i) => ({ kind: i.kind, id: i.item_id, quantity: i.kind === "seat" ? 1 : i.quantity }));
  const lines: TicketLine[] = (h.seats ?? []).map((id) => ({ kind: "seat" as const, id, quantity: 1 }));
  if (h.area && h.quantity) lines.push({ kind: "area", id: h.area, quantity: h.quantity });
  return lines;
}

/** One ticket per seat and per general-admission place. */
export function ticketCount(lines: TicketLine[]): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}

/** "A-1-1, A-1-2, FLOOR × 2" / "A-1-1, A-1-2, FLOOR 구역 2매"; empty when nothing is known. */
export function describeTickets(lines: TicketLine[], locale: Locale): string {
  return lines.map((l) => (l.kind === "seat" ? l.id : locale === "ko" ? `${l.id} 구역 ${l.quantity}매` : `${l.id} × ${l.quantity}`)).join(", ");
}
