"use client";

import { useRef } from "react";
import * as d3 from "d3";
import type { Point2d } from "../lib/state/selectors.ts";

/**
 * Origin-centred square domain with hysteresis: grows (with headroom) when a point leaves it and shrinks
 * only when everything fits in less than half of it, so points visibly move instead of the axes jumping.
 * Idempotent: applying it twice to the same points gives the same radius.
 */
export function hysteresisRadius(current: number | null, points: readonly Point2d[]): number {
  let need = 0;
  for (const p of points) {
    if (Number.isFinite(p.x)) need = Math.max(need, Math.abs(p.x));
    if (Number.isFinite(p.y)) need = Math.max(need, Math.abs(p.y));
  }
  need = Math.max(need, 1e-6);
  if (current === null || need > current || need < current * 0.45) return need * 1.3;
  return current;
}

const SIZE = 420;
const PAD = 28;

/**
 * Embedding rows as points coloured by index i/n (a cyclic scale); `joined`: also the path i → i+1 (walk order);
 * `axes`: names of the x and y axes (e.g. "PC1 (62%)").
 */
export function EmbeddingScatter({
  points,
  showLabels,
  joined = false,
  axes,
}: {
  points: Point2d[];
  showLabels?: boolean;
  joined?: boolean;
  axes?: readonly string[];
}) {
  const radiusRef = useRef<number | null>(null);
  const r = hysteresisRadius(radiusRef.current, points);
  radiusRef.current = r;
  const x = d3.scaleLinear().domain([-r, r]).range([PAD, SIZE - PAD]);
  const y = d3.scaleLinear().domain([-r, r]).range([SIZE - PAD, PAD]);
  const p = points.length;
  const color = (i: number) => d3.interpolateRainbow(p ? i / p : 0);
  const labels = showLabels ?? p <= 64;
  const dotR = p <= 64 ? 7 : p <= 512 ? 3.5 : 2;
  const ticks = x.ticks(5);
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  return (
    <svg
      data-testid="scatter"
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      className="h-full w-full select-none"
      role="img"
      aria-label={`embedding scatter of ${p} points`}
    >
      <rect x={PAD} y={PAD} width={SIZE - 2 * PAD} height={SIZE - 2 * PAD} fill="#0b1220" stroke="#1e293b" rx={6} />
      {ticks.map((t) => (
        <g key={`t${t}`}>
          <line x1={x(t)} x2={x(t)} y1={PAD} y2={SIZE - PAD} stroke="#1e293b" strokeWidth={t === 0 ? 1.5 : 1} />
          <line x1={PAD} x2={SIZE - PAD} y1={y(t)} y2={y(t)} stroke="#1e293b" strokeWidth={t === 0 ? 1.5 : 1} />
          <text x={x(t)} y={SIZE - PAD + 14} textAnchor="middle" fontSize={10} fill="#64748b">
            {d3.format("~g")(t)}
          </text>
          <text x={PAD - 6} y={y(t) + 3} textAnchor="end" fontSize={10} fill="#64748b">
            {d3.format("~g")(t)}
          </text>
        </g>
      ))}
      {axes && (
        <g fontSize={10} fill="#94a3b8">
          <text x={SIZE - PAD - 4} y={SIZE - PAD - 6} textAnchor="end">
            {axes[0]} →
          </text>
          <text x={PAD + 6} y={PAD + 14}>
            ↑ {axes[1]}
          </text>
        </g>
      )}
      {joined &&
        p > 1 &&
        points.map((a, i) => {
          const b = points[(i + 1) % p]!;
          return (
            <line
              key={`e${i}`}
              x1={x(finite(a.x))}
              y1={y(finite(a.y))}
              x2={x(finite(b.x))}
              y2={y(finite(b.y))}
              stroke={color(i)}
              strokeOpacity={0.28}
              strokeWidth={1.25}
            />
          );
        })}
      {points.map((pt) => (
        <g key={pt.i}>
          <circle
            data-token={pt.i}
            cx={x(finite(pt.x))}
            cy={y(finite(pt.y))}
            r={dotR}
            fill={color(pt.i)}
            stroke="#020617"
            strokeWidth={1}
          >
            <title>{`token ${pt.i}: (${pt.x.toFixed(3)}, ${pt.y.toFixed(3)})`}</title>
          </circle>
          {labels && (
            <text
              x={x(finite(pt.x))}
              y={y(finite(pt.y)) + 3.5}
              textAnchor="middle"
              fontSize={9}
              fontWeight={600}
              fill="#020617"
              pointerEvents="none"
            >
              {pt.i}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
