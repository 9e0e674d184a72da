/**
 * The room's parts, wired with narrow dependencies: each gets only the storage, the neighbours
 * and the callbacks it uses. The room class (index.ts) only routes RPC calls to them.
 */
import { config } from "../../src/config";
import type { Env } from "../../src/env";
import type { Logger } from "../../src/log";
import { paymentProvider } from "../../src/payments";
import { CheckIn } from "./check-in";
import { Inventory } from "./inventory";
import { LiveFeed } from "./live-feed";
import { RoomMeta } from "./meta";
import { RoomOutbox } from "./outbox";
import { PaymentSaga } from "./payment-saga";
import { ProviderTasks } from "./provider-tasks";
import { SaleTermsStore } from "./sale-terms";
import { RoomStatsReader } from "./stats";
import { AlarmClock, type TimedPart } from "./timers";
import { QueueShards } from "./queue-shards";
import { TicketIssuer } from "./ticket-issuer";
import { WaitingRoom } from "./waiting-room";

export interface RoomParts {
  clock: AlarmClock;
  meta: RoomMeta;
  terms: SaleTermsStore;
  queue: WaitingRoom;
  shards: QueueShards;
  live: LiveFeed;
  outbox: RoomOutbox;
  tasks: ProviderTasks;
  checkIn: CheckIn;
  issuer: TicketIssuer;
  inventory: Inventory;
  saga: PaymentSaga;
  reads: RoomStatsReader;
  /** Run in this order on every alarm: expiries before the queue's admissions, provider calls, then the flush and the feed that report them. */
  timed: readonly TimedPart[];
}

export function assembleRoom(ctx: DurableObjectState, env: Env, log: (requestId: string) => Logger): RoomParts {
  const storage = ctx.storage;
  const { sql } = storage;
  const clock = new AlarmClock(storage);
  const wake = clock.wake;
  const meta = new RoomMeta(sql);
  const alarmLog = () => log(`alarm:${meta.eventId()}`);
  const terms = new SaleTermsStore(meta);
  const queue = new WaitingRoom(sql, storage, meta);
  // The feed shows the stats, which count the outbox, which tells the feed of changes: wired lazily.
  const live: LiveFeed = new LiveFeed(ctx, env, () => reads.liveCounts(Date.now()), wake);
  const database = env.DATABASE_URL ? { url: env.DATABASE_URL, proxy: config(env).pgWsProxy } : null;
  const outbox = new RoomOutbox({ sql, database, waitUntil: (p) => ctx.waitUntil(p), wake, changed: () => live.touch(), alarmLog });
  const reads = new RoomStatsReader({ sql, meta, outbox, queue });
  const tasks = new ProviderTasks({ sql, provider: () => paymentProvider(env), wake, alarmLog });
  const issuer = new TicketIssuer({ sql, meta, terms, bindsPerDay: () => config(env).deviceBindsPerDay });
  const checkIn = new CheckIn(sql, meta, issuer);
  const inventory = new Inventory({ sql, storage, meta, terms, queue, outbox, tasks, tickets: checkIn, knobs: () => config(env), wake, log });
  const saga = new PaymentSaga({ storage, sql, meta, inventory, outbox, tasks, tickets: checkIn });
  const shards = new QueueShards({ env, meta, terms, queue, waitUntil: (p) => ctx.waitUntil(p), changed: () => live.touch(), alarmLog });
  return { clock, meta, terms, queue, shards, live, outbox, tasks, checkIn, issuer, inventory, saga, reads, timed: [inventory, shards, tasks, outbox, live, checkIn] };
}
