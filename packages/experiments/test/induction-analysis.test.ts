import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { principalAnglesDegrees, principalCosines, singularValues, singularValuesOfTall, subspaceMatching, svd, transpose } from "../src/analysis/index.ts";
import { Rng } from "../src/random.ts";

const random = (rows: number, cols: number, seed: number) => new Rng(seed).normals(rows * cols);

/** Row-major product of a (n×k) and b (k×m). */
function multiply(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let r = 0; r < k; r++) out[i * m + j]! += a[i * k + r]! * b[r * m + j]!;
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

/** A random n×n rotation (QR of a Gaussian matrix via the SVD's U). */
const rotation = (n: number, seed: number) => svd(random(n, n, seed), n, n).U;

describe("svd", () => {
  test("a diagonal matrix's singular values are its absolute diagonal, largest first", () => {
    const d = [3, -7, 0.5, 0, 2];
    const A = new Float64Array(25);
    d.forEach((x, i) => (A[i * 5 + i] = x));
    assert.deepEqual([...svd(A, 5, 5).S].map((s) => +s.toFixed(12)), [7, 3, 2, 0.5, 0]);
  });

  for (const [rows, cols] of [[6, 6], [9, 4], [4, 9], [32, 32], [64, 64], [256, 32], [3, 40], [1, 5], [5, 1]] as const) {
    test(`U·diag(S)·Vᵀ rebuilds a random ${rows}×${cols} matrix, with orthonormal U and V`, () => {
      const A = random(rows, cols, rows * 100 + cols);
      const { U, S, V, k } = svd(A, rows, cols);
      const US = U.map((u, i) => u * S[i % k]!);
      assert.ok(maxAbsDiff(multiply(US, transpose(V, cols, k), rows, k, cols), A) < 1e-9);
      const identity = (n: number) => Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
      assert.ok(maxAbsDiff(multiply(transpose(U, rows, k), U, k, rows, k), identity(k)) < 1e-9, "UᵀU = I");
      assert.ok(maxAbsDiff(multiply(transpose(V, cols, k), V, k, cols, k), identity(k)) < 1e-9, "VᵀV = I");
      for (let i = 1; i < k; i++) assert.ok(S[i - 1]! >= S[i]!, "descending");
      assert.ok(S.every((s) => s >= 0), "non-negative");
      assert.equal(U.length, rows * k);
      assert.equal(V.length, cols * k);
    });
  }

  test("a rank-2 matrix has exactly two non-zero singular values, and U is still completed to orthonormal", () => {
    const A = multiply(random(7, 2, 1), random(2, 5, 2), 7, 2, 5);
    const { S, U } = svd(A, 7, 5);
    assert.ok(S[1]! > 1e-3);
    for (const s of S.subarray(2)) assert.ok(s < 1e-10);
    const gram = multiply(transpose(U, 7, 5), U, 5, 7, 5);
    assert.ok(maxAbsDiff(gram, Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 1 : 0))) < 1e-9);
  });

  test("a rank-deficient wide matrix: V is completed to orthonormal too", () => {
    const A = multiply(random(4, 1, 3), random(1, 9, 4), 4, 1, 9);
    const { S, V, k } = svd(A, 4, 9);
    assert.equal(k, 4);
    for (const s of S.subarray(1)) assert.ok(s < 1e-10);
    const gram = multiply(transpose(V, 9, 4), V, 4, 9, 4);
    assert.ok(maxAbsDiff(gram, Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0))) < 1e-9);
  });

  test("empty matrices and scale: c·A has singular values c·σ up to the float limit; NaN gives NaN, not an exception", () => {
    for (const [rows, cols] of [[0, 5], [5, 0], [0, 0]] as const) {
      const e = svd(new Float64Array(0), rows, cols);
      assert.equal(e.k + e.U.length + e.S.length + e.V.length, 0);
    }
    const A = Float64Array.from(random(6, 4, 8)); // (random() is float32, where c·A would underflow)
    const { S } = svd(A, 6, 4);
    for (const c of [1e-300, 1e300, 1.7e308 / 16]) {
      const scaled = svd(A.map((x) => c * x), 6, 4).S;
      S.forEach((s, i) => assert.ok(Math.abs(scaled[i]! / c - s) < 1e-12 * S[0]!, `c = ${c}, σ${i}`));
    }
    assert.ok(svd(A.map((x, i) => (i === 5 ? NaN : x)), 6, 4).S.some(Number.isNaN));
  });

  test("rotating the rows (R·A) rotates each left singular vector and keeps V up to sign", () => {
    const A = random(8, 5, 9);
    const R = rotation(8, 10);
    const a = svd(A, 8, 5);
    const b = svd(multiply(R, A, 8, 8, 5), 8, 5);
    const RU = multiply(R, a.U, 8, 8, 5);
    for (let j = 0; j < 5; j++) {
      let du = 0;
      let dv = 0;
      for (let i = 0; i < 8; i++) du += RU[i * 5 + j]! * b.U[i * 5 + j]!;
      for (let i = 0; i < 5; i++) dv += a.V[i * 5 + j]! * b.V[i * 5 + j]!;
      assert.ok(Math.abs(Math.abs(du) - 1) < 1e-9 && Math.abs(du - dv) < 1e-9, `pair ${j}: ${du} ${dv}`);
    }
  });

  test("singular values do not change under rotations on either side", () => {
    const A = random(8, 8, 5);
    const rotated = multiply(multiply(rotation(8, 6), A, 8, 8, 8), rotation(8, 7), 8, 8, 8);
    assert.ok(maxAbsDiff(svd(A, 8, 8).S, svd(rotated, 8, 8).S) < 1e-9);
  });
});

