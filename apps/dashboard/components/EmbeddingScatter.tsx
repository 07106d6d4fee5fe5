"use client";

import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type PointerEvent } from "react";
import * as d3 from "d3";
import type { Frame } from "../lib/points/frame.ts";
import {
  cssWord,
  disc,
  dotRadius,
  fitPlacement,
  frameExtent,
  indexBands,
  indexColor,
  indexPalette,
  nearestPoint,
  nextRadius,
  pixelPositions,
  rasterDots,
  scatterRenderer,
  SCATTER_PAD as PAD,
  SCATTER_SIZE as SIZE,
} from "../lib/points/scatter.ts";
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
  return nextRadius(current, need);
}

/** `?scatter=svg` or `?scatter=canvas` in the page's address forces a renderer (benchmarks, comparisons). */
function rendererOverride(): string | null {
  return typeof window === "undefined" ? null : new URLSearchParams(window.location.search).get("scatter");
}

/**
 * Embedding rows (the frame's first two columns) as points coloured by index i/n (a cyclic scale); `joined`:
 * also the path i → i+1 (walk order); `axes`: names of the x and y axes (e.g. "PC1 (62%)"). Up to
 * SVG_MAX_POINTS points are SVG elements (labels up to 64, a title per point); more are rasterised on a canvas
 * over the same SVG axes, redrawn once per animation frame with the newest snapshot, with a tooltip on hover.
 */
export function EmbeddingScatter({
  frame,
  showLabels,
  joined = false,
  axes,
}: {
  frame: Frame;
  showLabels?: boolean;
  joined?: boolean;
  axes?: readonly string[];
}) {
  const radiusRef = useRef<number | null>(null);
  const r = nextRadius(radiusRef.current, frameExtent(frame));
  radiusRef.current = r;
  return scatterRenderer(frame.n, rendererOverride()) === "canvas" ? (
    <CanvasScatter frame={frame} r={r} joined={joined} axes={axes} />
  ) : (
    <SvgScatter frame={frame} r={r} joined={joined} axes={axes} showLabels={showLabels} />
  );
}

const scales = (r: number) => ({
  x: d3.scaleLinear().domain([-r, r]).range([PAD, SIZE - PAD]),
  y: d3.scaleLinear().domain([-r, r]).range([SIZE - PAD, PAD]),
});

/** The plot's background, grid, tick labels and axis names (SVG elements in scatter units). */
const PlotAxes = memo(
  function PlotAxes({ r, axes }: { r: number; axes?: readonly string[] }) {
    const { x, y } = scales(r);
    const ticks = x.ticks(5);
    return (
      <>
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
      </>
    );
  },
  (a, b) => a.r === b.r && a.axes?.join("\u0000") === b.axes?.join("\u0000"),
);

