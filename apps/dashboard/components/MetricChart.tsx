"use client";

import { memo, useMemo, useRef, useState } from "react";
import { ticks as niceTicks } from "d3";
import { AXIS, GRID, TOOLTIP, valueAxis } from "./chart-style.ts";
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { MetricInfo } from "@orrery/protocol";
import { chartBuckets, chartPoints, positiveOnly, type ChartPoint } from "../lib/state/selectors.ts";
import type { SeriesView } from "../lib/state/types.ts";
import { useElementSize } from "./useElementSize.ts";

const fmt = (v: number) => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
};

/** Tick labels with enough digits to tell neighbouring ticks apart when the range is narrow (3.2514 vs 3.2515). */
function tickFormatter(points: ChartPoint[]): (v: number) => string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p.value === null) continue;
    lo = Math.min(lo, p.value);
    hi = Math.max(hi, p.value);
  }
  const span = hi - lo;
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(span > 0) || !(magnitude > 0)) return fmt;
  const digits = Math.min(10, Math.max(4, Math.ceil(Math.log10(magnitude / span)) + 2));
  return (v) => (digits <= 4 ? fmt(v) : Number(v.toPrecision(digits)).toString());
}

const NO_MARKERS: readonly number[] = [];
const NO_NOTES: readonly { step: number; text: string }[] = [];

const fmtStep = (v: number) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : String(v));

const MARGIN = { top: 6, right: 12, bottom: 0, left: 0 };
const Y_AXIS_WIDTH = 60;
const MIN_HEIGHT = 120;
const ZERO_BOX = { width: 0, height: 0, overflow: "visible" } as const;

/**
 * One metric over steps, with the experiment's reference line (e.g. the optimum) dashed. The series is thinned to
 * min/max buckets for the plot's pixel width (chartBuckets), measured before the first paint.
 */
