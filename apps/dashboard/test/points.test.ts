import { test } from "node:test";
import assert from "node:assert/strict";
import { principalCoordinates } from "@orrery/experiments/analysis";
import { alignFrame } from "../lib/points/align.ts";
import { column, reorder, type Frame } from "../lib/points/frame.ts";
import { principalFrame } from "../lib/points/pca.ts";
import { projectPoints } from "../lib/points/project.ts";

/** A deterministic pseudo-random n×k frame. */
function frameOf(n: number, k: number, seed = 1): Frame {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return { n, k, data: Float64Array.from({ length: n * k }, rand) };
}

const flip = (f: Frame, j: number): Frame => reorder(f, [...Array(f.k).keys()], [...Array(f.k).keys()].map((c) => (c === j ? -1 : 1)));

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `at ${i}: ${a[i]} vs ${b[i]}`);
};

test("a frame aligned to itself is unchanged", () => {
  for (const k of [1, 2, 3]) {
    const f = frameOf(20, k, k);
    const a = alignFrame(f, f);
    assert.deepEqual(a.order, [...Array(k).keys()]);
    assert.deepEqual(a.signs, Array(k).fill(1));
    assert.deepEqual(a.frame.data, f.data);
  }
});

test("flipping any input axis's sign gives the same aligned output, with or without a previous frame", () => {
  const prev = frameOf(30, 3, 7);
  const next = frameOf(30, 3, 8);
  for (const reference of [prev, null]) {
    const base = alignFrame(reference, next).frame.data;
    for (let j = 0; j < 3; j++) {
      assert.deepEqual(alignFrame(reference, flip(next, j)).frame.data, base, `axis ${j}, reference ${reference ? "prev" : "none"}`);
      assert.deepEqual(alignFrame(reference, flip(flip(next, j), (j + 1) % 3)).frame.data, base);
    }
  }
});

test("a mirrored frame with two axes swapped (eigenvalues crossing) is put back onto the previous one", () => {
  const prev = frameOf(25, 3, 3);
  // The same geometry slightly moved, then its axes reported as (−c2, c0, c1).
  const moved: Frame = { ...prev, data: prev.data.map((v, i) => v + 0.01 * Math.sin(i)) };
  const scrambled = reorder(moved, [2, 0, 1], [-1, 1, 1]);
  const a = alignFrame(prev, scrambled);
  near(a.frame.data, moved.data, 1e-12);
  assert.deepEqual(a.order, [1, 2, 0]);
});

test("order is kept unless a permutation is strictly closer", () => {
  // Two identical columns: swapping them is no better, so the identity order stays.
  const prev: Frame = { n: 3, k: 2, data: Float64Array.from([1, 1, 2, 2, -1, -1]) };
  assert.deepEqual(alignFrame(prev, prev).order, [0, 1]);
});

test("without a comparable previous frame, each column's largest entry becomes positive", () => {
  const f: Frame = { n: 3, k: 2, data: Float64Array.from([1, -5, -3, 2, 2, 1]) };
  const a = alignFrame(null, f);
  assert.deepEqual(a.signs, [-1, -1]);
  assert.deepEqual(Array.from(column(a.frame, 0)), [-1, 3, -2]);
  // A different number of points is not comparable either.
  assert.deepEqual(alignFrame(frameOf(4, 2), f).signs, [-1, -1]);
});

test("browser PCA agrees with the analysis package's principal coordinates, up to sign, on both routes", () => {
  for (const [n, d] of [
    [12, 5], // covariance route (d ≤ n)
    [6, 9], // Gram route (d > n)
  ] as const) {
    const E = frameOf(n, d, n + d).data;
    const ours = principalFrame(E, n, d, 3)!;
    const theirs: Frame = { n, k: 3, data: Float64Array.from(principalCoordinates(E, n, d, 3)) };
    near(alignFrame(theirs, ours.frame).frame.data, theirs.data, 1e-4);
    assert.ok(ours.explained[0]! >= ours.explained[1]! && ours.explained[1]! >= ours.explained[2]!);
    assert.ok(ours.explained.reduce((a, b) => a + b, 0) <= 1 + 1e-9);
  }
});

test("projectPoints: raw columns, a Fiedler tensor, PCA of a 2-d embedding in 3D (a zero third axis)", () => {
  const raw = { shape: [4, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
  const r = projectPoints(raw, undefined, { projection: "raw", dims: 2, columns: [2, 0] });
  assert.ok(r.ok);
  assert.deepEqual(Array.from(r.frame.data), [3, 1, 6, 4, 9, 7, 12, 10]);
  assert.deepEqual(r.axes, ["dim 2", "dim 0"]);
  assert.equal(r.alignable, false);

  const missing = projectPoints(raw, undefined, { projection: "fiedler", dims: 3, columns: [] });
  assert.equal(missing.ok, false);
  const fiedler = projectPoints(raw, raw, { projection: "fiedler", dims: 3, columns: [] });
  assert.ok(fiedler.ok && fiedler.alignable);
  assert.deepEqual(fiedler.axes, ["Eᵀv2", "Eᵀv3", "Eᵀv4"]);

  const flat = { shape: [5, 2], data: Float32Array.from([0, 0, 1, 0, 0, 1, -1, 0, 0, -1]) };
  const p = projectPoints(flat, undefined, { projection: "pca", dims: 3, columns: [] });
  assert.ok(p.ok);
  near(column(p.frame, 2), [0, 0, 0, 0, 0]);
  assert.match(p.axes[0]!, /^PC1 \(50%\)$/);
});
