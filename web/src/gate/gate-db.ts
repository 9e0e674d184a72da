/**
 * What a gate keeps on the device, in IndexedDB so it outlives a lost connection and a reload:
 * the event's gate state (manifest plus the deltas applied since; Maps and byte arrays are kept
 * as they are by structured clone) and this device's log of scans, offline ones with the nonce
 * they sync under. Nothing personal: ids, versions, public keys, seat labels.
 */
import type { GateState } from "../../../src/domain/tickets/manifest";

export type SyncResult = "admitted" | "exited" | "already_used" | "conflict" | "rejected";

export interface ScanRecord {
  /** Unique per gate: the offline sync's nonce. */
  nonce: string;
  eventId: string;
  gateId: string;
  ticketId: string;
  label: string;
  /** This device's clock when it read the code (epoch ms). */
  at: number;
  mode: "online" | "offline";
  /** What was decided at the door: admitted, or refused because the ticket was already in. */
  outcome: "admitted" | "already_used";
  /** The entry that made this one `already_used`. */
  first?: { at: number; gateId: string };
  /** The room's answer to an offline scan, once synced. */
  sync?: { result: SyncResult; reason?: string; first?: { at: number; gateId: string } | null };
}

const DB_NAME = "tp-gate";
const STATES = "states";
const SCANS = "scans";

let opened: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STATES);
      req.result.createObjectStore(SCANS, { keyPath: "nonce" }).createIndex("eventId", "eventId");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB did not open"));
  });
  return opened;
}

async function run<T>(store: string, mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = act(tx.objectStore(store));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
  });
}

export const gateDb = {
  loadState: async (eventId: string): Promise<GateState | undefined> => {
    const v: unknown = await run(STATES, "readonly", (s) => s.get(eventId));
    return isGateState(v) ? v : undefined;
  },
  saveState: (state: GateState): Promise<IDBValidKey> => run(STATES, "readwrite", (s) => s.put(state, state.eventId)),
  scans: async (eventId: string): Promise<ScanRecord[]> => {
    const all: unknown[] = await run(SCANS, "readonly", (s) => s.index("eventId").getAll(eventId));
    return all.filter(isScanRecord).sort((a, b) => a.at - b.at);
  },
  putScans: async (records: readonly ScanRecord[]): Promise<void> => {
    if (records.length === 0) return;
    const db = await open();
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(SCANS, "readwrite");
      for (const r of records) tx.objectStore(SCANS).put(r);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    });
  },
};

// What comes back from storage is checked, not trusted: an older app version may have written it.
function isGateState(v: unknown): v is GateState {
  return typeof v === "object" && v !== null && "eventId" in v && "cursor" in v && "prefixes" in v && v.prefixes instanceof Uint8Array
    && "floors" in v && v.floors instanceof Map && "keys" in v && Array.isArray(v.keys);
}

function isScanRecord(v: unknown): v is ScanRecord {
  return typeof v === "object" && v !== null && "nonce" in v && typeof v.nonce === "string" && "ticketId" in v && typeof v.ticketId === "string"
    && "at" in v && typeof v.at === "number" && "mode" in v && "outcome" in v && "gateId" in v && typeof v.gateId === "string";
}
