"use client";

import { useState } from "react";
import type { ExperimentInfo } from "@orrery/protocol";
import { MatrixFor } from "../components/MatrixFor.tsx";
import type { InspectionView } from "../lib/state/types.ts";

/**
 * Probe a live run's model with a typed input (e.g. a token sequence) and show what it returns (each layer's
 * attention). The answer reflects the parameters at the step it names; ask again to follow training.
 */
export function InspectPanel({
  runId,
  live,
  info,
  inspection,
  onInspect,
}: {
  runId: string;
  live: boolean;
  info: NonNullable<ExperimentInfo["inspect"]>;
  inspection: InspectionView | null;
  onInspect: (runId: string, input: string) => void;
}) {
  const [input, setInput] = useState("");
  const shown = inspection && inspection.runId === runId ? inspection : null;
  const submit = () => onInspect(runId, input.trim() || info.placeholder);
  return (
    <div className="flex flex-col gap-3">
      <label className="text-xs text-slate-400" htmlFor="inspect-input">
        {info.label}
      </label>
      <div className="flex gap-2">
        <input
          id="inspect-input"
          data-testid="inspect-input"
          className="min-w-0 flex-1 rounded-md border border-slate-700 bg-slate-900 px-2 py-1 font-mono text-sm text-slate-100"
          placeholder={info.placeholder}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && live && submit()}
        />
        <button
          data-testid="btn-inspect"
          className="rounded-md bg-slate-700 px-3 py-1 text-sm text-slate-100 hover:bg-slate-600 disabled:opacity-40"
          disabled={!live}
          title={live ? "Run the model on this input now" : "Only a live (running or paused) run's model is in memory"}
          onClick={submit}
        >
          Inspect
        </button>
      </div>
      {shown && (
        <div className="flex flex-col gap-2">
          <p className="text-xs text-slate-500" data-testid="inspect-result">
            “{shown.input}” at step {shown.step}
          </p>
          <div className="flex flex-wrap gap-6">
            {shown.tensors.map((t) => (
              <MatrixFor key={t.name} name={`inspect-${t.name}`} label={t.name.replace(/_/g, " ")} tensor={t.data} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
