import { test } from "node:test";
import assert from "node:assert/strict";
import { bridgeOverlap, defaultBridgeRank, embeddingSplit, principalCosines, svd } from "../src/analysis/index.ts";
import { Rng } from "../src/random.ts";

const V = 10;
const d = 8;
/** A random n×n orthogonal matrix, row-major (the U of a Gaussian matrix's SVD). */
const rotation = (n: number, seed: number) => svd(new Rng(seed).normals(n * n), n, n).U;
const Q = rotation(d, 1); // W_E's right singular vectors, by column
const P = rotation(V, 2);

/** Σ_j s_j · a_j b_jᵀ for columns a_j of A (rows×·) and b_j of B (d×·). */
function fromColumns(A: Float64Array, rows: number, aCols: number, B: Float64Array, bCols: number, terms: Array<[number, number, number]>): Float64Array {
  const out = new Float64Array(rows * d);
  for (const [s, a, b] of terms) for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) out[i * d + j]! += s * A[i * aCols + a]! * B[j * bCols + b]!;
  return out;
}

// W_E = Σ s_j p_j q_jᵀ: one large, four medium (split of 8: 1, 4, 3), three small singular values.
const E = fromColumns(P, V, V, Q, d, [20, 5, 4.5, 4, 3.5, 0.3, 0.2, 0.1].map((s, j) => [s, j, j]));
/** W_qk whose right singular vectors are the listed columns of Q, with singular values `s`. */
const qkReading = (cols: number[], s: number[]) => fromColumns(rotation(d, 3), d, d, Q, d, cols.map((c, j) => [s[j]!, j, c]));
const round = (xs: Float64Array) => [...xs].map((x) => +x.toFixed(6));

test("the split follows Zhong's 1 / ~35 / rest of 64", () => {
  assert.deepEqual(embeddingSplit(64), { top: [0, 1], medium: [1, 36], bottom: [36, 64] });
  assert.deepEqual(embeddingSplit(32), { top: [0, 1], medium: [1, 19], bottom: [19, 32] });
  assert.deepEqual(embeddingSplit(8), { top: [0, 1], medium: [1, 5], bottom: [5, 8] });
  assert.throws(() => embeddingSplit(2), /at least 3/);
});

test("a bridge inside one part of W_E's spectrum: cosines 1 there and 0 against the others", () => {
  const inTop = bridgeOverlap(qkReading([0], [3]), E, V, d, 1);
  assert.deepEqual([round(inTop.top), round(inTop.medium), round(inTop.bottom)], [[1], [0], [0]]);
  const inMedium = bridgeOverlap(qkReading([2], [3]), E, V, d, 1);
  assert.deepEqual([round(inMedium.top), round(inMedium.medium), round(inMedium.bottom)], [[0], [1], [0]]);
  const topAndBottom = bridgeOverlap(qkReading([0, 6], [3, 2]), E, V, d, 2);
  assert.deepEqual([round(topAndBottom.top), round(topAndBottom.medium), round(topAndBottom.bottom)], [[1], [0, 0], [1, 0]]);
});

test("the default bridge rank is d/8, at least 1", () => {
  assert.deepEqual([8, 32, 64, 4].map(defaultBridgeRank), [1, 4, 8, 1]);
  const byDefault = bridgeOverlap(qkReading([1, 3], [3, 2.9]), E, V, d);
  assert.equal(byDefault.k, 1);
});

test("principal cosines ignore which basis spans a subspace", () => {
  const n = 6;
  const A = new Rng(4).normals(n * 3);
  const B = new Rng(5).normals(n * 2);
  const R = rotation(3, 6);
  const AR = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) for (let r = 0; r < 3; r++) AR[i * 3 + j]! += A[i * 3 + r]! * R[r * 3 + j]!;
  assert.deepEqual(round(principalCosines(A, AR, n, 3, 3)), [1, 1, 1], "a subspace against a rotated basis of itself");
  assert.deepEqual(round(principalCosines(AR, B, n, 3, 2)), round(principalCosines(A, B, n, 3, 2)));
});
