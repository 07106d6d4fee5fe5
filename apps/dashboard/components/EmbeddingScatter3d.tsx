"use client";

import { useRef, useState, type PointerEvent } from "react";
import * as d3 from "d3";

export interface Point3d {
  i: number;
  x: number;
  y: number;
  z: number;
}

/** Like the 2D scatter's radius: grows when a point leaves the ball, shrinks only below half of it. */
export function hysteresisRadius3d(current: number | null, points: readonly Point3d[]): number {
  let need = 0;
  for (const p of points) {
    const r = Math.hypot(p.x, p.y, p.z);
    if (Number.isFinite(r)) need = Math.max(need, r);
  }
  need = Math.max(need, 1e-6);
  if (current === null || need > current || need < current * 0.45) return need * 1.15;
  return current;
}

export interface Camera {
  /** Rotation about the vertical axis, radians. */
  yaw: number;
  /** Tilt towards the viewer, radians, within ±π/2. */
  pitch: number;
}

export const DEFAULT_CAMERA: Camera = { yaw: -0.6, pitch: 0.35 };

/** World (x right, y up, z towards the viewer at yaw 0) → view: [right, up, depth towards the viewer]. */
export function viewOf(c: Camera, x: number, y: number, z: number): [number, number, number] {
  const cy = Math.cos(c.yaw);
  const sy = Math.sin(c.yaw);
  const x1 = cy * x + sy * z;
  const z1 = -sy * x + cy * z;
  const cp = Math.cos(c.pitch);
  const sp = Math.sin(c.pitch);
  return [x1, cp * y - sp * z1, sp * y + cp * z1];
}

const SIZE = 420;
const HALF = SIZE / 2;
const SCALE = HALF - 36;
/** Camera distance in units of the radius: mild perspective so depth reads without distorting much. */
const DISTANCE = 4;

/**
 * Embedding rows as points in 3D under an orbit camera: drag to rotate, double-click to reset. Plain SVG:
 * points are depth-sorted (far first) and shrink and fade with distance; a faint cube and the three axes
 * (labelled with `axes`) give the rotation something to hold on to.
 */
export function EmbeddingScatter3d({ points, axes, joined = false }: { points: Point3d[]; axes: readonly string[]; joined?: boolean }) {
  const [camera, setCamera] = useState<Camera>(DEFAULT_CAMERA);
  const drag = useRef<{ x: number; y: number; camera: Camera } | null>(null);
  const radiusRef = useRef<number | null>(null);
  const r = hysteresisRadius3d(radiusRef.current, points);
  radiusRef.current = r;

  const project = (x: number, y: number, z: number) => {
    const [vx, vy, vz] = viewOf(camera, x / r, y / r, z / r);
    const f = DISTANCE / (DISTANCE - vz);
    return { sx: HALF + SCALE * f * vx, sy: HALF - SCALE * f * vy, depth: vz, f };
  };
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  const p = points.length;
  const color = (i: number) => d3.interpolateRainbow(p ? i / p : 0);
  const dotR = p <= 64 ? 6 : p <= 512 ? 3.2 : 1.8;
  const drawn = points
    .map((pt) => ({ pt, ...project(finite(pt.x), finite(pt.y), finite(pt.z)) }))
    .sort((a, b) => a.depth - b.depth);
  const byToken = new Map(drawn.map((d) => [d.pt.i, d]));

  const k = 1 / Math.sqrt(3);
  const corners = [-1, 1].flatMap((x) => [-1, 1].flatMap((y) => [-1, 1].map((z) => project(x * k * r, y * k * r, z * k * r))));
  const cubeEdges: [number, number][] = [];
  for (let a = 0; a < 8; a++) for (const bit of [1, 2, 4]) if (!(a & bit)) cubeEdges.push([a, a | bit]);
  const axisEnds = [0, 1, 2].map((c) => {
    const v = [0, 0, 0];
    v[c] = r;
    const plus = project(v[0]!, v[1]!, v[2]!);
    const minus = project(-v[0]!, -v[1]!, -v[2]!);
    return { plus, minus, label: axes[c] ?? "" };
  });

  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, camera };
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d) return;
    const scale = (2 * Math.PI) / e.currentTarget.getBoundingClientRect().width;
    const pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, d.camera.pitch + (e.clientY - d.y) * scale));
    setCamera({ yaw: d.camera.yaw + (e.clientX - d.x) * scale, pitch });
  };
  const onPointerUp = () => {
    drag.current = null;
  };

  return (
    <svg
      data-testid="scatter-3d"
      data-yaw={camera.yaw.toFixed(3)}
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      className="h-full w-full cursor-grab touch-none select-none active:cursor-grabbing"
      role="img"
      aria-label={`3D embedding scatter of ${p} points; drag to rotate`}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onDoubleClick={() => setCamera(DEFAULT_CAMERA)}
    >
      <rect x={4} y={4} width={SIZE - 8} height={SIZE - 8} fill="#0b1220" stroke="#1e293b" rx={6} />
      {cubeEdges.map(([a, b]) => (
        <line key={`c${a}-${b}`} x1={corners[a]!.sx} y1={corners[a]!.sy} x2={corners[b]!.sx} y2={corners[b]!.sy} stroke="#1e293b" />
      ))}
      {axisEnds.map(({ plus, minus, label }, c) => (
        <g key={`a${c}`}>
          <line x1={minus.sx} y1={minus.sy} x2={plus.sx} y2={plus.sy} stroke="#334155" strokeWidth={1.25} />
          <text x={plus.sx} y={plus.sy - 4} textAnchor="middle" fontSize={10} fill="#94a3b8">
            {label}
          </text>
        </g>
      ))}
      {joined &&
        p > 1 &&
        points.map((a, idx) => {
          const from = byToken.get(a.i);
          const to = byToken.get(points[(idx + 1) % p]!.i);
          if (!from || !to) return null;
          return (
            <line key={`e${a.i}`} x1={from.sx} y1={from.sy} x2={to.sx} y2={to.sy} stroke={color(a.i)} strokeOpacity={0.28} strokeWidth={1.25} />
          );
        })}
      {drawn.map(({ pt, sx, sy, depth, f }) => (
        <circle
          key={pt.i}
          data-token={pt.i}
          cx={sx}
          cy={sy}
          r={dotR * f}
          fill={color(pt.i)}
          fillOpacity={0.55 + 0.45 * Math.max(0, Math.min(1, (depth + 1) / 2))}
          stroke="#020617"
          strokeWidth={0.8}
        >
          <title>{`token ${pt.i}: (${pt.x.toFixed(3)}, ${pt.y.toFixed(3)}, ${pt.z.toFixed(3)})`}</title>
        </circle>
      ))}
      <text x={12} y={SIZE - 12} fontSize={10} fill="#475569">
        drag to rotate · double-click to reset
      </text>
    </svg>
  );
}
