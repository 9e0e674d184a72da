/**
 * One gate of one event on this device: decides each read online (the room: one scan wins) or,
 * with no network or no API, locally with the reference verifier against the kept manifest and
 * this device's log; queues offline scans (time, nonce) in IndexedDB and syncs them when it can;
 * keeps the manifest current by polling revocation deltas while online.
 */
import { gateOperations as op } from "../../../src/contract/gate";
import { importIssuerKeys, type IssuerKeyRing } from "../../../src/domain/tickets/keys";
import { applyDelta, gateRevoked, readManifest, type GateState } from "../../../src/domain/tickets/manifest";
import { CLOCK_SKEW_SECONDS, CODE_WINDOW_SECONDS, verifyTicketCode } from "../../../src/domain/tickets/verify";
import { VerifiedCores } from "../../../src/domain/tickets/verified-cores";
import { call } from "../api/client";
import { ApiError } from "../api/problem";
import { fromRoom, notACode, type GateAnswer } from "./answer";
import { gateDb, type ScanRecord } from "./gate-db";
import { decideOffline, gateFigures, recordOf, unsynced, type GateFigures, type ReadAt } from "./scan-log";

/** How long an online scan may take before the gate decides on its own (an API that hangs is unreachable). */
const ONLINE_SCAN_TIMEOUT_MS = 2500;
/** While online: queued scans sync and the revocation delta is polled this often. */
const TICK_MS = 5000;
const SYNC_BATCH = 200;

export type StationProblem = "forbidden" | "not_found" | "signed_out" | null;

export interface StationView {
  gateId: string;
  /** The API answered the last call. */
  online: boolean;
  /** What the gate can decide offline with; null until a manifest was downloaded once. */
  manifest: { tickets: number; cursor: number } | null;
  last: GateAnswer | null;
  figures: GateFigures;
  syncing: boolean;
  problem: StationProblem;
}

class Unreachable extends Error {}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Unreachable("timeout")), ms);
  p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
});

/** No network, or an API that cannot answer now: decide at the door and sync later. */
const unreachable = (e: unknown) => e instanceof Unreachable || (e instanceof ApiError && (e.status === 0 || e.status >= 502));

export class GateStation {
  private state: GateState | undefined;
  private ring: Promise<IssuerKeyRing> | undefined;
  /** Cores checked before on this phone (the same ticket read twice at a door). */
  private readonly cores = new VerifiedCores(5_000);
  private ringKids = "";
  private log: ScanRecord[] = [];
  private view: StationView;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private syncing: Promise<void> | null = null;
  /** Each start and stop begins a new run; a start whose run is over sets nothing up (React may start, stop and start again). */
  private run = 0;

