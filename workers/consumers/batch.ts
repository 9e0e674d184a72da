import { formatError } from "../../src/describe-error";
import { isDatabaseUnavailable, type Db } from "../../src/db/client";
import { deadLetters } from "../../src/db/schema";
import type { Envelope } from "../../src/pipeline/envelope";

/** A consumer's work on a batch of messages (in partition order); returns each message's outcome, in order. */
export type BatchHandler = (envelopes: Envelope[]) => Promise<string[]>;

/** How often a message that fails on its own is tried before it is set aside (a deadlock or a serialization failure passes). */
const SINGLE_ATTEMPTS = 3;

/**
 * Keeps one poison message from blocking a partition. A batch that fails because Postgres is
 * unreachable fails as a whole (its offsets stay uncommitted; Kafka, or the relay, delivers it
 * again). A batch that fails otherwise is applied again one message at a time: what fails on its
 * own SINGLE_ATTEMPTS times is written to dead_letters with its error and logged (outcome
 * "dead_letter"), and the rest is applied. Consumers are idempotent, so re-applying the
 * messages of a failed batch changes nothing twice (the notifier's claims make a second send a duplicate).
 */
export function isolatingPoison(db: Db, consumer: string, handle: BatchHandler, warn: (msg: string, f: Record<string, unknown>) => void): BatchHandler {
  return async (envelopes) => {
    try {
      return await handle(envelopes);
    } catch (e) {
      if (isDatabaseUnavailable(e) || envelopes.length === 0) throw e;
    }
    const outcomes: string[] = [];
    for (const envelope of envelopes) outcomes.push(await applyAlone(db, consumer, handle, envelope, warn));
    return outcomes;
  };
}

async function applyAlone(db: Db, consumer: string, handle: BatchHandler, envelope: Envelope, warn: (msg: string, f: Record<string, unknown>) => void): Promise<string> {
  let error: unknown;
  for (let attempt = 1; attempt <= SINGLE_ATTEMPTS; attempt++) {
    try {
      return (await handle([envelope]))[0] ?? "ignored";
    } catch (e) {
      if (isDatabaseUnavailable(e)) throw e;
      error = e;
    }
  }
  await db.insert(deadLetters).values({ consumer, messageId: envelope.event_id, envelope, error: formatError(error) }).onConflictDoNothing();
  warn("message set aside in dead_letters: it fails on its own", { consumer, message_id: envelope.event_id, event_type: envelope.event_type, error: formatError(error) });
  return "dead_letter";
}
