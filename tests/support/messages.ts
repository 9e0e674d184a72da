import type { MessageType } from "../../src/pipeline/catalogue";
import type { Envelope } from "../../src/pipeline/envelope";

/**
 * An envelope built by hand, without the catalogue's check at the producer: what a broken (or
 * older) producer would put on the bus. Only for tests of what consumers do with such a message.
 */
export function rawEnvelope(type: MessageType, data: Record<string, unknown>): Envelope {
  return {
    event_id: crypto.randomUUID(), event_type: type, timestamp: new Date().toISOString(), version: "1.0", data,
    metadata: { correlation_id: "test", causation_id: null },
  };
}
