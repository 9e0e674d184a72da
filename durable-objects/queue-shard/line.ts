import { cryptoRandom, shuffle } from "../../src/domain/waiting-room";
import type { LineHead, ShardLine } from "../../src/domain/queue-shards";
import { ok, refuse, type RoomResult, type ShardTerms } from "../event-room/contract";
import type { Meta } from "../event-room/meta";

/** The line's table; named apart from the room's `queue` so tests can drive both over one storage. */
export const LINE_TABLES = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS line (user_id TEXT PRIMARY KEY, joined_at INTEGER NOT NULL, seq INTEGER UNIQUE);
`;

/**
 * One queue shard's line: one row per account, a place (`seq`) per row. Before the on-sale time
 * arrivals get no place; the first call after it shuffles them (Fisher–Yates, WebCrypto) into
 * places 1…n; later arrivals take the next place in arrival order. The room admits from the front
 * (`pull`) and says how far it has admitted (`after`); a place at or before that watermark has had
 * its turn. Synchronous over SQLite, the time an input, so a check and its write never interleave.
 */
export class QueueLine {
  private parsed: { raw: string; terms: ShardTerms } | null = null;

  constructor(private readonly sql: SqlStorage, private readonly meta: Meta, private readonly random: () => number = cryptoRandom) {}

  terms(): ShardTerms | null {
    const raw = this.meta.get("line_terms");
    if (!raw) return null;
    if (this.parsed?.raw !== raw) this.parsed = { raw, terms: JSON.parse(raw) as ShardTerms };
    return this.parsed.terms;
  }

  setTerms(terms: ShardTerms): void {
    const raw = JSON.stringify(terms);
    if (this.meta.get("line_terms") !== raw) this.meta.set("line_terms", raw);
  }

  /** The same refusals, in the same order, as the room gave when it took joins itself. */
  refusal(now: number): RoomResult<never> | null {
    const t = this.terms();
    if (!t?.enabled) return refuse(409, "queue_not_enabled", "This event has no waiting room; book directly");
    if (!t.onSale) return refuse(409, "event_not_on_sale", "This event is not on sale");
    if (t.closesAt !== null && now >= t.closesAt) return refuse(409, "sales_closed", `Sales for this event closed when it started (${new Date(t.closesAt).toISOString()})`);
    return null;
  }

  /** Everything up to this place has been admitted by the room (as far as this shard has heard). */
  handedThrough(): number {
    return Number(this.meta.get("line_handed_through") ?? 0);
  }

  /**
   * One place per account. Joining again while waiting (or shopping: a place the room may have
   * admitted since its last word) keeps it. A place the room has admitted may be over (booked, or
   * the session ran out): only the room knows, so `askRoom` says to ask it and then `requeue`.
   */
  join(userId: string, now: number): RoomResult<{ seq: number | null; askRoom: boolean }> {
    const refused = this.refusal(now);
    if (refused) return refused;
    this.openIfDue(now);
    const row = this.row(userId);
    if (row) return ok({ seq: row.seq, askRoom: row.seq !== null && row.seq <= this.handedThrough() });
    const seq = this.opened() ? this.nextSeq() : null;
    this.sql.exec("INSERT INTO line (user_id, joined_at, seq) VALUES (?, ?, ?)", userId, now, seq);
    this.meta.set("line_last_join", String(now));
    return ok({ seq, askRoom: false });
  }

  /** The room said the turn at `seenSeq` is over: a new place at the back, unless a concurrent join already gave one. */
  requeue(userId: string, seenSeq: number, now: number): number | null {
    const row = this.row(userId);
    if (!row || row.seq !== seenSeq) return row?.seq ?? null;
    const seq = this.nextSeq();
    this.sql.exec("UPDATE line SET seq = ?, joined_at = ? WHERE user_id = ?", seq, now, userId);
    this.meta.set("line_last_join", String(now));
    return seq;
  }

  /** The account's place now (null: placed at opening, not yet open), or undefined if it never joined. */
  place(userId: string, now: number): number | null | undefined {
    if (this.terms()) this.openIfDue(now);
    return this.row(userId)?.seq;
  }

  /** The room's tick: the line past its watermark `after`, the first `limit` places in full. */
  pull(after: number, limit: number, terms: ShardTerms, now: number): ShardLine {
    this.setTerms(terms);
    this.openIfDue(now);
    if (after > this.handedThrough()) this.meta.set("line_handed_through", String(after));
    this.meta.set("line_last_pull", String(now));
    const presaleLast = Number(this.meta.get("line_presale_last") ?? 0);
    const heads = this.sql.exec<{ user_id: string; seq: number; joined_at: number }>(
      "SELECT user_id, seq, joined_at FROM line WHERE seq > ? ORDER BY seq LIMIT ?", after, Math.max(0, limit)).toArray()
      .map((r): LineHead => ({ userId: r.user_id, seq: r.seq, joinedAt: r.joined_at, presale: r.seq <= presaleLast }));
    return { ...this.counts(after), presaleLeft: Math.max(0, presaleLast - after), heads };
  }

  /** The room admitted through `through` (told right after its tick, so a rejoin soon after knows). */
  handed(through: number): void {
    if (through > this.handedThrough()) this.meta.set("line_handed_through", String(through));
  }

  /** Accounts that joined, and places waiting past `after` (pre-sale arrivals not yet placed count as waiting). */
  counts(after: number): { joined: number; waiting: number } {
    return this.sql.exec<{ joined: number; waiting: number }>(
      "SELECT COUNT(*) AS joined, COALESCE(SUM(seq IS NULL OR seq > ?), 0) AS waiting FROM line", after).one();
  }

  /** When the room last pulled, and whether anyone joined since (so the room should be woken). */
  pullState(): { lastPull: number; joinedSince: boolean } {
    const lastPull = Number(this.meta.get("line_last_pull") ?? 0);
    return { lastPull, joinedSince: Number(this.meta.get("line_last_join") ?? 0) >= lastPull };
  }

  private opened(): boolean {
    return this.meta.get("line_opened") === "1";
  }

  /** At the on-sale time every pre-sale arrival in this shard gets a place by a shuffle. */
  private openIfDue(now: number): void {
    const t = this.terms();
    if (this.opened() || !t || now < t.onSaleAt) return;
    const early = this.sql.exec<{ user_id: string }>("SELECT user_id FROM line WHERE seq IS NULL ORDER BY joined_at, user_id").toArray().map((r) => r.user_id);
    for (const userId of shuffle(early, this.random)) this.sql.exec("UPDATE line SET seq = ? WHERE user_id = ?", this.nextSeq(), userId);
    this.meta.set("line_presale_last", String(early.length));
    this.meta.set("line_opened", "1");
  }

  private nextSeq(): number {
    const next = Number(this.meta.get("line_next_seq") ?? 1);
    this.meta.set("line_next_seq", String(next + 1));
    return next;
  }

  private row(userId: string): { seq: number | null } | undefined {
    return this.sql.exec<{ seq: number | null }>("SELECT seq FROM line WHERE user_id = ?", userId).toArray()[0];
  }
}
