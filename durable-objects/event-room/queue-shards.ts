/**
 * The room's side of its queue shards: tells them the sale's terms, and on every alarm pulls the
 * front of each shard's line for the waiting room to admit from. Calls to the shards are the only
 * awaits of the tick; what it admits is decided afterwards in one synchronous transaction.
 */
import { describeError } from "../../src/describe-error";
import type { ShardLine } from "../../src/domain/queue-shards";
import type { Env } from "../../src/env";
import type { Logger } from "../../src/log";
import { queueShard } from "../queue-shard/names";
import type { ShardTerms } from "./contract";
import type { RoomMeta } from "./meta";
import type { SaleTermsStore } from "./sale-terms";
import type { TimedPart } from "./timers";
import type { WaitingRoom } from "./waiting-room";

export interface QueueShardsDeps {
  env: Pick<Env, "QUEUE_SHARD">;
  meta: RoomMeta;
  terms: SaleTermsStore;
  queue: WaitingRoom;
  waitUntil: (p: Promise<unknown>) => void;
  /** The counts changed (the live feed shows them). */
  changed: () => void;
  alarmLog: () => Logger;
}

export class QueueShards implements TimedPart {
  readonly name = "waiting_room";

  constructor(private readonly deps: QueueShardsDeps) {}

  /** What every shard must know to take joins. */
  shardTerms(): ShardTerms | null {
    const { meta, terms, queue } = this.deps;
    const s = queue.settings();
    if (!s) return null;
    const startsAt = terms.current()?.startsAt;
    return { eventId: meta.eventId(), enabled: s.enabled, onSaleAt: Date.parse(s.on_sale_at), closesAt: startsAt ? Date.parse(startsAt) : null, onSale: meta.status() === "on_sale" };
  }

  /** Sends the terms to every shard (after the queue is configured; a failure fails the caller, which retries). */
  async push(): Promise<void> {
    const t = this.shardTerms();
    if (!t) return;
    await Promise.all(this.stubs().map((s) => s.configure(t)));
  }

  /** The same, off the caller's path (a change of dates, a cancellation): the next tick carries them too. */
  pushLater(): void {
    this.deps.waitUntil(this.push().catch((e: unknown) => this.deps.alarmLog().warn("queue shards not told of new terms; the next tick tells them", { error: describeError(e) })));
  }

  async tick(now: number): Promise<number | null> {
    const { queue } = this.deps;
    const plan = queue.pullPlan(now);
    const t = this.shardTerms();
    let lines: (ShardLine | null)[] | null = null;
    if (plan && t) {
      lines = await Promise.all(this.stubs().map((s, k) => s.pull(plan.after[k] ?? 0, plan.limit, t).catch((e: unknown) => {
        this.deps.alarmLog().warn("queue shard did not answer the tick; nobody is admitted until it does", { shard: k, error: describeError(e) });
        return null;
      })));
    }
    const r = queue.tick(lines, now);
    if (lines) this.deps.changed();
    if (r.changed) {
      // Tell the shards at once, so a shopper who books and rejoins within the second gets a new place.
      this.deps.waitUntil(Promise.all(this.stubs().map((s, k) => s.handed(r.marks[k]?.through ?? 0))).catch(() => undefined));
    }
    return r.next;
  }

  private stubs() {
    const eventId = this.deps.meta.eventId();
    return Array.from({ length: this.deps.queue.shardCount() }, (_, k) => queueShard(this.deps.env.QUEUE_SHARD, eventId, k));
  }
}
