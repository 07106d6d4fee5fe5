"use client";

import { memo, useDeferredValue, useEffect, useMemo, useState } from "react";
import type { Annotation, ExperimentInfo, InterventionRecord, MetricInfo, Watcher } from "@orrery/protocol";
import { useDaemon } from "../lib/connection/useDaemon.ts";
import { useDaemonFleet } from "../lib/connection/useDaemonFleet.ts";
import {
  connectionLabel,
  controlsFor,
  currentStep,
  displayedSnapshot,
  experimentById,
  isConnected,
  isLive,
  lastValue,
  metricsFor,
  commonMetricKeys,
  runList,
  selectedData,
  selectedRun,
} from "../lib/state/selectors.ts";
import type { SeriesView, TensorData } from "../lib/state/types.ts";
import {
  cleanLocation,
  loadDaemons,
  loadForms,
  loadName,
  loadSelectedRun,
  loadSettings,
  normalizeDaemonUrl,
  saveDaemons,
  saveForms,
  saveName,
  saveSelectedRun,
  saveSettings,
  withDaemon,
  withoutDaemon,
  type Settings,
} from "../lib/settings.ts";
import { ConfigForm, defaultFormValues, ExperimentSelect, formToConfig, type FormValues } from "../components/ConfigForm.tsx";
import { DaemonFleet } from "../components/DaemonFleet.tsx";
import { DaemonSettings } from "../components/DaemonSettings.tsx";
import { ErrorBanner } from "../components/ErrorBanner.tsx";
import { Bars } from "../components/Bars.tsx";
import { MatrixFor } from "../components/MatrixFor.tsx";
import { MetricChart } from "../components/MetricChart.tsx";
import { PointsView } from "../components/PointsView.tsx";
import { Presence } from "../components/Presence.tsx";
import { RunControls } from "../components/RunControls.tsx";
import { RunList } from "../components/RunList.tsx";
import { StatusBar } from "../components/StatusBar.tsx";
import { StepScrubber } from "../components/StepScrubber.tsx";
import { AnnotationPanel } from "./AnnotationPanel.tsx";
import { CheckpointPanel } from "./CheckpointPanel.tsx";
import { InspectPanel } from "./InspectPanel.tsx";
import { SharePanel } from "./SharePanel.tsx";
import { ReportPanel } from "./ReportPanel.tsx";
import { InterventionPanel } from "./InterventionPanel.tsx";
import { SpectrumPanel } from "./SpectrumPanel.tsx";
import { SweepPanel } from "../components/SweepPanel.tsx";
import { Panel, StateBadge } from "../components/ui.tsx";

const DEFAULT_EXPERIMENT = "bigram-circle";
const CHART_COLORS = ["#818cf8", "#34d399", "#f472b6", "#38bdf8"];

const storage = () => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
};

