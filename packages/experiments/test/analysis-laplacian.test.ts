import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  adjacencyMatrix, graphSpectrum, hopMatrix, laplacianCoordinates, randomWalkEigen, rowNormalizedLaplacian, spectralBias, symmetricEigen, type SymmetricEigen,
} from "../src/analysis/index.ts";
import { cycle, grid, irregular, pathStar } from "../src/datasets/graphs.ts";
import { Rng } from "../src/random.ts";

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;
const matVec = (m: ArrayLike<number>, v: ArrayLike<number>, n: number) =>
  Float64Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => m[i * n + j]! * v[j]!).reduce((a, b) => a + b, 0));
const row = (e: SymmetricEigen, k: number) => e.vectors.subarray(k * e.n, (k + 1) * e.n);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

function assertEigenpairs(m: ArrayLike<number>, e: SymmetricEigen, tol: number) {
  for (let k = 0; k < e.n; k++) {
    const mv = matVec(m, row(e, k), e.n);
    for (let i = 0; i < e.n; i++) assert.ok(close(mv[i]!, e.values[k]! * row(e, k)[i]!, tol), `M v_${k} = λ v_${k}`);
  }
}

function assertOrthonormal(e: SymmetricEigen, tol = 1e-9) {
  for (let a = 0; a < e.n; a++) for (let b = a; b < e.n; b++) assert.ok(close(dot(row(e, a), row(e, b)), a === b ? 1 : 0, tol));
}

const graphs = [cycle(15), pathStar(4, 5), grid(4, 4), irregular()];
const sortedDesc = (xs: number[]) => [...xs].sort((a, b) => b - a);

describe("symmetricEigen", () => {
  test("a random symmetric matrix: eigenpairs hold, vectors orthonormal, values descending", () => {
    const n = 12;
    const rng = new Rng(5);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = rng.normal();
    const e = symmetricEigen(m, n);
    assertEigenpairs(m, e, 1e-9);
    assertOrthonormal(e);
    for (let k = 1; k < n; k++) assert.ok(e.values[k - 1]! >= e.values[k]!);
  });

  test("degenerate and trivial cases: repeated eigenvalues, a zero matrix, n = 1", () => {
    const g = grid(12, 12); // many repeated eigenvalues
    const m = rowNormalizedLaplacian(g);
    const s = m.map((_, k) => m[k]! + m[(k % g.n) * g.n + Math.floor(k / g.n)]!);
    const e = symmetricEigen(s, g.n);
    assertEigenpairs(s, e, 1e-9);
    assertOrthonormal(e);
    const zero = symmetricEigen(new Float64Array(9), 3);
    assert.deepEqual([...zero.values], [0, 0, 0]);
    assertOrthonormal(zero);
    assert.deepEqual([...symmetricEigen([4], 1).vectors], [1]);
    const empty = symmetricEigen([], 0);
    assert.equal(empty.values.length + empty.vectors.length, 0);
  });

  const randomSymmetric = (n: number, seed: number) => {
    const rng = new Rng(seed);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = rng.normal();
    return m;
  };

  test("a 100×100 matrix: eigenpairs, orthonormality, and each vector's largest-magnitude entry is positive", () => {
    const n = 100;
    const m = randomSymmetric(n, 8);
    const e = symmetricEigen(m, n);
    assertEigenpairs(m, e, 1e-9);
    assertOrthonormal(e);
    for (let k = 0; k < n; k++) {
      const v = Array.from(row(e, k));
      const big = v.reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a), 0);
      assert.ok(big > 0, `vector ${k}`);
    }
    for (let k = 1; k < n; k++) assert.ok(e.values[k - 1]! >= e.values[k]!);
  });

  test("only the lower triangle is read", () => {
    const n = 7;
    const m = randomSymmetric(n, 9);
    const scribbled = m.map((x, k) => (k % n > Math.floor(k / n) ? 1e6 * Math.sin(k) : x));
    const [a, b] = [symmetricEigen(m, n), symmetricEigen(scribbled, n)];
    assert.deepEqual([...a.values], [...b.values]);
    assert.deepEqual([...a.vectors], [...b.vectors]);
  });

  test("rotating the matrix (R·M·Rᵀ) keeps the eigenvalues and rotates each eigenvector", () => {
    const n = 9;
    const m = randomSymmetric(n, 10);
    const R = symmetricEigen(randomSymmetric(n, 11), n).vectors; // an orthogonal matrix (rows orthonormal)
    const RM = new Float64Array(n * n);
    const RMRt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let r = 0; r < n; r++) RM[i * n + j]! += R[i * n + r]! * m[r * n + j]!;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let r = 0; r < n; r++) RMRt[i * n + j]! += RM[i * n + r]! * R[j * n + r]!;
    const [a, b] = [symmetricEigen(m, n), symmetricEigen(RMRt, n)];
    for (let k = 0; k < n; k++) {
      assert.ok(close(a.values[k]!, b.values[k]!, 1e-10), `eigenvalue ${k}`);
      assert.ok(close(Math.abs(dot(matVec(R, row(a, k), n), row(b, k))), 1, 1e-8), `eigenvector ${k} is rotated`);
    }
  });

  test("scale: c·M has eigenvalues c·λ for c up to the float limit; a non-finite entry gives NaN, not an exception", () => {
    const n = 6;
    const m = randomSymmetric(n, 12);
    const e = symmetricEigen(m, n);
    for (const c of [1e-300, 1e300, 1.7e308 / 8]) {
      const scaled = symmetricEigen(m.map((x) => c * x), n);
      e.values.forEach((l, k) => assert.ok(close(scaled.values[k]! / c, l, 1e-12), `c = ${c}, eigenvalue ${k}`));
      assert.ok(scaled.vectors.every((x, i) => close(x, e.vectors[i]!, 1e-12)));
    }
    for (const bad of [NaN, Infinity, -Infinity]) {
      const f = symmetricEigen(m.map((x, k) => (k === 7 ? bad : x)), n);
      assert.ok(f.values.every(Number.isNaN) && f.vectors.every(Number.isNaN), `${bad}`);
    }
  });
});

