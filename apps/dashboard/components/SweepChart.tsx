"use client";

import * as d3 from "d3";
import type { SweepSeries } from "../lib/sweep.ts";

const W = 560;
const H = 320;
const M = { left: 56, right: 16, top: 12, bottom: 36 };
const COLORS = ["#818cf8", "#34d399", "#f472b6", "#38bdf8", "#fbbf24", "#a78bfa"];

export const seriesColor = (i: number) => COLORS[i % COLORS.length]!;

/**
 * Final metric against a config key: each run a small dot, the per-x mean over seeds joined by a line, and on
 * log-log axes the fitted power law dashed. Points that log axes cannot place (≤ 0) are left out and counted.
 */
export function SweepChart({ series, logLog, xLabel, yLabel }: { series: SweepSeries[]; logLog: boolean; xLabel: string; yLabel: string }) {
  const placeable = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!logLog || (x > 0 && y > 0));
  const runs = series.flatMap((s) => s.runs).filter((r) => placeable(r.x, r.y));
  const hidden = series.reduce((n, s) => n + s.runs.length, 0) - runs.length;
  const xs = runs.map((r) => r.x);
  const ys = runs.map((r) => r.y);
  const pad = (lo: number, hi: number): [number, number] => (lo !== hi ? [lo, hi] : logLog ? [lo / 2, hi * 2] : [lo - 1, hi + 1]);
  const scale = (values: number[], range: [number, number]) => {
    const s: d3.ScaleContinuousNumeric<number, number> = logLog ? d3.scaleLog() : d3.scaleLinear();
    const [lo, hi] = values.length ? pad(Math.min(...values), Math.max(...values)) : [1, 10];
    // A "nice" log domain would round out to whole decades and squeeze a sweep over 1…20 into a corner.
    return logLog ? s.domain([lo / 1.15, hi * 1.15]).range(range) : s.domain([lo, hi]).range(range).nice();
  };
  const x = scale(xs, [M.left, W - M.right]);
  const y = scale(ys, [H - M.bottom, M.top]);
  const fmt = d3.format("~g");
  const xTicks = x.ticks(6);
  const yTicks = y.ticks(5);
  // On log axes the scale's own format leaves most minor ticks unlabelled ("").
  const xFmt = x.tickFormat(6, "~g");
  const yFmt = y.tickFormat(5, "~g");

  return (
    <svg data-testid="sweep-chart" viewBox={`0 0 ${W} ${H}`} className="h-auto w-full max-w-[640px] select-none" role="img" aria-label={`${yLabel} against ${xLabel}`}>
      <rect x={M.left} y={M.top} width={W - M.left - M.right} height={H - M.top - M.bottom} fill="#0b1220" stroke="#1e293b" rx={4} />
      {xTicks.map((t) => (
        <g key={`x${t}`}>
          <line x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} stroke="#1e293b" />
          <text x={x(t)} y={H - M.bottom + 14} textAnchor="middle" fontSize={10} fill="#64748b">
            {xFmt(t)}
          </text>
        </g>
      ))}
      {yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#1e293b" />
          <text x={M.left - 6} y={y(t) + 3} textAnchor="end" fontSize={10} fill="#64748b">
            {yFmt(t)}
          </text>
        </g>
      ))}
      <text x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle" fontSize={11} fill="#94a3b8">
        {xLabel}
        {logLog ? " (log)" : ""}
      </text>
      <text transform={`translate(12 ${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle" fontSize={11} fill="#94a3b8">
        {yLabel}
        {logLog ? " (log)" : ""}
      </text>
      {series.map((s, si) => {
        const color = seriesColor(si);
        const means = s.means
          .map((m) => ({ x: m.x, y: logLog ? m.geoMean : m.mean }))
          .filter((m): m is { x: number; y: number } => m.y !== null && placeable(m.x, m.y));
        const line = d3
          .line<{ x: number; y: number }>()
          .x((m) => x(m.x))
          .y((m) => y(m.y));
        const fitted =
          logLog && s.slope !== null && s.intercept !== null && means.length >= 2
            ? [means[0]!.x, means[means.length - 1]!.x].map((v) => ({ x: v, y: Math.exp(s.intercept! + s.slope! * Math.log(v)) }))
            : null;
        return (
          <g key={s.label || "all"}>
            {fitted && <path d={line(fitted) ?? ""} stroke={color} strokeDasharray="5 4" strokeOpacity={0.7} fill="none" />}
            <path d={line(means) ?? ""} stroke={color} strokeWidth={1.5} fill="none" />
            {means.map((m) => (
              <circle key={`m${m.x}`} cx={x(m.x)} cy={y(m.y)} r={4} fill={color} stroke="#020617" />
            ))}
            {s.runs
              .filter((r) => placeable(r.x, r.y))
              .map((r) => (
                <circle key={r.runId} data-run-id={r.runId} cx={x(r.x)} cy={y(r.y)} r={2.5} fill={color} fillOpacity={0.45}>
                  <title>{`${r.runId}: ${xLabel} = ${fmt(r.x)}, ${yLabel} = ${r.y.toPrecision(4)}`}</title>
                </circle>
              ))}
          </g>
        );
      })}
      {hidden > 0 && (
        <text x={W - M.right - 6} y={M.top + 14} textAnchor="end" fontSize={10} fill="#fbbf24">
          {hidden} run{hidden === 1 ? "" : "s"} ≤ 0 not shown on log axes
        </text>
      )}
    </svg>
  );
}
