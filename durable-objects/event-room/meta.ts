import { currencySchema, type Currency } from "../../src/domain/money";
import type { RoomStatus } from "./contract";

/** Key-value settings of the room (its `meta` table), for parts that keep a few values each. */
export interface Meta { get(key: string): string | null; set(key: string, value: string): void }

const STATUSES: readonly RoomStatus[] = ["unconfigured", "on_sale", "cancelled"];

/** The meta table, and what every part reads of it: which event this is, in which currency, and whether it sells. */
export class RoomMeta implements Meta {
  constructor(private readonly sql: SqlStorage) {}

  get(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  set(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }

  status(): RoomStatus {
    const s = this.get("status");
    return STATUSES.find((x) => x === s) ?? "unconfigured";
  }

  eventId(): string {
    return this.get("event_id") ?? "";
  }

  /** The sale's currency; null before the room is configured. */
  currency(): Currency | null {
    const c = currencySchema.safeParse(this.get("currency"));
    return c.success ? c.data : null;
  }
}
