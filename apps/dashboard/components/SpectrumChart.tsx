"use client";

import { memo, useMemo, useState } from "react";
import { interpolateCool } from "d3";
import { AXIS, GRID, TOOLTIP, valueAxis } from "./chart-style.ts";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { spectrumRows } from "../lib/state/spectrum.ts";
import type { SpectrumView } from "../lib/state/types.ts";

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());

/** σ_1 … σ_k of one snapshot tensor against step: one line per singular value, largest first (brightest). */
export const SpectrumChart = memo(function SpectrumChart({
  tensors,
  tensor,
  onTensor,
  spectrum,
  k = 16,
}: {
  /** Tensors to choose from (the snapshot's matrices). */
  tensors: string[];
  tensor: string | null;
  onTensor: (name: string) => void;
  /** The answer for `tensor`, or null while none has arrived. */
  spectrum: SpectrumView | null;
  k?: number;
}) {
  const [log, setLog] = useState(true);
  const { rows, lines } = useMemo(
    () => (spectrum ? spectrumRows(spectrum, k, log) : { rows: [], lines: 0 }),
    [spectrum, k, log],
  );
  return (
    <div data-testid="spectrum-chart" className="flex h-full flex-col">
      <div className="mb-1 flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-medium text-slate-200">Singular values over time</h3>
        <select
          aria-label="tensor"
          data-testid="spectrum-tensor"
          value={tensor ?? ""}
          onChange={(e) => onTensor(e.target.value)}
          className="rounded bg-slate-950 px-1.5 py-0.5 text-xs text-slate-200 ring-1 ring-slate-700"
        >
          {tensors.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button
          type="button"
          onClick={() => setLog(!log)}
          title="logarithmic y axis"
          className={`rounded px-1.5 py-0.5 text-[10px] font-semibold uppercase tracking-wider ring-1 ring-inset ${
            log ? "bg-slate-700 text-slate-100 ring-slate-500" : "text-slate-500 ring-slate-700 hover:text-slate-300"
          }`}
        >
          log
        </button>
        <span className="text-[11px] text-slate-500">
          {lines > 0 ? `top ${lines} of ${spectrum?.values[0]?.length ?? lines}, ${rows.length} snapshots` : ""}
        </span>
      </div>
      <div className="min-h-0 flex-1">
        {rows.length === 0 ? (
          <div className="flex h-full items-center justify-center rounded-md border border-dashed border-slate-800 text-xs text-slate-500">
            {tensors.length === 0 ? "no matrix in this run's snapshots" : "no snapshots yet"}
          </div>
        ) : (
          <ResponsiveContainer width="100%" height="100%" minHeight={120}>
            <LineChart data={rows} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid {...GRID} />
              <XAxis dataKey="step" type="number" domain={[0, "dataMax"]} {...AXIS} allowDecimals={false} />
              <YAxis {...valueAxis(log)} tickFormatter={fmt} width={56} />
              <Tooltip
                {...TOOLTIP}
                formatter={(v, name) => [typeof v === "number" ? fmt(v) : "—", `σ${Number(String(name).slice(1)) + 1}`]}
              />
              {Array.from({ length: lines }, (_, j) => (
                <Line
                  key={j}
                  type="linear"
                  dataKey={`s${j}`}
                  stroke={interpolateCool(1 - j / Math.max(1, lines - 1))}
                  strokeWidth={j === 0 ? 1.75 : 1.1}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
});
