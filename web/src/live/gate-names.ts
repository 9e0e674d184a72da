import { shownGate } from "../gate/answer-panel";

/**
 * A gate account's scans are recorded as `<gate>@<account id>` (one account cannot pass for
 * another). The dashboard names them as people do: the gate, and the account's label.
 */
export interface GateName { gate: string; accountId: string | null }

export function gateName(recorded: string): GateName {
  const gate = shownGate(recorded);
  return { gate, accountId: recorded.length > gate.length ? recorded.slice(gate.length + 1) : null };
}

/** The account ids among recorded gates, sorted (a new one means the labels must be read again). */
export const accountIdsOf = (recorded: readonly string[]): string[] =>
  [...new Set(recorded.map((r) => gateName(r).accountId).filter((id): id is string => id !== null))].sort();
