import { color as d3color, interpolateRainbow } from "d3";
import type { Frame } from "./frame.ts";

/**
 * The 2D scatter's numbers, apart from drawing: its square domain, where each point lands in pixels, its colours,
 * and the raster of many points into an RGBA pixel buffer (the canvas renderer; SVG draws small sets).
 */

/** The scatter's drawing in its own units (an SVG viewBox of SIZE×SIZE, the plot inset by PAD). */
export const SCATTER_SIZE = 420;
export const SCATTER_PAD = 28;

/**
 * Up to this many points the scatter is SVG (one element per point: labels, a title each, testable DOM), which
 * covers every graph the graph experiments build (MAX_GRAPH_NODES); above, a canvas. Measured with snapshots at
 * 60/s in headless Chromium on 2 busy cores: SVG redrew 42/s at 81 points, 31/s at 201, 24/s at 501, 14/s at 997
 * and 1/s at 20,001; the canvas 49–51/s at all of these sizes.
 */
export const SVG_MAX_POINTS = 256;

export type ScatterRenderer = "svg" | "canvas";

/** Which renderer draws n points; `override` ("svg" or "canvas", e.g. from the page's ?scatter=) wins when valid. */
export function scatterRenderer(n: number, override?: string | null): ScatterRenderer {
  if (override === "svg" || override === "canvas") return override;
  return n > SVG_MAX_POINTS ? "canvas" : "svg";
}

/** The largest finite |coordinate| on the frame's first two columns (0 when none). */
export function frameExtent(f: Frame): number {
  let need = 0;
  const cols = Math.min(f.k, 2);
  for (let i = 0; i < f.n; i++) {
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(f.data[i * f.k + c]!);
      if (v > need && Number.isFinite(v)) need = v;
    }
  }
  return need;
}

/**
 * Origin-centred square domain with hysteresis: grows (with headroom) when a point leaves it and shrinks only
 * when everything fits in less than half of it, so points visibly move instead of the axes jumping. `need` is
 * the largest |coordinate| to show. Idempotent: applying it twice to the same need gives the same radius.
 */
export function nextRadius(current: number | null, need: number): number {
  need = Math.max(need, 1e-6);
  if (current === null || need > current || need < current * 0.45) return need * 1.3;
  return current;
}

