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
  // A diverged run's NaNs would poison the eigensolver; they are drawn at 0 like elsewhere.
  const X = Float64Array.from({ length: n * d }, (_, i) => (Number.isFinite(E[i]) ? E[i]! : 0));
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[i * d + j]!;
    mean /= n || 1;
    for (let i = 0; i < n; i++) X[i * d + j]! -= mean;
  }
  const out = new Float64Array(n * k);
  let explained: number[];
  if (d <= n) {
    // Covariance route: eigenvectors are directions in R^d; coordinates are X·v.
    const { values, vectors } = symmetricEigen(gram(transpose(X, n, d), d, n), d);
    for (let c = 0; c < k && c < d; c++) {
      for (let i = 0; i < n; i++) {
        let x = 0;
        for (let j = 0; j < d; j++) x += X[i * d + j]! * vectors[c * d + j]!;
        out[i * k + c] = x;
      }
    }
    explained = shares(values, k);
  } else {
    // Gram route: the unit eigenvectors u of X·Xᵀ give coordinates √λ·u.
    const { values, vectors } = symmetricEigen(gram(X, n, d), n);
    for (let c = 0; c < k && c < n; c++) {
      const s = Math.sqrt(Math.max(values[c]!, 0));
      for (let i = 0; i < n; i++) out[i * k + c] = s * vectors[c * n + i]!;
    }
    explained = shares(values, k);
  }
  return { frame: { n, k, data: out }, explained };
}

function shares(values: Float64Array, k: number): number[] {
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  return Array.from({ length: k }, (_, c) => (total > 0 && c < values.length ? Math.max(values[c]!, 0) / total : 0));
}