/** The container: wires the daemon connection and UI state to the (pure) components. */
export function Lab() {
  // Read at the first render (the lab renders in the browser only, see LabLoader), not in an effect after it: the
  // daemon socket then opens after one render of the whole lab instead of two.
  const [boot] = useState(() => {
    const s = loadSettings(window.location.search, storage());
    return { s, run: loadSelectedRun(window.location.hash, s.url, storage()), name: loadName(storage()), daemons: withDaemon(loadDaemons(storage()), s) };
  });
  const [target, setTarget] = useState<Settings | null>(boot.s);
  const [initialRun, setInitialRun] = useState<string | null>(boot.run);
  const [name, setName] = useState(boot.name);
  // Every daemon watched, the one on screen among them.
  const [daemons, setDaemons] = useState<Settings[]>(boot.daemons);
  useEffect(() => {
    if (daemons.length) saveDaemons(daemons, storage());
  }, [daemons]);

  const [state, cmd] = useDaemon(target && { ...target, name }, initialRun);
  const others = useMemo(() => daemons.filter((d) => d.url !== target?.url).map((d) => ({ ...d, name })), [daemons, target?.url, name]);
  const fleet = useDaemonFleet(others);
  const connected = isConnected(state);
  const run = selectedRun(state);
  const data = selectedData(state);

  // Remember the open run (hash + storage) once the daemon has confirmed what exists.
  useEffect(() => {
    if (!target || !connected) return;
    saveSelectedRun(state.selectedRunId, target.url, storage());
    window.history.replaceState(null, "", cleanLocation(window.location.href, state.selectedRunId));
  }, [state.selectedRunId, connected, target]);

  // Re-render once a second for the reconnect countdown and "x ago".
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  // ── new-run form ──
  const [experimentId, setExperimentId] = useState<string>("");
  const [forms, setForms] = useState<Record<string, FormValues>>(() => loadForms(storage()));
  useEffect(() => saveForms(forms, storage()), [forms]);
  useEffect(() => {
    if (experimentId && state.experiments.some((e) => e.id === experimentId)) return;
    const pick = state.experiments.find((e) => e.id === DEFAULT_EXPERIMENT) ?? state.experiments[0];
    if (pick) setExperimentId(pick.id);
  }, [state.experiments, experimentId]);
  const experiment = experimentById(state, experimentId);
  const formValues = useMemo(
    () => (experiment ? { ...defaultFormValues(experiment.fields), ...forms[experiment.id] } : {}),
    [experiment, forms],
  );
  const { config, problems } = useMemo(
    () => (experiment ? formToConfig(experiment.fields, formValues) : { config: {}, problems: {} }),
    [experiment, formValues],
  );
  const formOk = Object.keys(problems).length === 0;

  const [stepN, setStepN] = useState("1");
  // A viewer's controls are disabled (the daemon refuses them anyway: this only reflects it).
  const enabled = controlsFor(run, connected && state.role !== "viewer", !!experiment && formOk);

  // ── the run on screen ──
  const runExperiment: ExperimentInfo | null = experimentById(state, run?.experiment) ?? (run ? null : experiment);
  const common = commonMetricKeys(run, data);
  const metrics = useMemo(() => metricsFor(runExperiment, run, common), [runExperiment, run, common]);
  const step = currentStep(state, state.selectedRunId);
  const live = isLive(state);
  const snapshot = displayedSnapshot(state);
  const interventions = data?.interventions ?? NO_INTERVENTIONS;
  const markers = useMemo(() => interventions.map((r) => r.step), [interventions]);
  const annotations = data?.annotations ?? NO_ANNOTATIONS;
  // A fork draws its parent's curves behind its own.
  const parentId = run?.parent?.runId;
  const parentData = parentId ? state.data[parentId] : undefined;
  useEffect(() => {
    if (parentId && parentId !== "uploads" && connected && !parentData?.historyLoaded) cmd.fetchHistory(parentId);
  }, [parentId, connected, parentData?.historyLoaded, cmd]);
  const children = useMemo(() => (run ? Object.values(state.runs).filter((r) => r.parent?.runId === run.id) : []), [state.runs, run]);
  const titles = useMemo(() => Object.fromEntries(state.experiments.map((e) => [e.id, e.title])), [state.experiments]);
  const runs = useMemo(() => runList(state), [state.runs]); // eslint-disable-line react-hooks/exhaustive-deps

  const status = state.connection;
  const label = connectionLabel(status, now);

  /** Puts a daemon on screen (and in the watched list), opening `runId` or the run last open there. */
  const applyTarget = (url: string, token: string, runId: string | null = null) => {
    const next = { url: normalizeDaemonUrl(url), token };
    saveSettings(next, storage());
    setInitialRun(runId ?? loadSelectedRun("", next.url, storage()));
    setTarget(next);
    setDaemons((ds) => withDaemon(ds, next));
  };
  const openDaemon = (url: string, runId: string | null) => {
    const d = daemons.find((x) => x.url === url);
    if (d) applyTarget(d.url, d.token, runId);
  };
  const applySettings = (url: string, token: string, n: string) => {
    if (n.trim() !== name) {
      saveName(n, storage());
      setName(n.trim());
    }
    if (normalizeDaemonUrl(url) !== target?.url || token !== target?.token) applyTarget(url, token);
  };

  return (
    <div className="flex h-screen flex-col bg-slate-950 text-slate-200">
      <header className="flex flex-wrap items-center gap-4 border-b border-slate-800 px-4 py-2.5">
        <div className="flex items-baseline gap-3">
          <span className="flex items-center gap-2 text-lg font-semibold tracking-tight text-slate-50">
            <OrreryMark /> Orrery
          </span>
          <span className="hidden text-xs text-slate-500 md:inline">watch small networks learn, live</span>
        </div>
        <div className="ml-auto">
          {target && <DaemonSettings url={target.url} token={target.token} name={name} onApply={applySettings} />}
        </div>
      </header>

      <div className="flex min-h-0 flex-1">
        <aside className="flex w-[340px] shrink-0 flex-col gap-4 overflow-y-auto border-r border-slate-800 p-4">
          <Panel title="New run">
            <div className="space-y-3">
              <ExperimentSelect experiments={state.experiments} value={experimentId} onChange={setExperimentId} />
              {experiment && <p className="text-xs leading-relaxed text-slate-400">{experiment.description}</p>}
              {experiment && (
                <ConfigForm
                  fields={experiment.fields}
                  values={formValues}
                  problems={problems}
                  onChange={(key, value) =>
                    setForms((f) => ({ ...f, [experiment.id]: { ...formValues, [key]: value } }))
                  }
                />
              )}
              {experiment && (
                <button
                  type="button"
                  className="text-[11px] text-slate-500 hover:text-slate-300"
                  onClick={() => setForms((f) => ({ ...f, [experiment.id]: {} }))}
                >
                  reset to defaults
                </button>
              )}
            </div>
          </Panel>
          <Panel title="Runs" aside={<span className="text-[11px] text-slate-500">{runs.length}</span>} className="flex-1">
            <RunList runs={runs} selectedId={state.selectedRunId} titles={titles} onSelect={cmd.select} now={now} />
          </Panel>
          <Panel title="Other daemons" aside={<span className="text-[11px] text-slate-500">{others.length}</span>}>
            <DaemonFleet
              daemons={others.map((d) => ({ url: d.url, state: fleet[d.url] }))}
              titles={titles}
              now={now}
              onOpen={openDaemon}
              onAdd={(url, token) => setDaemons((ds) => withDaemon(ds, { url, token }))}
              onRemove={(url) => setDaemons((ds) => withoutDaemon(ds, url))}
            />
          </Panel>
        </aside>

        <main className="min-w-0 flex-1 space-y-4 overflow-y-auto p-4">
          <ErrorBanner errors={state.errors} onDismiss={cmd.dismissError} />

          <Panel>
            <div className="flex flex-wrap items-center gap-x-6 gap-y-3">
              <div className="min-w-0">
                <div className="flex items-center gap-3">
                  {run ? <StateBadge state={run.state} testId="run-state" /> : <span data-testid="run-state" className="text-xs text-slate-500">no run</span>}
                  <h1 className="truncate text-base font-semibold text-slate-50">
                    {run ? (titles[run.experiment] ?? run.experiment) : "No run open"}
                  </h1>
                  {run && <span data-testid="run-id" className="font-mono text-xs text-slate-500">{run.id}</span>}
                </div>
                {run && <Presence watchers={data?.watchers ?? NO_WATCHERS} you={state.you} />}
                <div className="mt-1 flex items-baseline gap-1.5 font-mono tabular-nums text-slate-400">
                  <span className="text-xs uppercase tracking-wider text-slate-500">step</span>
                  <span data-testid="step-counter" className="text-2xl font-semibold text-slate-50">
                    {step ?? 0}
                  </span>
                  {run && <span className="text-sm">/ {run.totalSteps}</span>}
                </div>
                {run && (run.parent || children.length > 0) && (
                  <div data-testid="run-family" className="mt-1 flex flex-wrap gap-x-2 text-xs text-slate-500">
                    {run.parent && run.parent.runId !== "uploads" && (
                      <span>
                        fork of{" "}
                        <button className="font-mono text-sky-300 hover:underline" onClick={() => cmd.select(run.parent!.runId)}>
                          {run.parent.runId}
                        </button>{" "}
                        @ {run.parent.step}
                        {run.parent.name ? ` (${run.parent.name})` : ""}
                      </span>
                    )}
                    {children.length > 0 && (
                      <span>
                        forks:{" "}
                        {children.map((c) => (
                          <button key={c.id} className="mr-1 font-mono text-sky-300 hover:underline" onClick={() => cmd.select(c.id)}>
                            {c.id}@{c.parent!.step}
                          </button>
                        ))}
                      </span>
                    )}
                  </div>
                )}
              </div>
              <div className="ml-auto">
                <RunControls
                  enabled={enabled}
                  stepN={stepN}
                  onStepNChange={setStepN}
                  onStart={(paused) => experiment && cmd.start(experiment.id, config, paused)}
                  onPause={() => run && cmd.pause(run.id)}
                  onResume={() => run && cmd.resume(run.id)}
                  onStep={() => run && cmd.step(run.id, Number(stepN))}
                  onStop={() => run && cmd.stop(run.id)}
                  onMeasure={() => run && cmd.measure(run.id, "sharpness")}
                />
              </div>
            </div>
            {run && run.totalSteps > 0 && (
              <div className="mt-3 h-1 overflow-hidden rounded bg-slate-800">
                <div
                  className="h-full bg-gradient-to-r from-indigo-500 to-cyan-400 transition-[width] duration-300"
                  style={{ width: `${Math.min(100, (100 * (step ?? 0)) / run.totalSteps)}%` }}
                />
              </div>
            )}
            {run?.reason && (
              <div
                data-testid="run-reason"
                className="mt-3 rounded-lg border border-amber-400/40 bg-amber-500/10 px-3 py-2 text-sm text-amber-200"
              >
                <span className="font-semibold capitalize">{run.state}:</span> {run.reason}
              </div>
            )}
            {!run && (
              <p className="mt-3 text-sm text-slate-400">
                Pick an experiment and its configuration on the left, then <b className="text-slate-200">Start new run</b>.
                Runs train inside the daemon and keep going when this page closes; open any of them from the run list.
              </p>
            )}
          </Panel>

          <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
            {metrics.map((m, i) => (
              <Panel key={m.key} className="h-64" bodyClassName="h-full">
                <ChartFor
                  metric={m}
                  first={i === 0}
                  series={data?.series[m.key]}
                  color={CHART_COLORS[i % CHART_COLORS.length]!}
                  scrubStep={live ? null : (snapshot?.step ?? null)}
                  markers={markers}
                  notes={annotations}
                  overlay={parentId ? { label: `parent ${parentId.slice(0, 8)}`, series: parentData?.series[m.key] } : null}
                />
              </Panel>
            ))}
            {run && (
              <Panel className="h-64" bodyClassName="h-full">
                <SpectrumPanel
                  runId={run.id}
                  tensors={snapshot?.tensors}
                  snapshotCount={data?.snapshotSteps.length ?? 0}
                  spectrum={state.spectrum}
                  fetch={cmd.fetchSpectrum}
                />
              </Panel>
            )}
          </div>

          {runExperiment && (
            <Panel
              title={
                <>
                  Tensors{" "}
                  <span className="ml-1 normal-case tracking-normal text-slate-500">
                    {snapshot ? `at step ${snapshot.step}` : ""}
                    {!live && " (pinned)"}
                  </span>
                </>
              }
            >
              <div className="flex flex-wrap items-start gap-6">
                {runExperiment.views
                  .filter((v) => v.kind === "points")
                  .map((v, i) => (
                    <PointsView
                      key={`${runExperiment.id}:${i}`}
                      view={v}
                      raw={snapshot?.tensors[v.tensor]}
                      fiedler={v.fiedler ? snapshot?.tensors[v.fiedler] : undefined}
                    />
                  ))}
                <div className="flex flex-col gap-6">
                  {runExperiment.views
                    .filter((v) => v.kind === "matrix")
                    .map((v) => (
                      <MatrixFor key={v.tensor} name={v.tensor} label={v.label} tensor={snapshot?.tensors[v.tensor]} />
                    ))}
                </div>
                <div className="flex flex-col gap-6">
                  {runExperiment.views
                    .filter((v) => v.kind === "bars")
                    .map((v) => {
                      const tensor = snapshot?.tensors[v.tensor];
                      return tensor ? <Bars key={v.tensor} name={v.tensor} label={v.label} values={tensor.data} /> : null;
                    })}
                </div>
              </div>
              <div className="mt-4 border-t border-slate-800 pt-3">
                <StepScrubber
                  steps={data?.snapshotSteps ?? []}
                  live={live}
                  pinnedStep={live ? null : (state.scrub?.step ?? null)}
                  shownStep={snapshot?.step ?? null}
                  loading={!live && !!state.scrub?.requestId}
                  onScrub={(s) => run && cmd.scrub(run.id, s)}
                  onLive={cmd.live}
                />
              </div>
            </Panel>
          )}

          {run && (
            <Panel title="Comments">
              <AnnotationPanel runId={run.id} step={snapshot?.step ?? step ?? null} connected={connected} annotations={annotations} onAnnotate={cmd.annotate} />
            </Panel>
          )}

          {run && (
            <Panel title="Intervene">
              <InterventionPanel
                runId={run.id}
                config={run.config}
                live={enabled.measure}
                parameters={state.parameters}
                log={interventions}
                onIntervene={cmd.intervene}
                onNeedParameters={cmd.fetchParameters}
              />
            </Panel>
          )}

          {state.role === "owner" && target && (
            <Panel title="Share">
              <SharePanel
                runId={run?.id ?? null}
                links={state.links}
                newLink={state.newLink}
                daemonUrl={target.url}
                dashboardUrl={typeof window === "undefined" ? "" : `${window.location.origin}${window.location.pathname}`}
                onCreate={cmd.createLink}
                onRevoke={cmd.revokeLink}
                onNeedLinks={cmd.fetchLinks}
              />
            </Panel>
          )}

          {run && target && (
            <Panel title="Checkpoints">
              <CheckpointPanel
                runId={run.id}
                live={enabled.measure}
                checkpoints={state.checkpoints}
                daemonUrl={target.url}
                token={target.token}
                onSave={cmd.saveCheckpoint}
                onInject={cmd.intervene}
                onFork={cmd.fork}
                onNeedList={cmd.fetchCheckpoints}
                forkStep={run.imported ? null : (snapshot?.step ?? null)}
              />
            </Panel>
          )}

          {target && <Panel title="Report"><ReportPanel run={run} role={state.role} daemonUrl={target.url} token={target.token} onImported={cmd.select} /></Panel>}

          {run && runExperiment?.inspect && (
            <Panel title="Inspect the live model">
              <InspectPanel
                runId={run.id}
                live={enabled.measure}
                info={runExperiment.inspect}
                inspection={state.inspection}
                onInspect={cmd.inspect}
              />
            </Panel>
          )}

          <SweepPanel
            experiments={state.experiments}
            runs={runs}
            finals={state.finals}
            preferredExperiment={run?.experiment ?? null}
            connected={connected}
            onNeedFinals={cmd.fetchFinals}
          />
        </main>
      </div>

      <StatusBar
        status={status.status}
        label={label}
        detail={status.detail}
        url={status.url}
        serverVersion={status.serverVersion}
        backend={state.backend}
        onReconnect={cmd.reconnectNow}
      />
    </div>
  );
}