/** Where the scatter's units land on a surface: pixel = offset + scale · unit (per axis). */
export interface Placement {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** A SIZE×SIZE drawing fitted, centred, into width×height pixels (as an SVG viewBox with xMidYMid meet). */
export function fitPlacement(width: number, height: number): Placement {
  const scale = Math.min(width, height) / SCATTER_SIZE;
  return { scale, offsetX: (width - scale * SCATTER_SIZE) / 2, offsetY: (height - scale * SCATTER_SIZE) / 2 };
}

/**
 * Each point's position (x, y interleaved) in pixels: the frame's first two columns on the domain [−r, r]²,
 * mapped to the plot area (y up) and placed. Non-finite coordinates are drawn at 0, as the SVG scatter does.
 * A one-column frame has y = 0. Writes into `out` when it has room (reused between frames).
 */
export function pixelPositions(f: Frame, radius: number, place: Placement, out?: Float32Array): Float32Array {
  const xy = out && out.length >= 2 * f.n ? out : new Float32Array(2 * f.n);
  const span = SCATTER_SIZE - 2 * SCATTER_PAD;
  const unit = (span / (2 * radius)) * place.scale;
  const x0 = place.offsetX + place.scale * (SCATTER_PAD + span / 2);
  const y0 = place.offsetY + place.scale * (SCATTER_PAD + span / 2);
  for (let i = 0; i < f.n; i++) {
    const x = f.data[i * f.k]!;
    const y = f.k > 1 ? f.data[i * f.k + 1]! : 0;
    xy[2 * i] = x0 + unit * (Number.isFinite(x) ? x : 0);
    xy[2 * i + 1] = y0 - unit * (Number.isFinite(y) ? y : 0);
  }
  return xy;
}

/** A dot's radius (scatter units) when n points are drawn: big enough for labels up to 64, small for many. */
export const dotRadius = (n: number): number => (n <= 64 ? 7 : n <= 512 ? 3.5 : 2);

/** Point i of n's colour: a cyclic rainbow over i/n (CSS). */
export const indexColor = (i: number, n: number): string => interpolateRainbow(n ? i / n : 0);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One RGBA pixel as the 32-bit word whose bytes are r, g, b, a in memory order (an ImageData pixel). */
export function rgbaWord(r: number, g: number, b: number, a = 255): number {
  return LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

/** A CSS colour as an RGBA word (opaque black when unreadable). */
export function cssWord(css: string): number {
  const c = d3color(css)?.rgb();
  return c ? rgbaWord(Math.round(c.r), Math.round(c.g), Math.round(c.b), Math.round(255 * (c.opacity ?? 1))) : rgbaWord(0, 0, 0);
}

/** indexColor(i, n) for every i, as RGBA words. */
export function indexPalette(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = cssWord(indexColor(i, n));
  return out;
}

/** A dot's pixels around its centre pixel: the fill (distance ≤ fill) and its outline ring (≤ fill + outline). */
export interface Disc {
  dx: Int8Array;
  dy: Int8Array;
  ring: Uint8Array;
}

/** The pixels of a dot of radius `fill` px with an `outline` px ring, centred on a pixel (at least the centre). */
export function disc(fill: number, outline: number): Disc {
  const outer = Math.min(fill + outline, 60);
  const reach = Math.ceil(outer);
  const dx: number[] = [];
  const dy: number[] = [];
  const ring: number[] = [];
  for (let y = -reach; y <= reach; y++) {
    for (let x = -reach; x <= reach; x++) {
      const d = Math.hypot(x, y);
      if (d > outer && !(x === 0 && y === 0)) continue;
      dx.push(x);
      dy.push(y);
      ring.push(d > fill && !(x === 0 && y === 0) ? 1 : 0);
    }
  }
  return { dx: Int8Array.from(dx), dy: Int8Array.from(dy), ring: Uint8Array.from(ring) };
}

/**
 * Draws dots into a width×height RGBA buffer (row-major pixels as words): point i at xy[2i], xy[2i+1] (pixels)
 * in colour[i], with an `outline`-coloured ring. Two passes: every outline first, then every fill in index order
 * (a later point's fill covers an earlier one's), so a dense crowd shows its colours, outlined only at its edges,
 * where thousands of per-point outlines would paint it dark. Pixels off the buffer are skipped.
 */
export function rasterDots(
  pixels: Uint32Array,
  width: number,
  height: number,
  xy: Float32Array,
  n: number,
  colors: Uint32Array,
  dot: Disc,
  outline: number,
): void {
  const m = dot.dx.length;
  let reach = 0;
  for (let j = 0; j < m; j++) reach = Math.max(reach, Math.abs(dot.dx[j]!), Math.abs(dot.dy[j]!));
  for (const pass of [1, 0]) {
    // This pass's pixels of the disc, as offsets (a dot wholly inside the buffer, nearly every one, is written
    // through them) and as dx, dy (one near an edge is clipped).
    const js = Array.from({ length: m }, (_, j) => j).filter((j) => dot.ring[j] === pass);
    const dx = Int32Array.from(js, (j) => dot.dx[j]!);
    const dy = Int32Array.from(js, (j) => dot.dy[j]!);
    const offset = Int32Array.from(js, (j) => dot.dy[j]! * width + dot.dx[j]!);
    const count = js.length;
    for (let i = 0; i < n; i++) {
      const cx = Math.floor(xy[2 * i]!);
      const cy = Math.floor(xy[2 * i + 1]!);
      const c = pass ? outline : colors[i]!;
      if (cx >= reach && cy >= reach && cx < width - reach && cy < height - reach) {
        const base = cy * width + cx;
        for (let j = 0; j < count; j++) pixels[base + offset[j]!] = c;
        continue;
      }
      for (let j = 0; j < count; j++) {
        const x = cx + dx[j]!;
        const y = cy + dy[j]!;
        if (x >= 0 && y >= 0 && x < width && y < height) pixels[y * width + x] = c;
      }
    }
  }
}

/**
 * The point drawn nearest to (x, y) within `maxDistance` (pixels, like xy), or −1. Of equally near points the
 * later one wins: it is the one drawn on top.
 */
export function nearestPoint(xy: Float32Array, n: number, x: number, y: number, maxDistance: number): number {
  let best = -1;
  let bestD = maxDistance * maxDistance;
  for (let i = 0; i < n; i++) {
    const ex = xy[2 * i]! - x;
    const ey = xy[2 * i + 1]! - y;
    const d = ex * ex + ey * ey;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** Contiguous index ranges [start, end) of about equal size, `parts` of them (fewer when n is smaller). */
export function indexBands(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, n));
  const out: [number, number][] = [];
  for (let b = 0; b < k; b++) {
    const start = Math.round((b * n) / k);
    const end = Math.round(((b + 1) * n) / k);
    if (end > start) out.push([start, end]);
  }
  return out;
}
