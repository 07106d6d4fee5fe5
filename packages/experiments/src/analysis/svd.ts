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
 * One-sided Jacobi (Hestenes): rotate pairs of columns until all are orthogonal; their norms are then the
 * singular values. Accurate and simple; O(rows·cols²) per sweep, meant for matrices up to about 64×64.
 * Left singular vectors of (numerically) zero singular values are completed to an orthonormal set.
 */
export function svd(matrix: ArrayLike<number>, rows: number, cols: number): Svd {
  if (matrix.length !== rows * cols) throw new RangeError(`svd: expected ${rows * cols} entries, got ${matrix.length}`);
  if (rows < cols) {
    const t = svd(transpose(matrix, rows, cols), cols, rows);
    return { rows, cols, k: t.k, U: t.V, S: t.S, V: t.U };
  }
  const m = rows;
  const n = cols;
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = a[i * n + p]!;
          const y = a[i * n + q]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotateColumns(a, m, n, p, q, c, s);
        rotateColumns(v, n, n, p, q, c, s);
      }
    }
    if (!rotated) break;
  }

  const norms = Array.from({ length: n }, (_, j) => {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += a[i * n + j]! ** 2;
    return Math.sqrt(sum);
  });
  const order = norms.map((_, j) => j).sort((i, j) => norms[j]! - norms[i]!);
  const largest = norms[order[0]!] ?? 0;
  const U = new Float64Array(m * n);
  const S = new Float64Array(n);
  const V = new Float64Array(n * n);
  const dead: number[] = [];
  order.forEach((from, to) => {
    const sigma = norms[from]!;
    S[to] = sigma;
    if (sigma > 1e-13 * largest && sigma > 0) for (let i = 0; i < m; i++) U[i * n + to] = a[i * n + from]! / sigma;
    else dead.push(to);
    for (let i = 0; i < n; i++) V[i * n + to] = v[i * n + from]!;
  });
  completeColumns(U, m, n, dead);
  return { rows, cols, k: n, U, S, V };
}

/** Fills the listed (zero) columns of the m×n matrix Q with unit vectors orthogonal to all other columns. */
function completeColumns(Q: Float64Array, m: number, n: number, columns: number[]): void {
  const filled = new Set(Array.from({ length: n }, (_, j) => j).filter((j) => !columns.includes(j)));
  let axis = 0;
  for (const col of columns) {
    for (; axis < m; axis++) {
      const x = new Float64Array(m);
      x[axis] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const j of filled) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += Q[i * n + j]! * x[i]!;
          for (let i = 0; i < m; i++) x[i]! -= dot * Q[i * n + j]!;
        }
      }
      const norm = Math.hypot(...x);
      if (norm > 0.5) {
        for (let i = 0; i < m; i++) Q[i * n + col] = x[i]! / norm;
        filled.add(col);
        axis++;
        break;
      }
    }
  }
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

function rotateColumns(a: Float64Array, m: number, n: number, p: number, q: number, c: number, s: number): void {
  for (let i = 0; i < m; i++) {
    const x = a[i * n + p]!;
    const y = a[i * n + q]!;
    a[i * n + p] = c * x - s * y;
    a[i * n + q] = s * x + c * y;
  }
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
