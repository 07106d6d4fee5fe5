import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { symmetricEigen } from "./eigen.ts";
import { gram } from "./geometry.ts";

/** Thin SVD A = U·diag(S)·Vᵀ of a row-major rows×cols matrix, k = min(rows, cols), S descending. */
export interface Svd {
  rows: number;
  cols: number;
  k: number;
  /** rows×k row-major: column j is the left singular vector of S[j]. */
  U: Float64Array;
  S: Float64Array;
  /** cols×k row-major: column j is the right singular vector of S[j]. */
  V: Float64Array;
}

/**
 * ml-matrix's SingularValueDecomposition (Golub–Kahan–Reinsch, as in JAMA; a wide matrix is decomposed through
 * its transpose). U and V come out with orthonormal columns even where singular values are (numerically) zero,
 * and S is already descending. O(rows·cols²) for rows ≥ cols. The signs of singular vector pairs are unspecified.
 * Non-finite entries give NaN (or infinite) values, never an exception.
 */
export function svd(matrix: ArrayLike<number>, rows: number, cols: number): Svd {
  if (matrix.length !== rows * cols) throw new RangeError(`svd: expected ${rows * cols} entries, got ${matrix.length}`);
  const k = Math.min(rows, cols);
  if (k === 0) return { rows, cols, k, U: new Float64Array(0), S: new Float64Array(0), V: new Float64Array(0) };
  // Scaled by a power of two (exact) so that entries near the float limit do not overflow inside the sweep.
  let largest = 0;
  for (let i = 0; i < matrix.length; i++) largest = Math.max(largest, Math.abs(matrix[i]!));
  const scale = largest > 0 && Number.isFinite(largest) ? 2 ** Math.min(Math.ceil(Math.log2(largest)), 1023) : 1;
  const a = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a.set(i, j, matrix[i * cols + j]! / scale);
  const d = new SingularValueDecomposition(a, { autoTranspose: true });
  const S = Float64Array.from({ length: k }, (_, j) => d.diagonal[j]! * scale);
  return { rows, cols, k, U: leading(d.leftSingularVectors, rows, k), S, V: leading(d.rightSingularVectors, cols, k) };
}

/** The first k columns of an ml-matrix Matrix with `rows` rows, as a row-major Float64Array. */
function leading(M: Matrix, rows: number, k: number): Float64Array {
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = M.get(i, j);
  return out;
}

export function singularValues(matrix: ArrayLike<number>, rows: number, cols: number): Float64Array {
  return svd(matrix, rows, cols).S;
}

export function transpose(matrix: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = matrix[i * cols + j]!;
  return out;
}

/** The first `count` columns of a row-major rows×cols matrix, as a rows×count matrix. */
export function leadingColumns(matrix: ArrayLike<number>, rows: number, cols: number, count: number): Float64Array {
  const out = new Float64Array(rows * count);
  for (let i = 0; i < rows; i++) for (let j = 0; j < count; j++) out[i * count + j] = matrix[i * cols + j]!;
  return out;
}

/**
 * Singular values of a tall rows×cols matrix (descending) from the eigenvalues of its cols×cols Gram matrix:
 * O(rows·cols² + cols³), fast enough for a snapshot every few dozen steps. Squaring costs precision: values
 * far below √ε·σ_max come out as ~0, which is fine for drawing a spectrum.
 */
export function singularValuesOfTall(matrix: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const g = gram(transpose(matrix, rows, cols), cols, rows);
  return Float64Array.from(symmetricEigen(g, cols).values, (l) => Math.sqrt(Math.max(0, l))).sort((a, b) => b - a);
}