/**
 * Charts redraw at most CHART_REFRESH_MS apart (the newest data always lands): a fast run streams
 * hundreds of points a second and redrawing SVG charts every animation frame would starve the page.
 */
function ChartFor({
  metric,
  first,
  series,
  color,
  scrubStep,
  markers,
  notes,
  overlay,
}: {
  metric: MetricInfo;
  /** The first chart on the page (drawn ahead of the others). */
  first: boolean;
  series: SeriesView | undefined;
  color: string;
  scrubStep: number | null;
  markers: readonly number[];
  notes: readonly { step: number; text: string }[];
  overlay: { label: string; series: SeriesView | undefined } | null;
}) {
  const throttled = useThrottled(series, CHART_REFRESH_MS);
  // The first chart draws in the render that brings its data; the others follow in a render of their own, after it
  // (a 1M-step run's history lands in every chart at once, and drawing them all makes the first wait for the last).
  const deferred = useDeferredValue(throttled);
  const shown = first ? throttled : deferred;
  const latest = useMemo(() => lastValue(shown), [shown]);
  const overlaySeries = overlay?.series;
  const shownOverlay = useMemo(() => (overlay ? { label: overlay.label, series: overlaySeries } : null), [overlay?.label, overlaySeries]); // eslint-disable-line react-hooks/exhaustive-deps
  return <MetricChart metric={metric} series={shown} latest={latest} color={color} scrubStep={scrubStep} markers={markers} notes={notes} overlay={shownOverlay} />;
}

