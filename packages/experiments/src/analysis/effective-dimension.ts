import { symmetricEigen } from "./eigen.ts";

/**
 * The unigram post's effective dimension of an embedding E (n×d): PCA's explained-variance ratios r_k, read
 * as a distribution, give n_eff = exp(−Σ r_k log r_k) — 1 when every row lies on one line, d when isotropic.
 */
export function effectiveDimension(E: ArrayLike<number>, n: number, d: number): number {
  const ratios = explainedVarianceRatios(E, n, d);
  let h = 0;
  for (const r of ratios) if (r > 0) h -= r * Math.log(r);
  return Math.exp(h);
}

/** Eigenvalues of the covariance of E's rows (d×d), normalised to sum 1; descending; all 0 if E is constant. */
export function explainedVarianceRatios(E: ArrayLike<number>, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += E[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = E[i * d + a]! - mean[a]!;
      for (let b = 0; b <= a; b++) cov[a * d + b]! += xa * (E[i * d + b]! - mean[b]!);
    }
  }
  const values = symmetricEigen(cov, d).values.map((v) => Math.max(v, 0));
  const total = values.reduce((s, v) => s + v, 0);
  return total > 0 ? values.map((v) => v / total) : values.fill(0);
}
