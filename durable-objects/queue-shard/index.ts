import { DurableObject } from "cloudflare:workers";
import type { ShardLine } from "../../src/domain/queue-shards";
import type { Env } from "../../src/env";
import { ok, type RoomResult, type ShardPlace, type ShardTerms } from "../event-room/contract";
import { RoomMeta } from "../event-room/meta";
import { LINE_TABLES, QueueLine } from "./line";

/** The room ticks about once a second while anyone waits; a shard whose line was not pulled for this long wakes it. */
const WAKE_ROOM_AFTER_MS = 1500;
/** A backstop for a wake that did not get through: the shard's own alarm checks again after this long. */
const WAKE_RETRY_MS = 5000;

/**
 * One of an event's K queue shards (named `<event id>/<k>`): takes the joins of the accounts
 * hashed to it, so a burst of joins spreads over K objects instead of queuing on the EventRoom.
 * The room stays the only one to admit: on its tick it pulls every shard's front (`pull`) and
 * records who went in. A join that finds the room idle wakes it, off the join's path.
 */
export class QueueShard extends DurableObject<Env> {
  private readonly line: QueueLine;
  private lastWake = 0;
  /** An alarm is set (in memory: an evicted shard re-arms on its next join). */
  private backstopArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.line = new QueueLine(ctx.storage.sql, new RoomMeta(ctx.storage.sql));
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(LINE_TABLES);
    });
  }

  configure(terms: ShardTerms): void {
    this.line.setTerms(terms);
  }

  async join(userId: string): Promise<RoomResult<ShardPlace>> {
    const joined = this.line.join(userId, Date.now());
    if (!joined.ok) return joined;
    this.wakeRoomIfIdle();
    const { seq, askRoom } = joined.value;
    if (!askRoom || seq === null) return ok({ state: "waiting", seq, sessionEndsAt: null });
    // This place was admitted: still shopping keeps it; a turn that is over gives a new place at the back.
    const verdict = await this.room()?.queuePlace(userId);
    if (verdict?.state === "admitted") return ok({ state: "admitted", seq, sessionEndsAt: verdict.sessionEndsAt });
    return ok({ state: "waiting", seq: this.line.requeue(userId, seq, Date.now()), sessionEndsAt: null });
  }

  /** The account's place in this shard now (undefined: never joined here). */
  place(userId: string): { seq: number | null } | undefined {
    const seq = this.line.place(userId, Date.now());
    return seq === undefined ? undefined : { seq };
  }

  pull(after: number, limit: number, terms: ShardTerms): ShardLine {
    return this.line.pull(after, limit, terms, Date.now());
  }

  handed(through: number): void {
    this.line.handed(through);
  }

  counts(after: number): { joined: number; waiting: number } {
    return this.line.counts(after);
  }

  /** The backstop: anyone who joined since the room last pulled is seen to (a wake that failed, or a room that went idle just before the join). */
  override async alarm(): Promise<void> {
    this.backstopArmed = false;
    const { lastPull, joinedSince } = this.line.pullState();
    if (!joinedSince) return;
    if (Date.now() - lastPull > WAKE_ROOM_AFTER_MS) await this.wakeRoom();
    else this.armBackstop(lastPull + WAKE_ROOM_AFTER_MS + 100);
  }

  private room() {
    const t = this.line.terms();
    return t ? this.env.EVENT_ROOM.get(this.env.EVENT_ROOM.idFromName(t.eventId)) : null;
  }

  /**
   * Off the join's path: the join answers at once. A room that pulled recently is ticking, or has
   * just gone idle: the backstop alarm looks again once it should have pulled.
   */
  private wakeRoomIfIdle(): void {
    const now = Date.now();
    const { lastPull } = this.line.pullState();
    if (now - lastPull > WAKE_ROOM_AFTER_MS && now - this.lastWake >= 1000) {
      this.lastWake = now;
      this.ctx.waitUntil(this.wakeRoom());
    } else {
      this.armBackstop(Math.max(now, lastPull) + WAKE_ROOM_AFTER_MS + 100);
    }
  }

  private armBackstop(at: number): void {
    if (this.backstopArmed) return;
    this.backstopArmed = true;
    this.ctx.waitUntil(this.ctx.storage.setAlarm(at));
  }

  private async wakeRoom(): Promise<void> {
    this.backstopArmed = true;
    await this.ctx.storage.setAlarm(Date.now() + WAKE_RETRY_MS);
    await this.room()?.wakeQueue().catch(() => undefined);
  }
}
