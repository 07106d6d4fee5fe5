"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { ExperimentInfo } from "@orrery/protocol";
import { sweepOf, variedKeys } from "../lib/sweep.ts";
import type { RunView } from "../lib/state/types.ts";
import { SweepChart, seriesColor } from "./SweepChart.tsx";
import { Panel } from "./ui.tsx";

/**
 * Compares the finished runs of one experiment (e.g. an `orrery sweep`): a final metric against a numeric
 * config key that varies across them, with the log-log slope of each series. Shown once some experiment has
 * two or more finished runs that differ in a numeric key.
 */
export function SweepPanel({
  experiments,
  runs,
  finals,
  preferredExperiment,
  connected,
  onNeedFinals,
}: {
  experiments: ExperimentInfo[];
  runs: RunView[];
  finals: Record<string, Record<string, number | null>>;
  /** The experiment of the run on screen, picked first when it has a sweep. */
  preferredExperiment: string | null;
  connected: boolean;
  onNeedFinals: (runIds: string[]) => void;
}) {
  const finishedBy = useMemo(() => {
    const out = new Map<string, RunView[]>();
    for (const r of runs) if (r.state === "finished") out.set(r.experiment, [...(out.get(r.experiment) ?? []), r]);
    return out;
  }, [runs]);
  const sweepable = experiments.filter((e) => variedKeys(finishedBy.get(e.id) ?? []).length > 0);

  const [experimentId, setExperimentId] = useState<string | null>(null);
  const experiment =
    sweepable.find((e) => e.id === experimentId) ?? sweepable.find((e) => e.id === preferredExperiment) ?? sweepable[0] ?? null;
  const expRuns = useMemo(() => (experiment ? (finishedBy.get(experiment.id) ?? []) : []), [experiment, finishedBy]);
  const keys = useMemo(() => variedKeys(expRuns), [expRuns]);
  const [keyChoice, setKeyChoice] = useState<string | null>(null);
  const key = keyChoice !== null && keys.includes(keyChoice) ? keyChoice : (keys[0] ?? null);
  const [metricChoice, setMetricChoice] = useState<string | null>(null);
  const metrics = experiment?.metrics ?? [];
  const metric = metrics.find((m) => m.key === metricChoice) ?? metrics[0] ?? null;
  const [logLog, setLogLog] = useState(true);

  // Finished runs never change, so each one's finals are asked for once per connection.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (!connected) {
      asked.current.clear();
      return;
    }
    const missing = expRuns.filter((r) => !finals[r.id] && !asked.current.has(r.id)).map((r) => r.id);
    if (missing.length === 0) return;
    for (const id of missing) asked.current.add(id);
    onNeedFinals(missing);
  }, [expRuns, finals, connected, onNeedFinals]);

  const sweep = useMemo(
    () => (metric && key ? sweepOf(expRuns, finals, metric.key, key) : null),
    [expRuns, finals, metric, key],
  );
  if (!experiment) return null;

  const select = "rounded border border-slate-700 bg-slate-900 px-1.5 py-1 text-xs text-slate-200";
  return (
    <Panel
      title="Sweep"
      aside={<span className="text-[11px] text-slate-500">finished runs of one experiment, final values</span>}
    >
      <div data-testid="sweep-panel" className="space-y-3">
        <div className="flex flex-wrap items-center gap-3 text-xs text-slate-400">
          <label className="flex items-center gap-1.5">
            experiment
            <select data-testid="sweep-experiment" className={select} value={experiment.id} onChange={(e) => setExperimentId(e.target.value)}>
              {sweepable.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.title}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1.5">
            final
            <select data-testid="sweep-metric" className={select} value={metric?.key ?? ""} onChange={(e) => setMetricChoice(e.target.value)}>
              {metrics.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1.5">
            against
            <select data-testid="sweep-key" className={select} value={key ?? ""} onChange={(e) => setKeyChoice(e.target.value)}>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1.5">
            <input data-testid="sweep-loglog" type="checkbox" checked={logLog} onChange={(e) => setLogLog(e.target.checked)} />
            log-log
          </label>
          <span className="ml-auto">
            {expRuns.length} runs{sweep && sweep.pending > 0 ? `, ${sweep.pending} loading` : ""}
            {sweep && sweep.skipped > 0 ? `, ${sweep.skipped} without a value` : ""} · seeds averaged (geometric mean) per point
          </span>
        </div>
        {sweep && metric && key && (
          <>
            <SweepChart series={sweep.series} logLog={logLog} xLabel={key} yLabel={metric.label} />
            <ul className="flex flex-wrap gap-x-6 gap-y-1 font-mono text-xs">
              {sweep.series.map((s, i) => (
                <li key={s.label || "all"} data-testid="sweep-slope" data-slope={s.slope ?? ""} className="flex items-center gap-2">
                  <span className="inline-block h-2 w-2 rounded-full" style={{ background: seriesColor(i) }} />
                  {s.label && <span className="text-slate-400">{s.label}</span>}
                  <span className="text-slate-100">
                    {s.slope === null ? "slope needs two positive points" : `log-log slope ${s.slope.toFixed(3)}`}
                  </span>
                  <span className="text-slate-500">({s.means.length} values of {key})</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </Panel>
  );
}
