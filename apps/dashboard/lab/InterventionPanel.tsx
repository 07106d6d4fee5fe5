"use client";

import { useEffect, useMemo, useState } from "react";
import type { Intervention, InterventionRecord } from "@orrery/protocol";
import { batchSizeIntervention, dataKnobs, DIRECTIONS, SET_PRESETS, setIntervention, type Direction, type SetPreset } from "../lib/interventions.ts";
import type { ParametersView } from "../lib/state/types.ts";

const button = "rounded-md bg-slate-700 px-2.5 py-1 text-xs text-slate-100 hover:bg-slate-600 disabled:opacity-40";
const input = "rounded-md border border-slate-700 bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100";

/**
 * Reach into a live run between two steps: freeze / unfreeze parameter groups, set one to a preset or typed
 * values, change the learning rate or weight decay, and (when the run's config has those keys) its data: self-edges,
 * edge directions, batch size; below, the run's intervention log (also drawn on the charts).
 */
export function InterventionPanel({
  runId,
  live,
  parameters,
  log,
  onIntervene,
  onNeedParameters,
  config,
}: {
  runId: string;
  live: boolean;
  parameters: ParametersView | null;
  log: InterventionRecord[];
  onIntervene: (runId: string, intervention: Intervention) => void;
  onNeedParameters: (runId: string) => void;
  /** The run's config: its keys decide which data knobs the panel offers (the daemon refuses what the run can't do). */
  config?: Readonly<Record<string, unknown>>;
}) {
  const shown = parameters?.runId === runId ? parameters : null;
  // Re-read groups and settings whenever the run or its log changes (an intervention may come from a collaborator).
  useEffect(() => {
    if (live) onNeedParameters(runId);
  }, [runId, live, log.length, onNeedParameters]);

  const [group, setGroup] = useState("");
  const [preset, setPreset] = useState<SetPreset>("diag");
  const [arg, setArg] = useState("");
  const [lr, setLr] = useState("");
  const [batch, setBatch] = useState("");
  const knobs = useMemo(() => dataKnobs(config, log), [config, log]);
  const [problem, setProblem] = useState<string | null>(null);
  const target = shown?.groups.find((g) => g.name === group) ?? shown?.groups[0];
  const send = (iv: Intervention) => {
    setProblem(null);
    onIntervene(runId, iv);
  };

  return (
    <div className="flex flex-col gap-4 text-sm" data-testid="intervention-panel">
      {!live && <p className="text-xs text-slate-500">Only a live (running or paused) run can be changed.</p>}
      {shown && (
        <div className="flex flex-wrap gap-2">
          {shown.groups.map((g) => (
            <button
              key={g.name}
              data-testid={`btn-${g.frozen ? "unfreeze" : "freeze"}-${g.name}`}
              className={`${button} ${g.frozen ? "ring-1 ring-sky-400" : ""}`}
              disabled={!live}
              title={`${g.name} [${g.shape.join("×")}]: ${g.frozen ? "frozen — click to train it again" : "trained — click to freeze"}`}
              onClick={() => send({ kind: g.frozen ? "unfreeze" : "freeze", groups: [g.name] })}
            >
              {g.frozen ? "❄ " : ""}
              {g.name} <span className="text-slate-400">[{g.shape.join("×")}]</span>
            </button>
          ))}
        </div>
      )}
      {shown && target && (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs text-slate-400">Set</span>
          <select data-testid="set-group" className={input} value={target.name} onChange={(e) => setGroup(e.target.value)}>
            {shown.groups.map((g) => (
              <option key={g.name} value={g.name}>
                {g.name}
              </option>
            ))}
          </select>
          <span className="text-xs text-slate-400">to</span>
          <select data-testid="set-preset" className={input} value={preset} onChange={(e) => setPreset(e.target.value as SetPreset)}>
            {Object.keys(SET_PRESETS).map((p) => (
              <option key={p} value={p}>
                {p.replace("_", " ")}
              </option>
            ))}
          </select>
          {SET_PRESETS[preset] && (
            <input data-testid="set-arg" className={`${input} w-56`} placeholder={SET_PRESETS[preset]} value={arg} onChange={(e) => setArg(e.target.value)} />
          )}
          <button
            data-testid="btn-set"
            className={button}
            disabled={!live}
            onClick={() => {
              const iv = setIntervention(target.name, preset, arg, target.shape);
              if (typeof iv === "string") setProblem(iv);
              else send(iv);
            }}
          >
            Apply
          </button>
        </div>
      )}
      {shown && (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs text-slate-400">Learning rate</span>
          <input data-testid="hyper-lr" className={`${input} w-28`} placeholder={String(shown.lr)} value={lr} onChange={(e) => setLr(e.target.value)} />
          <button
            data-testid="btn-hyper"
            className={button}
            disabled={!live}
            onClick={() => {
              const value = Number(lr);
              if (!(value > 0)) setProblem(`"${lr}" is not a positive learning rate`);
              else send({ kind: "hyper", lr: value });
            }}
          >
            Apply
          </button>
          <span className="text-xs text-slate-500">weight decay {shown.weightDecay}</span>
        </div>
      )}
      {Object.keys(knobs).length > 0 && (
        <div className="flex flex-wrap items-center gap-2" data-testid="data-row">
          <span className="text-xs text-slate-400">Data</span>
          {knobs.self_edges !== undefined && (
            <button
              data-testid="btn-self-edges"
              className={`${button} ${knobs.self_edges ? "ring-1 ring-sky-400" : ""}`}
              disabled={!live}
              title={knobs.self_edges ? "self-edges u→u are trained — click to remove them" : "click to add self-edges u→u to the training pairs"}
              onClick={() => send({ kind: "data", self_edges: !knobs.self_edges })}
            >
              self-edges {knobs.self_edges ? "on" : "off"}
            </button>
          )}
          {knobs.direction !== undefined && (
            <>
              <span className="text-xs text-slate-400">edges</span>
              <select
                data-testid="data-direction"
                className={input}
                disabled={!live}
                value={knobs.direction}
                onChange={(e) => send({ kind: "data", direction: e.target.value as Direction })}
              >
                {DIRECTIONS.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </>
          )}
          {knobs.batch_size !== undefined && (
            <>
              <span className="text-xs text-slate-400">batch size</span>
              <input data-testid="data-batch-size" className={`${input} w-20`} placeholder={String(knobs.batch_size)} value={batch} onChange={(e) => setBatch(e.target.value)} />
              <button
                data-testid="btn-batch-size"
                className={button}
                disabled={!live}
                onClick={() => {
                  const iv = batchSizeIntervention(batch);
                  if (typeof iv === "string") setProblem(iv);
                  else send(iv);
                }}
              >
                Apply
              </button>
            </>
          )}
        </div>
      )}
      {problem && (
        <p className="text-xs text-rose-300" role="alert">
          {problem}
        </p>
      )}
      <ol data-testid="intervention-log" className="flex max-h-48 flex-col gap-1 overflow-y-auto font-mono text-xs text-slate-300">
        {log.length === 0 && <li className="text-slate-500">No interventions yet.</li>}
        {log.map((r) => (
          <li key={r.seq}>
            <span className="text-amber-300">step {r.step}</span> · <span className="text-slate-400">{r.by}</span> · {r.summary}
          </li>
        ))}
      </ol>
    </div>
  );
}