  constructor(private readonly eventId: string, private readonly gateId: string) {
    this.view = { gateId, online: navigator.onLine, manifest: null, last: null, figures: gateFigures([], gateId), syncing: false, problem: null };
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  snapshot = (): StationView => this.view;

  private update(patch: Partial<StationView>): void {
    this.view = { ...this.view, ...patch, figures: gateFigures(this.log, this.gateId) };
    this.listeners.forEach((l) => l());
  }

  async start(): Promise<void> {
    const run = ++this.run;
    const [state, log] = await Promise.all([gateDb.loadState(this.eventId), gateDb.scans(this.eventId)]);
    if (run !== this.run) return;
    this.log = log;
    if (state) this.useState(state);
    this.update({});
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    await this.refreshManifest();
    await this.sync();
  }

  stop(): void {
    this.run++;
    clearInterval(this.timer);
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
  }

  private onOnline = () => { this.update({ online: true }); void this.tick(); };
  private onOffline = () => this.update({ online: false });

  private async tick(): Promise<void> {
    if (!navigator.onLine || this.view.problem) return;
    await this.sync();
    await this.pollDelta();
  }

  private useState(state: GateState): void {
    this.state = state;
    const kids = state.keys.map((k) => k.kid).join(",");
    // Keys are imported once per key list, not per scan.
    if (kids !== this.ringKids) {
      this.ringKids = kids;
      this.ring = importIssuerKeys(state.keys);
    }
    this.view = { ...this.view, manifest: { tickets: state.prefixes.length / 8, cursor: state.cursor } };
  }

  private async keep(state: GateState): Promise<void> {
    this.useState(state);
    this.update({});
    await gateDb.saveState(state);
  }

  /** A call the station makes in the background: records reachability and the problems that stop the gate. */
  private async background<T>(act: () => Promise<T>): Promise<T | undefined> {
    try {
      const v = await act();
      if (!this.view.online) this.update({ online: true });
      return v;
    } catch (e) {
      this.noteFailure(e);
      return undefined;
    }
  }

  private noteFailure(e: unknown): void {
    if (unreachable(e)) this.update({ online: false });
    else if (e instanceof ApiError && e.status === 401) this.update({ problem: "signed_out" });
    else if (e instanceof ApiError && e.status === 403) this.update({ problem: "forbidden" });
    else if (e instanceof ApiError && e.status === 404) this.update({ problem: "not_found" });
  }

  async refreshManifest(): Promise<void> {
    const body = await this.background(() => call(op.manifest, { params: { event_id: this.eventId }, auth: true }));
    if (!body) return;
    const read = readManifest(body);
    if (read.ok) await this.keep(read.value);
  }

  private async pollDelta(): Promise<void> {
    const state = this.state;
    if (!state) return this.refreshManifest();
    const body = await this.background(() => call(op.revocations, { params: { event_id: this.eventId }, query: { cursor: state.cursor }, auth: true }));
    if (!body) return;
    const next = applyDelta(state, body);
    // A delta that does not fit (a gap, another event) means starting over from a fresh manifest.
    if (next.ok) await this.keep(next.value);
    else await this.refreshManifest();
  }

  /** Uploads every queued offline scan; the room's answers (conflicts among them) go into the log. */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      for (;;) {
        const queued = unsynced(this.log);
        const gateId = queued[0]?.gateId;
        if (!gateId) return;
        const batch = queued.filter((r) => r.gateId === gateId).slice(0, SYNC_BATCH);
        this.update({ syncing: true });
        const body = await this.background(() => call(op.sync, {
          params: { event_id: this.eventId }, auth: true,
          body: { gate_id: gateId, scans: batch.map((r) => ({ ticket_id: r.ticketId, scanned_at: new Date(r.at).toISOString(), nonce: r.nonce, direction: "in", local: r.outcome === "admitted" ? "admitted" : "refused" })) },
        }));
        // One answer per scan, or none taken: a short answer would leave scans queued and loop.
        if (!body || body.results.length !== batch.length) return;
        const synced = batch.map((r, i): ScanRecord => {
          const d = body.results[i];
          if (!d) return r;
          const first = d.first_scan ? { at: Date.parse(d.first_scan.scanned_at), gateId: d.first_scan.gate_id } : null;
          return { ...r, sync: { result: d.result, ...(d.reason ? { reason: d.reason } : {}), first } };
        });
        await gateDb.putScans(synced);
        const byNonce = new Map(synced.map((r) => [r.nonce, r]));
        this.log = this.log.map((r) => byNonce.get(r.nonce) ?? r);
        this.update({});
      }
    })().finally(() => { this.syncing = null; this.update({ syncing: false }); });
    return this.syncing;
  }

  /** One read of a code (camera or typed): the answer to show. */
  async scan(raw: string): Promise<GateAnswer> {
    const code = raw.trim();
    const read: ReadAt = { eventId: this.eventId, gateId: this.gateId, nonce: crypto.randomUUID(), at: Date.now() };
    let answer: GateAnswer;
    if (navigator.onLine && !this.view.problem) {
      try {
        const r = await withTimeout(call(op.scan, { params: { event_id: this.eventId }, auth: true, body: { code, gate_id: this.gateId } }), ONLINE_SCAN_TIMEOUT_MS);
        answer = fromRoom(r, read.at);
        this.log = appendRecord(this.log, recordOf(answer, read));
        if (!this.view.online) this.update({ online: true });
      } catch (e) {
        if (e instanceof ApiError && (e.code === "invalid_code" || e.code === "validation_failed")) answer = notACode(read.at);
        else if (unreachable(e)) {
          this.update({ online: false });
          answer = await this.decideOffline(code, read);
        } else {
          this.noteFailure(e);
          throw e;
        }
      }
    } else answer = await this.decideOffline(code, read);
    // Shown first, then written down: the IndexedDB write must not delay the answer at the door.
    this.update({ last: answer });
    const record = this.log.find((r) => r.nonce === read.nonce);
    if (record) await gateDb.putScans([record]);
    return answer;
  }

  private async decideOffline(code: string, read: ReadAt): Promise<GateAnswer> {
    const state = this.state;
    const ring = this.ring;
    if (!state || !ring) return { verdict: "no_manifest", offline: true, at: read.at };
    const check = await verifyTicketCode(code, {
      now: read.at, keys: await ring, eventId: this.eventId, revoked: gateRevoked(state), windowSeconds: CODE_WINDOW_SECONDS, skewSeconds: CLOCK_SKEW_SECONDS,
      cores: this.cores,
    });
    // From the verifier's answer on, synchronous: decided and logged before another read can decide.
    const { answer, record } = decideOffline(check, this.log, read);
    this.log = appendRecord(this.log, record);
    return answer;
  }
}

const appendRecord = (log: ScanRecord[], record: ScanRecord | null): ScanRecord[] => (record ? [...log, record] : log);
