import type { Db } from "../../src/db/client";
import { processedMessages } from "../../src/db/schema";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** A pool or an open transaction (then the consumer's work is a savepoint inside it). */
export type Executor = Db | Tx;

/**
 * Runs `effect` once per (consumer, message id): the processed-message row and the effect commit
 * in one transaction, so a redelivered message — Kafka is at-least-once — changes nothing.
 */
export async function once(db: Executor, consumer: string, messageId: string, effect: (tx: Tx) => Promise<void>): Promise<"applied" | "duplicate"> {
  return (db as Db).transaction(async (tx) => {
    const fresh = await tx.insert(processedMessages).values({ consumer, messageId }).onConflictDoNothing().returning({ id: processedMessages.messageId });
    if (!fresh.length) return "duplicate";
    await effect(tx);
    return "applied";
  });
}