const CHART_REFRESH_MS = 250;
const NO_INTERVENTIONS: InterventionRecord[] = [];
const NO_ANNOTATIONS: Annotation[] = [];
const NO_WATCHERS: Watcher[] = [];

/**
 * `value`, but changing at most every `ms` (trailing edge: the last value always shows). A change outside the wait
 * shows in the very render that brings it (state adjusted while rendering, not by an effect after the commit), and
 * the value it mounts with starts no wait: a run's history, landing just after its empty chart mounted, draws at once.
 */
function useThrottled<T>(value: T, ms: number): T {
  const [state, setState] = useState(() => ({ shown: value, at: -Infinity }));
  let shown = state.shown;
  if (!Object.is(value, shown) && Date.now() - state.at >= ms) {
    setState({ shown: value, at: Date.now() });
    shown = value;
  }
  useEffect(() => {
    if (Object.is(value, state.shown)) return;
    const t = setTimeout(() => setState({ shown: value, at: Date.now() }), state.at + ms - Date.now());
    return () => clearTimeout(t);
  }, [value, ms, state]);
  return shown;
}

function OrreryMark() {
  return (
    <svg viewBox="0 0 24 24" className="h-5 w-5" aria-hidden>
      <circle cx="12" cy="12" r="9" fill="none" stroke="#475569" strokeWidth="1.2" />
      <circle cx="12" cy="12" r="4.5" fill="none" stroke="#475569" strokeWidth="1.2" />
      <circle cx="12" cy="12" r="1.8" fill="#f59e0b" />
      <circle cx="21" cy="12" r="1.8" fill="#818cf8" />
      <circle cx="8.8" cy="8.8" r="1.4" fill="#34d399" />
    </svg>
  );
}