export const MetricChart = memo(function MetricChart({
  metric,
  series,
  latest,
  color = "#818cf8",
  scrubStep,
  markers = NO_MARKERS,
  overlay = null,
  notes = NO_NOTES,
}: {
  metric: MetricInfo;
  series: SeriesView | undefined;
  latest: number | null;
  color?: string;
  /** The step the tensor views are pinned to, drawn as a vertical marker. */
  scrubStep?: number | null;
  /** Steps where the run was intervened in (drawn as amber ticks; the intervention log says what). */
  markers?: readonly number[];
  /** Comments pinned to steps (drawn as sky-blue lines; the Comments panel lists their text). */
  notes?: readonly { step: number; text: string }[];
  /** Another run's curve drawn faintly behind this one (a fork's parent), with its label. */
  overlay?: { label: string; series: SeriesView | undefined } | null;
}) {
  const plotBox = useRef<HTMLDivElement>(null);
  const size = useElementSize(plotBox);
  const buckets = chartBuckets(size ? size.width - Y_AXIS_WIDTH - MARGIN.left - MARGIN.right : null);
  const points = useMemo(() => chartPoints(series, buckets), [series, buckets]);
  const overlaySeries = overlay?.series;
  const overlayPoints = useMemo(() => (overlaySeries ? chartPoints(overlaySeries, buckets) : null), [overlaySeries, buckets]);
  const ref = metric.reference;
  const [logWanted, setLog] = useState(metric.logScale ?? false);
  const logOk = points.some((p) => p.value !== null && p.value > 0);
  const log = logWanted && logOk;
  const positive = useMemo(() => positiveOnly(points), [points]);
  const plotted = log ? positive.points : points;
  const refShown = ref && (!log || ref.value > 0) ? ref : undefined;
  const yTicks = useMemo(() => (log ? fmt : tickFormatter(plotted)), [log, plotted]);
  const lastStep = points.length ? points[points.length - 1]!.step : 0;
  const xTicks = useMemo(() => niceTicks(0, Math.max(1, lastStep), 5).filter((t) => Number.isInteger(t)), [lastStep]);
  return (
    <div data-testid={`chart-${metric.key}`} className="flex h-full flex-col">
      <div className="mb-1 flex items-baseline justify-between gap-2">
        <h3 className="flex items-center gap-2 text-sm font-medium text-slate-200">
          {metric.label}
          <button
            type="button"
            onClick={() => setLog(!logWanted)}
            disabled={!logOk}
            title="logarithmic y axis"
            className={`rounded px-1.5 py-0.5 text-[10px] font-semibold uppercase tracking-wider ring-1 ring-inset disabled:opacity-30 ${
              log ? "bg-slate-700 text-slate-100 ring-slate-500" : "text-slate-500 ring-slate-700 hover:text-slate-300"
            }`}
          >
            log
          </button>
          {log && positive.hidden > 0 && (
            <span className="text-[10px] text-slate-500" title="values ≤ 0 have no place on a log axis">
              {positive.hidden} ≤ 0 hidden
            </span>
          )}
        </h3>
        <span className="font-mono text-lg tabular-nums text-slate-50">
          <span data-testid={`latest-${metric.key}`}>{latest === null ? "—" : fmt(latest)}</span>
          {ref && (
            <span className="ml-2 text-xs text-slate-500">
              {ref.label}: {fmt(ref.value)}
            </span>
          )}
        </span>
      </div>
      <div ref={plotBox} className="min-h-0 flex-1">
        {size === null ? null : points.length === 0 ? (
          <div className="flex h-full items-center justify-center rounded-md border border-dashed border-slate-800 text-xs text-slate-500">
            no points yet
          </div>
        ) : (
          // A zero-size box the chart overflows (as recharts' ResponsiveContainer does), so the plot area can still shrink.
          <div style={ZERO_BOX}>
            <LineChart width={size.width} height={Math.max(MIN_HEIGHT, size.height)} data={plotted} margin={MARGIN}>
              {/* The vertical grid lines at the x axis's own ticks: left to itself, the grid's first pass (before the
                  axes register) takes every data point for a tick and measures each label's text in the DOM. */}
              <CartesianGrid {...GRID} verticalValues={xTicks} />
              <XAxis
                dataKey="step"
                type="number"
                domain={[0, "dataMax"]}
                ticks={xTicks}
                tickFormatter={fmtStep}
                {...AXIS}
                allowDecimals={false}
              />
              <YAxis {...valueAxis(log)} tickFormatter={yTicks} width={Y_AXIS_WIDTH} />
              <Tooltip
                {...TOOLTIP}
                formatter={(v) => [typeof v === "number" ? fmt(v) : "NaN", metric.label]}
              />
              {refShown && (
                <ReferenceLine
                  y={refShown.value}
                  stroke="#f59e0b"
                  strokeDasharray="6 4"
                  ifOverflow="extendDomain"
                  label={{ value: refShown.label, position: "insideBottomRight", fill: "#f59e0b", fontSize: 11 }}
                />
              )}
              {notes.map((n, i) => (
                <ReferenceLine key={`n${i}`} x={n.step} stroke="#38bdf8" strokeDasharray="2 2" ifOverflow="hidden" label={{ value: "✎", position: "top", fill: "#38bdf8", fontSize: 10 }} />
              ))}
              {markers.map((step, i) => (
                <ReferenceLine key={`m${i}`} x={step} stroke="#f59e0b" strokeOpacity={0.7} ifOverflow="hidden" data-testid="intervention-marker" />
              ))}
              {scrubStep !== null && scrubStep !== undefined && (
                <ReferenceLine x={scrubStep} stroke="#64748b" strokeDasharray="3 3" ifOverflow="hidden" />
              )}
              {overlay && overlayPoints && (
                <Line
                  data={log ? positiveOnly(overlayPoints).points : overlayPoints}
                  name={overlay.label}
                  type="linear"
                  dataKey="value"
                  stroke="#64748b"
                  strokeDasharray="4 3"
                  strokeWidth={1.25}
                  dot={false}
                  isAnimationActive={false}
                />
              )}
              <Line
                type="linear"
                dataKey="value"
                stroke={color}
                strokeWidth={1.75}
                dot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            </LineChart>
          </div>
        )}
      </div>
    </div>
  );
});