describe("hop matrices", () => {
  test("on the 8-cycle: 1 hop is the adjacency, 2 hops are i ± 2, and every pair sits at exactly one distance", () => {
    const g = cycle(8);
    assert.deepEqual([...hopMatrix(g, 1)], [...adjacencyMatrix(g)]);
    const two = hopMatrix(g, 2);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) assert.equal(two[i * 8 + j], Math.min((i - j + 8) % 8, (j - i + 8) % 8) === 2 ? 1 : 0);
    const total = new Float64Array(64);
    for (let h = 1; h <= 4; h++) hopMatrix(g, h).forEach((v, k) => (total[k]! += v));
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) assert.equal(total[i * 8 + j], i === j ? 0 : 1);
  });
});

describe("row-normalised Laplacian M = (A − D)/deg", () => {
  test("every row sums to 0 and the diagonal is −1", () => {
    for (const g of graphs) {
      const m = rowNormalizedLaplacian(g);
      for (let i = 0; i < g.n; i++) {
        const sum = Array.from(m.subarray(i * g.n, (i + 1) * g.n)).reduce((a, b) => a + b, 0);
        assert.ok(close(sum, 0, 1e-12), `${g.name} row ${i}`);
        assert.equal(m[i * g.n + i], -1);
      }
    }
  });

  test("graphSpectrum (eigenpairs of M + Mᵀ): orthonormal, and on the cycle 2cos(2πk/n) − 2", () => {
    for (const g of graphs) {
      const m = rowNormalizedLaplacian(g);
      const s = m.map((_, k) => m[k]! + m[(k % g.n) * g.n + Math.floor(k / g.n)]!);
      const e = graphSpectrum(g);
      assertOrthonormal(e);
      assertEigenpairs(s, e, 1e-9);
    }
    const n = 15;
    const e = graphSpectrum(cycle(n));
    const expected = sortedDesc(Array.from({ length: n }, (_, k) => 2 * Math.cos((2 * Math.PI * k) / n) - 2));
    expected.forEach((x, k) => assert.ok(close(e.values[k]!, x, 1e-10), `eigenvalue ${k}`));
    for (const x of row(e, 0)) assert.ok(close(x, 1 / Math.sqrt(n), 1e-10), "the top eigenvector is constant");
  });

  test("randomWalkEigen gives M's own eigenpairs (cos(2πk/n) − 1 on the cycle), also on irregular graphs", () => {
    const n = 15;
    const e = randomWalkEigen(cycle(n));
    sortedDesc(Array.from({ length: n }, (_, k) => Math.cos((2 * Math.PI * k) / n) - 1)).forEach((x, k) => assert.ok(close(e.values[k]!, x, 1e-10)));
    for (const g of graphs) assertEigenpairs(rowNormalizedLaplacian(g), randomWalkEigen(g), 1e-9);
  });

  test("the cycle's Fiedler coordinates put every node on one circle of radius² 2/n, in order", () => {
    const n = 15;
    const xyz = laplacianCoordinates(graphSpectrum(cycle(n)));
    const angles: number[] = [];
    for (let i = 0; i < n; i++) {
      assert.ok(close(xyz[i * 3]! ** 2 + xyz[i * 3 + 1]! ** 2, 2 / n, 1e-10));
      angles.push(Math.atan2(xyz[i * 3 + 1]!, xyz[i * 3]!));
    }
    for (let i = 0; i < n; i++) {
      const gap = Math.abs(Math.atan2(Math.sin(angles[(i + 1) % n]! - angles[i]!), Math.cos(angles[(i + 1) % n]! - angles[i]!)));
      assert.ok(close(gap, (2 * Math.PI) / n, 1e-8), "neighbours are one step of 2π/n apart");
    }
  });
});

describe("spectralBias", () => {
  test("an embedding spanned by the two Fiedler vectors projects 1, 1 on them and 0 elsewhere", () => {
    const n = 15;
    const spectrum = graphSpectrum(cycle(n));
    const d = 4;
    const E = new Float64Array(n * d);
    // Columns 0,1 = 3·v2 and 3·v3 rotated into a 4-dim embedding; columns 2,3 zero.
    for (let i = 0; i < n; i++) {
      E[i * d] = 3 * row(spectrum, 1)[i]!;
      E[i * d + 1] = 3 * row(spectrum, 2)[i]!;
    }
    const { eigenvalues, projections } = spectralBias(E, d, spectrum);
    assert.equal(projections.length, n - 1);
    assert.ok(close(projections[0]!, 1) && close(projections[1]!, 1));
    for (const p of projections.subarray(2)) assert.ok(close(p, 0, 1e-9));
    assert.ok(close(eigenvalues[0]!, 1), "λ_i/λ_1 after dropping the trivial one starts at 1");
    assert.ok(close(eigenvalues[2]!, (2 * Math.cos((4 * Math.PI) / n)) / (2 * Math.cos((2 * Math.PI) / n)), 1e-10));
  });
});
