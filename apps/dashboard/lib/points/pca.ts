import { gram, symmetricEigen, transpose } from "@orrery/experiments/analysis";
import type { Frame } from "./frame.ts";

/** Beyond this many dimensions (and points), an eigendecomposition per frame would stall the page. */
export const MAX_PCA_SIZE = 400;

export interface Principal {
  frame: Frame;
  /** Share of the total variance on each of the k axes. */
  explained: number[];
}

/**
 * The rows of E (n×d, row-major) on their top-k principal axes (centred). Decomposes whichever of the d×d
 * covariance and the n×n Gram matrix is smaller (same nonzero spectrum): O(n·m² + m³) with m = min(n, d).
 * Axes past E's rank come out as zero columns. null when m > MAX_PCA_SIZE.
 */
export function principalFrame(E: ArrayLike<number>, n: number, d: number, k: number): Principal | null {
  const m = Math.min(n, d);
  if (m > MAX_PCA_SIZE) return null;
  // A diverged run's NaNs would poison the eigensolver; they are drawn at 0 like elsewhere. This runs on every
  // live frame, for up to tens of thousands of points: the centred columns are copied out once (column-major),
  // so every later loop runs down one long contiguous column.
  const X = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const col = j * n;
    let sum = 0;
    for (let i = 0, o = j; i < n; i++, o += d) {
      const v = E[o]!;
      const x = Number.isFinite(v) ? v : 0;
      X[col + i] = x;
      sum += x;
    }
    const mean = sum / (n || 1);
    for (let i = 0; i < n; i++) X[col + i]! -= mean;
  }
  const out = new Float64Array(n * k);
  let explained: number[];
  if (d <= n) {
    // Covariance route: eigenvectors are directions in R^d; coordinates are X·v.
    const C = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) C[a * d + b] = C[b * d + a] = columnDot(X, a * n, b * n, n);
    const { values, vectors } = symmetricEigen(C, d);
    for (let c = 0; c < k && c < d; c++) {
      for (let j = 0; j < d; j++) {
        const w = vectors[c * d + j]!;
        const col = j * n;
        for (let i = 0, o = c; i < n; i++, o += k) out[o]! += w * X[col + i]!;
      }
    }
    explained = shares(values, k);
  } else {
    // Gram route: the unit eigenvectors u of X·Xᵀ give coordinates √λ·u.
    const { values, vectors } = symmetricEigen(gram(transpose(X, d, n), n, d), n);
    for (let c = 0; c < k && c < n; c++) {
      const s = Math.sqrt(Math.max(values[c]!, 0));
      for (let i = 0; i < n; i++) out[i * k + c] = s * vectors[c * n + i]!;
    }
    explained = shares(values, k);
  }
  return { frame: { n, k, data: out }, explained };
}

/** ⟨X[a … a+n), X[b … b+n)⟩, four partial sums at a time. */
function columnDot(X: Float64Array, a: number, b: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += X[a + i]! * X[b + i]!;
    s1 += X[a + i + 1]! * X[b + i + 1]!;
    s2 += X[a + i + 2]! * X[b + i + 2]!;
    s3 += X[a + i + 3]! * X[b + i + 3]!;
  }
  for (; i < n; i++) s0 += X[a + i]! * X[b + i]!;
  return s0 + s1 + s2 + s3;
}

function shares(values: Float64Array, k: number): number[] {
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  return Array.from({ length: k }, (_, c) => (total > 0 && c < values.length ? Math.max(values[c]!, 0) / total : 0));
}
