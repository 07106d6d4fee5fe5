import { EigenvalueDecomposition, Matrix } from "ml-matrix";

/** Eigenpairs of a real symmetric matrix, eigenvalues in descending order. */
export interface SymmetricEigen {
  n: number;
  values: Float64Array;
  /** Row k (vectors[k·n … k·n+n−1]) is the unit eigenvector of values[k]; its largest-magnitude entry is positive. */
  vectors: Float64Array;
}

/**
 * Eigenpairs of the n×n row-major symmetric `matrix` (only the lower triangle is read), by ml-matrix's
 * EigenvalueDecomposition (Householder tridiagonalisation then implicit QL, EISPACK tred2/tql2). O(n³):
 * about a quarter second for 256 nodes (the cap, MAX_GRAPH_NODES). A non-finite entry (a diverged run)
 * gives all-NaN eigenpairs rather than an exception.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (matrix.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} entries, got ${matrix.length}`);
  if (n === 0) return { n, values: new Float64Array(0), vectors: new Float64Array(0) };
  // Scaled by a power of two (exact, so the result is unchanged) to keep entries ≤ 1: the QL sweep squares
  // them, and an overflow to NaN would make ml-matrix run off the end of its arrays.
  let largest = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) largest = Math.max(largest, Math.abs(matrix[i * n + j]!));
  if (!Number.isFinite(largest)) return { n, values: new Float64Array(n).fill(NaN), vectors: new Float64Array(n * n).fill(NaN) };
  const scale = largest > 0 ? 2 ** Math.min(Math.ceil(Math.log2(largest)), 1023) : 1;
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = matrix[i * n + j]! / scale;
      m.set(i, j, x);
      m.set(j, i, x);
    }
  }
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  return canonicalEigen(n, evd.realEigenvalues.map((v) => v * scale), evd.eigenvectorMatrix);
}

/** Row k of the eigenvector matrix, as a view. */
export const eigenvector = (e: SymmetricEigen, k: number): Float64Array => e.vectors.subarray(k * e.n, (k + 1) * e.n);

/**
 * The one place ml-matrix's output is put in this module's convention: its eigenvalues come ascending with
 * eigenvectors as the columns of `V`; here they are sorted descending (stable on ties), each eigenvector is
 * copied out as a row, and flipped so that its largest-magnitude entry (the first, on ties) is positive.
 */
function canonicalEigen(n: number, values: ArrayLike<number>, V: Matrix): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[j]! - values[i]!);
  const out = new Float64Array(n * n);
  order.forEach((src, k) => {
    let big = 0;
    for (let i = 0; i < n; i++) {
      const x = V.get(i, src);
      if (Math.abs(x) > Math.abs(big)) big = x;
    }
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) out[k * n + i] = sign * V.get(i, src);
  });
  return { n, values: Float64Array.from(order, (i) => values[i]!), vectors: out };
}
