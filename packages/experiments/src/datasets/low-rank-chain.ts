import type { Rng } from "../random.ts";

/** Bigram 3's generator (seed 001): a rank-R Markov chain on V tokens. All math in float64. */
export interface LowRankChain {
  V: number;
  /** Row-stochastic transition matrix, V×V row-major. */
  P: Float64Array;
  /** Stationary distribution (256 power iterations from uniform, as the source code does). */
  pi: Float64Array;
  /** Exact optimum of the bigram loss: Σ_x π_x H(P[x]) in nats. */
  L0: number;
}

export type LambdaSchedule = "one" | "power" | "exp";

export interface ChainSpec {
  V: number;
  R: number;
  /** λ_n = 1, n^−α or e^{−αn} for n = 1..R. */
  lambda: LambdaSchedule;
  alpha: number;
  /** Overall logit scale. */
  scale: number;
}

/** L = scale·A·diag(λ)·B/√R with A, B ~ N(0,1); P = row-softmax(L). */
export function lowRankChain(spec: ChainSpec, rng: Rng): LowRankChain {
  const { V, R, scale } = spec;
  const A = Float64Array.from(rng.normals(V * R));
  const B = Float64Array.from(rng.normals(R * V));
  const lambda = Array.from({ length: R }, (_, i) => lambdaAt(spec, i + 1));
  const P = new Float64Array(V * V);
  for (let x = 0; x < V; x++) {
    for (let y = 0; y < V; y++) {
      let logit = 0;
      for (let r = 0; r < R; r++) logit += A[x * R + r]! * lambda[r]! * B[r * V + y]!;
      P[x * V + y] = (scale * logit) / Math.sqrt(R);
    }
    softmaxRowInPlace(P, x * V, V);
  }
  const pi = stationary(P, V, 256);
  let L0 = 0;
  for (let x = 0; x < V; x++) {
    let h = 0;
    for (let y = 0; y < V; y++) {
      const p = P[x * V + y]!;
      if (p > 0) h -= p * Math.log(p);
    }
    L0 += pi[x]! * h;
  }
  return { V, P, pi, L0 };
}

function lambdaAt(spec: ChainSpec, n: number): number {
  if (spec.lambda === "power") return n ** -spec.alpha;
  if (spec.lambda === "exp") return Math.exp(-spec.alpha * n);
  return 1;
}

function softmaxRowInPlace(m: Float64Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, m[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += m[offset + i] = Math.exp(m[offset + i]! - max);
  for (let i = 0; i < n; i++) m[offset + i]! /= sum;
}

function stationary(P: Float64Array, V: number, iterations: number): Float64Array {
  let pi = new Float64Array(V).fill(1 / V);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(V);
    for (let x = 0; x < V; x++) for (let y = 0; y < V; y++) next[y]! += pi[x]! * P[x * V + y]!;
    pi = next;
  }
  return pi;
}

/** `size` pairs x ~ π, y ~ P[x], as one-hot target rows (the weights of a WeightedBatch). */
export function sampleChainPairs(chain: LowRankChain, size: number, rng: Rng): { inputs: Int32Array; weights: Float32Array } {
  const { V, P, pi } = chain;
  const inputs = new Int32Array(size);
  const weights = new Float32Array(size * V);
  for (let b = 0; b < size; b++) {
    const x = draw(pi, 0, V, rng.next());
    inputs[b] = x;
    weights[b * V + draw(P, x * V, V, rng.next())] = 1;
  }
  return { inputs, weights };
}

function draw(probs: Float64Array, offset: number, n: number, u: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += probs[offset + i]!;
    if (u < acc) return i;
  }
  return n - 1;
}
