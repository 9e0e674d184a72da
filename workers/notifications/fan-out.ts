import type { SQL } from "drizzle-orm";
import type { Executor } from "../consumers/processed";
import { buyerPages, type Buyer } from "./audience";
import type { Channels } from "./channels";
import { deliver, type Outcome } from "./deliver";
import type { BookingFacts, Notice } from "./templates";

export interface FanOutMessage { key: string; notice: Notice; facts: Omit<BookingFacts, "name"> }

/**
 * One notification to the buyer of every booking matching `where`. Each is claimed under its
 * own key, so a redelivery, or a retry after a crash midway, skips those already sent and
 * carries on with the rest. Returns how each went (`message` may pass on a booking: null).
 */
export async function notifyBuyers(db: Executor, channels: Channels, where: SQL | undefined, message: (b: Buyer) => FanOutMessage | null): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for await (const page of buyerPages(db, where)) {
    for (const buyer of page) {
      const m = message(buyer);
      if (m) outcomes.push(await deliver(db, channels, m.key, m.notice, buyer.recipient, m.facts));
    }
  }
  return outcomes;
}
