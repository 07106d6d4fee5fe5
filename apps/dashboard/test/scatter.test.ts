import { test } from "node:test";
import assert from "node:assert/strict";
import { interpolateRainbow } from "d3";
import { principalCoordinates } from "@orrery/experiments/analysis";
import { alignFrame } from "../lib/points/align.ts";
import type { Frame } from "../lib/points/frame.ts";
import { principalFrame } from "../lib/points/pca.ts";
import {
  cssWord,
  disc,
  fitPlacement,
  frameExtent,
  indexBands,
  indexPalette,
  nearestPoint,
  nextRadius,
  pixelPositions,
  rasterDots,
  rgbaWord,
  scatterRenderer,
  SCATTER_PAD,
  SCATTER_SIZE,
  SVG_MAX_POINTS,
} from "../lib/points/scatter.ts";

const frame = (k: number, values: number[]): Frame => ({ n: values.length / k, k, data: Float64Array.from(values) });

test("SVG up to SVG_MAX_POINTS points, a canvas above; a valid override wins", () => {
  assert.equal(scatterRenderer(29), "svg");
  assert.equal(scatterRenderer(SVG_MAX_POINTS), "svg");
  assert.equal(scatterRenderer(SVG_MAX_POINTS + 1), "canvas");
  assert.equal(scatterRenderer(20_001), "canvas");
  assert.equal(scatterRenderer(20_001, "svg"), "svg");
  assert.equal(scatterRenderer(29, "canvas"), "canvas");
  assert.equal(scatterRenderer(20_001, "webgl"), "canvas", "an unknown override is ignored");
});

test("the domain radius: the largest finite |x| or |y| with headroom, kept until points leave it or fit in under half", () => {
  const f = frame(3, [1, -2, 99, 0.5, NaN, -99, Infinity, 0.25, 7]);
  assert.equal(frameExtent(f), 2, "only the first two columns, only finite values");
  const r = nextRadius(null, frameExtent(f));
  assert.equal(r, 2.6);
  assert.equal(nextRadius(r, 2), r, "idempotent");
  assert.equal(nextRadius(r, 1.5), r, "inside and not below half: kept");
  assert.ok(Math.abs(nextRadius(r, 3) - 3.9) < 1e-12, "a point left: grows");
  assert.ok(Math.abs(nextRadius(r, 1) - 1.3) < 1e-12, "everything under half: shrinks");
  assert.equal(nextRadius(null, 0), 1.3e-6, "an all-zero frame still has a domain");
  assert.equal(frameExtent(frame(1, [-3, 2])), 3, "a one-column frame");
});

test("pixel positions: the domain's corners on the plot's, y up, non-finite at the origin, fitted into any box", () => {
  const r = 2;
  const f = frame(2, [-r, -r, r, r, 0, 0, NaN, 1]);
  const square = pixelPositions(f, r, fitPlacement(SCATTER_SIZE, SCATTER_SIZE));
  const lo = SCATTER_PAD;
  const hi = SCATTER_SIZE - SCATTER_PAD;
  assert.deepEqual(Array.from(square), [lo, hi, hi, lo, SCATTER_SIZE / 2, SCATTER_SIZE / 2, SCATTER_SIZE / 2, (SCATTER_SIZE / 2 + lo) / 2]);
  // Twice as big, in a wide box: scaled by 2 and centred horizontally (like an SVG viewBox with xMidYMid meet).
  const wide = pixelPositions(f, r, fitPlacement(2 * SCATTER_SIZE + 100, 2 * SCATTER_SIZE));
  assert.deepEqual(Array.from(wide.slice(0, 4)), [50 + 2 * lo, 2 * hi, 50 + 2 * hi, 2 * lo]);
  // One column: y = 0.
  assert.deepEqual(Array.from(pixelPositions(frame(1, [r]), r, fitPlacement(SCATTER_SIZE, SCATTER_SIZE))), [hi, SCATTER_SIZE / 2]);
});

test("colours: RGBA words in ImageData's byte order; the palette is the SVG's rainbow by index", () => {
  const bytes = (w: number) => Array.from(new Uint8Array(Uint32Array.of(w).buffer));
  assert.deepEqual(bytes(rgbaWord(1, 2, 3, 4)), [1, 2, 3, 4]);
  assert.deepEqual(bytes(cssWord("#020617")), [2, 6, 23, 255]);
  assert.deepEqual(bytes(cssWord("rgb(10, 20, 30)")), [10, 20, 30, 255]);
  const p = indexPalette(5);
  assert.equal(p.length, 5);
  for (let i = 0; i < 5; i++) assert.equal(p[i], cssWord(interpolateRainbow(i / 5)));
});

