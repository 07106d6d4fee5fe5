import type { Rng } from "../random.ts";
import { circleWalkExact } from "./circle-walk.ts";

/**
 * A stationary bigram source on V tokens: x ~ π, then y ~ T[x]. Exact loss weights are π_x·T[x,y]; the best
 * achievable loss is the conditional entropy H = Σ_x π_x·H(T[x]).
 */
export interface BigramSource {
  V: number;
  pi: Float64Array;
  /** Row-stochastic V×V, row-major. */
  T: Float64Array;
  entropy: number;
}

export type BigramData = "walk" | "drift" | "zipf";

/** p_i ∝ i^−α, i = 1…V (Zipf at α = 1). */
export function zipfProbabilities(V: number, alpha: number): Float64Array {
  const p = Float64Array.from({ length: V }, (_, i) => (i + 1) ** -alpha);
  const total = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / total);
}

/** Shannon entropy in nats. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) h -= p[i]! * Math.log(p[i]!);
  return h;
}

/**
 * walk: x → x±1 (mod V), ½ each (Bigram-1/2/4). drift: x → x+1 always (Bigram-1's right-only walk).
 * zipf: x and y independent, both ~ i^−α (the unigram post). The walks' stationary law is uniform.
 */
export function bigramSource(data: BigramData, V: number, alpha: number): BigramSource {
  const T = new Float64Array(V * V);
  let pi: Float64Array;
  if (data === "zipf") {
    pi = zipfProbabilities(V, alpha);
    for (let x = 0; x < V; x++) T.set(pi, x * V);
  } else {
    pi = new Float64Array(V).fill(1 / V);
    if (data === "walk") T.set(circleWalkExact(V).weights);
    else for (let x = 0; x < V; x++) T[x * V + ((x + 1) % V)] = 1;
  }
  let h = 0;
  for (let x = 0; x < V; x++) h += pi[x]! * entropy(T.subarray(x * V, (x + 1) * V));
  return { V, pi, T, entropy: h };
}

/** w[x,y] = π_x·T[x,y], as float32 for the exact loss. */
export function jointWeights(s: BigramSource): Float32Array {
  const w = new Float32Array(s.V * s.V);
  for (let x = 0; x < s.V; x++) for (let y = 0; y < s.V; y++) w[x * s.V + y] = s.pi[x]! * s.T[x * s.V + y]!;
  return w;
}

/** Draws `size` (x, y) pairs; targets are token ids. */
export function samplePairs(s: BigramSource, size: number, rng: Rng): { inputs: Int32Array; targets: Int32Array } {
  const inputs = new Int32Array(size);
  const targets = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const x = categorical(s.pi, 0, s.V, rng.next());
    inputs[b] = x;
    targets[b] = categorical(s.T, x * s.V, s.V, rng.next());
  }
  return { inputs, targets };
}

/** Index k in [0, n) with Σ_{j<k} p[off+j] ≤ u < Σ_{j≤k} (the last index absorbs rounding). */
function categorical(p: Float64Array, off: number, n: number, u: number): number {
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += p[off + k]!;
    if (u < acc) return k;
  }
  return n - 1;
}
