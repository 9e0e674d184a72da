import { useRef, useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { buttonClass, Field } from "../components/field";
import { isGreen } from "../gate/answer";
import { AnswerPanel, shownGate, useClockTime } from "../gate/answer-panel";
import { CameraPanel } from "../gate/camera-panel";
import { signal } from "../gate/feedback";
import type { StationView } from "../gate/gate-station";
import { deviceGate, useGateStation } from "../gate/use-gate-station";
import { useI18n } from "../i18n/i18n";
import { useOfflineCopy } from "../offline-copy";
import type { MessageKey } from "../i18n/messages";

/** The gate scanner for staff phones: one column, big targets, the answer on top. */
export function GatePage() {
  useOfflineCopy();
  const { eventId = "" } = useParams();
  const [gateId, setGateId] = useState(deviceGate.get);
  if (!gateId) return <ChooseGate onChosen={(id) => { deviceGate.set(id); setGateId(id); }} />;
  return <Scanner key={`${eventId}/${gateId}`} eventId={eventId} gateId={gateId} onChangeGate={() => { deviceGate.clear(); setGateId(null); }} />;
}

function ChooseGate({ onChosen }: { onChosen: (id: string) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const [error, setError] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = value.trim();
    if (deviceGate.valid(id)) onChosen(id);
    else setError(true);
  };
  return (
    <section className="mx-auto max-w-md">
      <h1 className="mb-4 text-2xl font-bold">{t("gate.choose.heading")}</h1>
      <form onSubmit={submit} noValidate>
        <Field id="gate-id" label={t("gate.choose.label")} hint={t("gate.choose.hint")} error={error ? t("gate.choose.invalid") : undefined}
          value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" autoCapitalize="off" />
        <button type="submit" className={`${buttonClass} min-h-14 w-full text-xl`}>{t("gate.choose.submit")}</button>
      </form>
    </section>
  );
}

const PROBLEM: Record<Exclude<StationView["problem"], null>, MessageKey> = {
  forbidden: "gate.problem.forbidden", not_found: "gate.problem.not_found", signed_out: "gate.problem.signed_out",
};

function Scanner({ eventId, gateId, onChangeGate }: { eventId: string; gateId: string; onChangeGate: () => void }) {
  const { t } = useI18n();
  const { station, view } = useGateStation(eventId, gateId);
  const [code, setCode] = useState("");
  const input = useRef<HTMLInputElement>(null);

  const check = async (text: string) => {
    if (!text.trim()) return;
    const answer = await station.scan(text).catch(() => null);
    if (answer) signal(isGreen(answer));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = code;
    setCode("");
    input.current?.focus();
    void check(text);
  };

  return (
    <section className="mx-auto flex max-w-md flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">{t("gate.title")} · <span data-testid="gate-id">{t("gate.here", { gate: gateId })}</span></h1>
        <button type="button" onClick={onChangeGate} className="min-h-11 rounded px-3 text-indigo-800 underline">{t("gate.change")}</button>
      </div>
      <ConnectionLine view={view} />
      {view.problem && <p role="alert" className="rounded bg-red-100 p-3 text-red-900">{t(PROBLEM[view.problem])}</p>}
      <AnswerPanel answer={view.last} />
      <form onSubmit={submit} className="flex flex-col gap-2">
        <label htmlFor="gate-code" className="text-lg font-medium">{t("gate.manual.label")}</label>
        <input id="gate-code" ref={input} value={code} onChange={(e) => setCode(e.target.value)} aria-describedby="gate-code-hint"
          autoComplete="off" autoCapitalize="characters" spellCheck={false} className="min-h-14 rounded border border-slate-400 bg-white px-3 text-lg" />
        <span id="gate-code-hint" className="text-sm text-slate-700">{t("gate.manual.hint")}</span>
        <button type="submit" className={`${buttonClass} min-h-14 text-xl`}>{t("gate.manual.submit")}</button>
      </form>
      <CameraPanel onCode={(text) => void check(text)} />
      <Figures view={view} />
    </section>
  );
}

function ConnectionLine({ view }: { view: StationView }) {
  const { t } = useI18n();
  return (
    <div className="flex flex-col gap-1 text-base" data-testid="gate-connection" data-online={view.online ? "yes" : "no"}>
      <p className={view.online ? "text-green-900" : "font-semibold text-amber-900"}>{view.online ? t("gate.status.online") : t("gate.status.offline")}</p>
      <p data-testid="gate-manifest" data-tickets={view.manifest?.tickets ?? 0} data-cursor={view.manifest?.cursor ?? -1}>
        {view.manifest ? t("gate.manifest.ready", { count: view.manifest.tickets }) : t("gate.manifest.none")}
      </p>
      {view.syncing && <p>{t("gate.syncing")}</p>}
    </div>
  );
}

function Figures({ view }: { view: StationView }) {
  const { t } = useI18n();
  const time = useClockTime();
  const f = view.figures;
  const cell = (label: MessageKey, value: number, id: string) => (
    <div className="rounded-lg bg-white p-3 shadow-sm">
      <dt className="text-sm text-slate-700">{t(label)}</dt>
      <dd className="text-3xl font-bold" data-testid={id}>{value}</dd>
    </div>
  );
  return (
    <section aria-labelledby="gate-figures">
      <h2 id="gate-figures" className="mb-2 text-xl font-semibold">{t("gate.figures.heading")}</h2>
      <dl className="grid grid-cols-3 gap-2">
        {cell("gate.figures.entries", f.entries, "gate-entries")}
        {cell("gate.figures.pending", f.pending, "gate-pending")}
        {cell("gate.figures.conflicts", f.conflicts.length, "gate-conflicts")}
      </dl>
      {f.rejected > 0 && <p className="mt-2 text-red-900">{t("gate.figures.rejected")}: {f.rejected}</p>}
      {f.conflicts.length > 0 && (
        <div className="mt-3">
          <h3 className="font-semibold text-red-900">{t("gate.conflicts.heading")}</h3>
          <ul className="list-disc pl-5" data-testid="gate-conflict-list">
            {f.conflicts.map((c) => (
              <li key={c.nonce}>{t("gate.conflict.item", {
                label: c.label, time: time(c.at),
                firstTime: c.sync?.first ? time(c.sync.first.at) : "?", gate: c.sync?.first ? shownGate(c.sync.first.gateId) : "?",
              })}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