describe("principal angles", () => {
  const n = 10;
  const basis = (indices: number[]) => {
    const M = new Float64Array(n * indices.length);
    indices.forEach((axis, j) => (M[axis * indices.length + j] = 1));
    return M;
  };

  test("a subspace makes angle 0 with itself, also from a rotated and rescaled basis", () => {
    const A = random(n, 3, 11);
    const mix = Float64Array.from([2, 0.3, -1, 0, 1, 0.5, 0.1, 0, -3]); // invertible 3×3
    const B = multiply(A, mix, n, 3, 3);
    for (const angle of principalAnglesDegrees(A, B, n, 3, 3)) assert.ok(angle < 1e-5, `angle ${angle}`);
  });

  test("orthogonal subspaces are at 90° in every direction", () => {
    const angles = principalAnglesDegrees(basis([0, 1, 2]), basis([3, 4, 5, 6]), n, 3, 4);
    assert.equal(angles.length, 3);
    for (const angle of angles) assert.ok(Math.abs(angle - 90) < 1e-9);
  });

  test("a known angle: span(e0, e1) against span(e0, cos θ e1 + sin θ e2)", () => {
    const theta = (35 * Math.PI) / 180;
    const B = new Float64Array(n * 2);
    B[0] = 1;
    B[1 * 2 + 1] = Math.cos(theta);
    B[2 * 2 + 1] = Math.sin(theta);
    const angles = principalAnglesDegrees(basis([0, 1]), B, n, 2, 2);
    assert.ok(Math.abs(angles[0]!) < 1e-6 && Math.abs(angles[1]! - 35) < 1e-6, `${angles}`);
  });

  test("the angles do not change when both subspaces are rotated together", () => {
    const A = random(n, 3, 21);
    const B = random(n, 2, 22);
    const R = rotation(n, 23);
    const before = principalCosines(A, B, n, 3, 2);
    const after = principalCosines(multiply(R, A, n, n, 3), multiply(R, B, n, n, 2), n, 3, 2);
    assert.ok(maxAbsDiff(before, after) < 1e-9);
  });
});

describe("subspace matching σ_max(V_qk[:j]ᵀ·U_ov[:, :j])", () => {
  const d = 8;

  test("W_ov = W_qkᵀ writes exactly what W_qk reads: matching 1 at every j", () => {
    const Wqk = random(d, d, 31);
    for (const m of subspaceMatching(Wqk, transpose(Wqk, d, d), d)) assert.ok(Math.abs(m - 1) < 1e-9, `${m}`);
  });

  test("W_qk reads e0..e3 while W_ov writes e4..e7: matching 0 until the subspaces must meet", () => {
    const Wqk = new Float64Array(d * d);
    const Wov = new Float64Array(d * d);
    for (let i = 0; i < 4; i++) {
      Wqk[i * d + i] = 4 - i; // right singular vectors e0..e3, in that order
      Wov[(i + 4) * d + i] = 4 - i; // left singular vectors e4..e7
    }
    const m = subspaceMatching(Wqk, Wov, d);
    for (let j = 0; j < 4; j++) assert.ok(m[j]! < 1e-9, `j=${j + 1}: ${m[j]}`);
    assert.ok(Math.abs(m[d - 1]! - 1) < 1e-9, "the full space matches itself");
  });
});

test("singular values of a tall matrix via its Gram matrix match the full SVD", () => {
  const rng = new Rng(11);
  const [rows, cols] = [40, 6];
  const m = Float64Array.from(rng.normals(rows * cols));
  const exact = singularValues(m, rows, cols);
  const fast = singularValuesOfTall(m, rows, cols);
  assert.equal(fast.length, cols);
  fast.forEach((s, i) => assert.ok(Math.abs(s - exact[i]!) < 1e-9 * exact[0]!, `σ${i}: ${s} vs ${exact[i]}`));
});