test("a disc: the centre, a filled core and an outline ring, symmetric", () => {
  const d = disc(1.5, 1);
  const at = new Map(Array.from(d.dx, (x, j) => [`${x},${d.dy[j]}`, d.ring[j]]));
  assert.equal(at.get("0,0"), 0);
  assert.equal(at.get("1,1"), 0, "√2 ≤ 1.5: fill");
  assert.equal(at.get("2,0"), 1, "2 > 1.5: ring");
  assert.equal(at.get("2,2"), undefined, "√8 > 2.5: outside");
  for (const key of at.keys()) {
    const [x, y] = key.split(",").map(Number) as [number, number];
    assert.equal(at.get(`${-x},${y}`), at.get(key));
    assert.equal(at.get(`${y},${x}`), at.get(key));
  }
  assert.deepEqual([disc(0.1, 0).dx.length, disc(0.1, 0).ring[0]], [1, 0], "a tiny dot is still its centre pixel");
});

test("rasterDots: each dot in its colour with an outline, fills over outlines, later fills on top, clipped at the edges", () => {
  const W = 12;
  const H = 10;
  const px = new Uint32Array(W * H);
  const dot = disc(1, 1);
  const OUT = 9;
  // Point 0 at pixel (3, 3); point 1 three pixels right of it (their discs overlap); point 2 half off the corner.
  const xy = Float32Array.of(3.5, 3.5, 6.2, 3.9, 0.5, 9.5);
  rasterDots(px, W, H, xy, 3, Uint32Array.of(1, 2, 3), dot, OUT);
  const get = (x: number, y: number) => px[y * W + x];
  assert.equal(get(3, 3), 1);
  assert.equal(get(2, 3), 1, "distance 1: fill");
  assert.equal(get(3, 1), OUT, "distance 2: ring");
  assert.equal(get(6, 3), 2);
  assert.equal(get(5, 3), 2);
  assert.equal(get(4, 3), 1, "point 0's fill stays over point 1's outline");
  // Two dots one pixel apart: the later fill covers the earlier where both fill.
  const two = new Uint32Array(W * H);
  rasterDots(two, W, H, Float32Array.of(4.5, 4.5, 5.5, 4.5), 2, Uint32Array.of(1, 2), dot, OUT);
  assert.deepEqual([two[4 * W + 3], two[4 * W + 4], two[4 * W + 5], two[4 * W + 6], two[4 * W + 7]], [1, 2, 2, 2, OUT]);
  assert.equal(get(0, 9), 3, "a dot at the edge keeps its visible part");
  assert.equal(get(11, 0), 0, "untouched pixels stay as they were");
  // The same dot near an edge and in the interior draws the same shape.
  const shape = (cx: number, cy: number) => {
    const b = new Uint32Array(W * H);
    rasterDots(b, W, H, Float32Array.of(cx + 0.5, cy + 0.5), 1, Uint32Array.of(7), dot, OUT);
    const cells: string[] = [];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (b[y * W + x]) cells.push(`${x - cx},${y - cy}:${b[y * W + x]}`);
    return cells.sort();
  };
  assert.deepEqual(shape(2, 2), shape(6, 5));
  assert.equal(shape(0, 0).length, 6, "a corner dot is clipped to its quarter");
});

test("nearestPoint: within the distance, the nearest, the later one of equals; −1 when none", () => {
  const xy = Float32Array.of(10, 10, 20, 10, 12, 10, 10, 10);
  assert.equal(nearestPoint(xy, 4, 19, 11, 5), 1);
  assert.equal(nearestPoint(xy, 4, 10, 10, 5), 3, "points 0 and 3 coincide: 3 is drawn on top");
  assert.equal(nearestPoint(xy, 4, 50, 50, 5), -1);
  assert.equal(nearestPoint(xy, 3, 10.4, 10, 5), 0, "only the first n points count");
});

test("indexBands split 0…n into contiguous ranges", () => {
  for (const [n, parts] of [
    [20_001, 64],
    [10, 64],
    [7, 3],
    [1, 64],
  ] as const) {
    const bands = indexBands(n, parts);
    assert.equal(bands.length, Math.min(n, parts));
    assert.equal(bands[0]![0], 0);
    assert.equal(bands.at(-1)![1], n);
    for (let b = 1; b < bands.length; b++) assert.equal(bands[b]![0], bands[b - 1]![1]);
  }
  assert.deepEqual(indexBands(0, 64), []);
});

test("PCA of many rows agrees with the analysis package (a row count that is no multiple of 4); NaNs count as 0", () => {
  const n = 1003;
  const d = 7;
  let s = 3;
  const E = Float64Array.from({ length: n * d }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * (1 + (i % d));
  });
  const ours = principalFrame(E, n, d, 3)!;
  const theirs: Frame = { n, k: 3, data: Float64Array.from(principalCoordinates(E, n, d, 3)) };
  const aligned = alignFrame(theirs, ours.frame).frame.data;
  for (let i = 0; i < aligned.length; i++) assert.ok(Math.abs(aligned[i]! - theirs.data[i]!) < 1e-6, `at ${i}`);

  const withNaN = Float64Array.from(E);
  withNaN[5] = NaN;
  withNaN[40] = Infinity;
  const zeroed = Float64Array.from(withNaN, (v) => (Number.isFinite(v) ? v : 0));
  assert.deepEqual(principalFrame(withNaN, n, d, 2)!.frame.data, principalFrame(zeroed, n, d, 2)!.frame.data);
});
