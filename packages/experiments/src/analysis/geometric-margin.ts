import { symmetricEigen } from "./eigen.ts";
import { gram } from "./geometry.ts";

/**
 * The GM repo's "skewed" geometric margin of a TinyNN (EXPERIMENTS.md §3B): with E = U S Vᵀ and λ_i = v_iᵀ W v_i,
 * the logits E·V·diag(λ)·Vᵀ·Eᵀ = U·diag(s_i² λ_i)·Uᵀ keep only what W does along E's own singular directions.
 * `margin` is the mean over source nodes of (max true-neighbour logit − max non-neighbour logit), self excluded;
 * positive means the neighbours are stored geometrically. `top1` is the % of sources whose best non-self
 * skewed logit is a true neighbour. E is n×d and W d×d (either layout: vᵀWv = vᵀWᵀv), both row-major.
 */
export function geometricMargin(
  E: ArrayLike<number>,
  W: ArrayLike<number>,
  n: number,
  d: number,
  neighbours: readonly ReadonlySet<number>[],
): { margin: number; top1: number } {
  const logits = skewedLogits(E, W, n, d);
  let marginSum = 0;
  let counted = 0;
  let hits = 0;
  let sources = 0;
  for (let u = 0; u < n; u++) {
    const targets = neighbours[u]!;
    let bestTrue = -Infinity;
    let bestFalse = -Infinity;
    for (let w = 0; w < n; w++) {
      if (w === u) continue;
      const x = logits[u * n + w]!;
      if (targets.has(w)) bestTrue = Math.max(bestTrue, x);
      else bestFalse = Math.max(bestFalse, x);
    }
    if (bestTrue === -Infinity) continue;
    sources++;
    if (bestTrue > bestFalse) hits++;
    if (bestFalse > -Infinity) (marginSum += bestTrue - bestFalse), counted++;
  }
  return { margin: counted ? marginSum / counted : NaN, top1: sources ? (100 * hits) / sources : NaN };
}

/** U·diag(s_i² λ_i)·Uᵀ from the eigenpairs of E·Eᵀ = U S² Uᵀ, with v_i = Eᵀu_i / s_i. */
export function skewedLogits(E: ArrayLike<number>, W: ArrayLike<number>, n: number, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(gram(E, n, d), n);
  const out = new Float64Array(n * n);
  const tol = 1e-10 * Math.max(values[0]!, 0);
  const v = new Float64Array(d);
  const wv = new Float64Array(d);
  for (let i = 0; i < n && values[i]! > tol; i++) {
    const s = Math.sqrt(values[i]!);
    v.fill(0);
    for (let r = 0; r < n; r++) {
      const ur = vectors[i * n + r]!;
      for (let j = 0; j < d; j++) v[j]! += (ur * E[r * d + j]!) / s;
    }
    let lambda = 0;
    wv.fill(0);
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) wv[r]! += W[r * d + c]! * v[c]!;
    for (let r = 0; r < d; r++) lambda += v[r]! * wv[r]!;
    const weight = values[i]! * lambda;
    for (let a = 0; a < n; a++) {
      const ua = vectors[i * n + a]! * weight;
      for (let b = 0; b < n; b++) out[a * n + b]! += ua * vectors[i * n + b]!;
    }
  }
  return out;
}
