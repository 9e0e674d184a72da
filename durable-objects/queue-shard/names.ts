import type { QueueShard } from ".";

/** Shard k of an event's queue: one object per (event, k), named so any Worker finds the same one. */
export function queueShard(ns: DurableObjectNamespace<QueueShard>, eventId: string, shard: number): DurableObjectStub<QueueShard> {
  return ns.get(ns.idFromName(`${eventId}/${shard}`));
}