function SvgScatter({ frame, r, joined, axes, showLabels }: { frame: Frame; r: number; joined: boolean; axes?: readonly string[]; showLabels?: boolean }) {
  const { x, y } = scales(r);
  const p = frame.n;
  const points = toPoints2d(frame);
  const labels = showLabels ?? p <= 64;
  const dotR = dotRadius(p);
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  return (
    <svg
      data-testid="scatter"
      data-renderer="svg"
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      className="h-full w-full select-none"
      role="img"
      aria-label={`embedding scatter of ${p} points`}
    >
      <PlotAxes r={r} axes={axes} />
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
              stroke={indexColor(i, p)}
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
            fill={indexColor(pt.i, p)}
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

const toPoints2d = (f: Frame): Point2d[] =>
  Array.from({ length: f.n }, (_, i) => ({ i, x: f.data[i * f.k]!, y: f.k > 1 ? f.data[i * f.k + 1]! : 0 }));

const OUTLINE = cssWord("#020617");
/** Edges are drawn in this many colour bands (one stroke each) instead of one colour per edge. */
const EDGE_BANDS = 64;

interface Drawn {
  frame: Frame;
  xy: Float32Array;
  dpr: number;
}

/** The canvas renderer: the same SVG axes underneath, the points (and edges) rasterised above them. */
function CanvasScatter({ frame, r, joined, axes }: { frame: Frame; r: number; joined: boolean; axes?: readonly string[] }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const latest = useRef({ frame, r, joined });
  latest.current = { frame, r, joined };
  const cache = useRef<{ palette: Uint32Array; image: ImageData | null; draws: number }>({ palette: new Uint32Array(0), image: null, draws: 0 });
  const drawn = useRef<Drawn | null>(null);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const pending = useRef(0);
  const [hover, setHover] = useState<{ i: number; left: number; top: number; text: string } | null>(null);

  const pick = useCallback(() => {
    const d = drawn.current;
    const at = pointer.current;
    const i = d && at ? nearestPoint(d.xy, d.frame.n, at.x * d.dpr, at.y * d.dpr, 6 * d.dpr) : -1;
    if (!d || i < 0) return setHover(null);
    const x = d.frame.data[i * d.frame.k]!;
    const y = d.frame.k > 1 ? d.frame.data[i * d.frame.k + 1]! : 0;
    setHover({ i, left: d.xy[2 * i]! / d.dpr, top: d.xy[2 * i + 1]! / d.dpr, text: `token ${i}: (${x.toFixed(3)}, ${y.toFixed(3)})` });
  }, []);

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext("2d", { willReadFrequently: true });
    if (!canvas || !ctx) return;
    const { frame: f, r: radius, joined: join } = latest.current;
    const c = cache.current;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const place = fitPlacement(w, h);
    if (c.palette.length !== f.n) c.palette = indexPalette(f.n);
    const xy = pixelPositions(f, radius, place);
    let image: ImageData;
    if (join && f.n > 1) {
      ctx.clearRect(0, 0, w, h);
      ctx.globalAlpha = 0.28;
      ctx.lineWidth = 1.25 * place.scale;
      for (const [start, end] of indexBands(f.n, EDGE_BANDS)) {
        ctx.beginPath();
        ctx.moveTo(xy[2 * start]!, xy[2 * start + 1]!);
        for (let i = start + 1; i <= end; i++) {
          const j = i % f.n;
          ctx.lineTo(xy[2 * j]!, xy[2 * j + 1]!);
        }
        ctx.strokeStyle = indexColor((start + end - 1) / 2, f.n);
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
      image = ctx.getImageData(0, 0, w, h);
    } else {
      image = c.image && c.image.width === w && c.image.height === h ? c.image : ctx.createImageData(w, h);
      new Uint32Array(image.data.buffer).fill(0);
    }
    c.image = image;
    const unit = place.scale;
    const radiusPx = dotRadius(f.n) * unit;
    rasterDots(new Uint32Array(image.data.buffer), w, h, xy, f.n, c.palette, disc(radiusPx - 0.5 * unit, unit), OUTLINE);
    ctx.putImageData(image, 0, 0);
    drawn.current = { frame: f, xy, dpr };
    c.draws += 1;
    canvas.dataset.draws = String(c.draws);
    if (pointer.current) pick();
  }, [pick]);

  const schedule = useCallback(() => {
    if (pending.current) return;
    pending.current = requestAnimationFrame(() => {
      pending.current = 0;
      draw();
    });
  }, [draw]);

  // A new snapshot (or domain, or joining) is drawn at the next frame; snapshots that arrive faster coalesce.
  useLayoutEffect(schedule, [frame, r, joined, schedule]);
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(schedule);
    observer.observe(canvas);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(pending.current);
      pending.current = 0;
    };
  }, [schedule]);

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const box = canvasRef.current?.getBoundingClientRect();
    if (!box) return;
    pointer.current = { x: e.clientX - box.left, y: e.clientY - box.top };
    pick();
  };
  const onPointerLeave = () => {
    pointer.current = null;
    setHover(null);
  };

  return (
    <div
      data-testid="scatter"
      data-renderer="canvas"
      className="relative h-full w-full select-none"
      role="img"
      aria-label={`embedding scatter of ${frame.n} points`}
      onPointerMove={onPointerMove}
      onPointerLeave={onPointerLeave}
    >
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} className="absolute inset-0 h-full w-full" aria-hidden="true">
        <PlotAxes r={r} axes={axes} />
      </svg>
      <canvas ref={canvasRef} data-testid="scatter-canvas" className="absolute inset-0 h-full w-full" />
      {hover && (
        <div
          data-testid="scatter-tooltip"
          data-token={hover.i}
          role="tooltip"
          className="pointer-events-none absolute z-10 -translate-x-1/2 -translate-y-full whitespace-nowrap rounded border border-slate-700 bg-slate-900/95 px-1.5 py-0.5 text-[10px] text-slate-200"
          style={{ left: hover.left, top: hover.top - 6 }}
        >
          {hover.text}
        </div>
      )}
    </div>
  );
}
