import type { Rng } from "../random.ts";

/**
 * Zhong's copying task (EXPERIMENTS.md §4(a), OOD repo `data.py` gen_repetition_data): i.i.d. tokens with one
 * pattern of length L written twice. Training tokens follow `distribution`; the OOD test is uniform with L fixed.
 */
export type TokenDistribution = "zipf" | "uniform" | "two-level";

export interface CopyingSpec {
  /** Vocabulary size V. */
  V: number;
  /** Sequence length T; needs T ≥ 2·maxLen + 2 so that two distinct gaps exist. */
  T: number;
  /** Pattern length L ~ U{minLen, …, maxLen} (inclusive). */
  minLen: number;
  maxLen: number;
  /** Token probabilities (length V) for the background and the pattern. */
  probs: Float64Array;
}

export interface CopyingBatch {
  n: number;
  T: number;
  /** n×T row-major token ids. */
  tokens: Int32Array;
  /** Pattern length of each sequence. */
  lengths: Int32Array;
  /** Start of the first and of the second copy, n×2. */
  starts: Int32Array;
}

/**
 * p_i ∝ 1/(i + 2.7), i = 1..V ("zipf"); 4 tokens at 1/8 each and the rest sharing ½ ("two-level", needs V > 4);
 * or 1/V. Unshuffled, as in the source (its shuffle is commented out): token 0 is the most frequent.
 */
export function tokenProbabilities(distribution: TokenDistribution, V: number): Float64Array {
  const p = new Float64Array(V);
  if (distribution === "uniform") return p.fill(1 / V);
  if (distribution === "two-level") {
    if (V <= 4) throw new RangeError("two-level needs V > 4");
    for (let i = 0; i < V; i++) p[i] = i < 4 ? 1 / 8 : 1 / (2 * (V - 4));
    return p;
  }
  let total = 0;
  for (let i = 0; i < V; i++) total += p[i] = 1 / (i + 1 + 2.7);
  for (let i = 0; i < V; i++) p[i]! /= total;
  return p;
}

/** A fresh batch of n sequences drawn from `rng` (the training data: call once per step). */
export function sampleCopying(spec: CopyingSpec, n: number, rng: Rng): CopyingBatch {
  const { V, T, minLen, maxLen, probs } = spec;
  if (minLen < 1 || maxLen < minLen) throw new RangeError(`bad pattern lengths [${minLen}, ${maxLen}]`);
  if (T < 2 * maxLen + 2) throw new RangeError(`T = ${T} is too short for two copies of length ${maxLen}`);
  if (probs.length !== V) throw new RangeError(`expected ${V} token probabilities, got ${probs.length}`);
  const cdf = cumulative(probs);
  const draw = () => sampleIndex(cdf, rng.next());

  const tokens = new Int32Array(n * T);
  const lengths = new Int32Array(n);
  const starts = new Int32Array(2 * n);
  for (let i = 0; i < tokens.length; i++) tokens[i] = draw();
  for (let s = 0; s < n; s++) {
    const L = minLen + rng.int(maxLen - minLen + 1);
    const pattern = Array.from({ length: L }, draw);
    // Two distinct gaps g0 < g1 from range(T − 2L); the copies start at g0 and g1 + L, so at least one
    // background token separates them and one follows the second copy.
    const r = T - 2 * L;
    const a = rng.int(r);
    const b = (a + 1 + rng.int(r - 1)) % r;
    const [g0, g1] = a < b ? [a, b] : [b, a];
    const copyStarts = [g0, g1 + L];
    for (const start of copyStarts) tokens.set(pattern, s * T + start);
    lengths[s] = L;
    starts[2 * s] = copyStarts[0]!;
    starts[2 * s + 1] = copyStarts[1]!;
  }
  return { n, T, tokens, lengths, starts };
}

function cumulative(p: Float64Array): Float64Array {
  const cdf = new Float64Array(p.length);
  let acc = 0;
  for (let i = 0; i < p.length; i++) cdf[i] = acc += p[i]!;
  for (let i = 0; i < p.length; i++) cdf[i]! /= acc;
  return cdf;
}

/** The first index whose cumulative probability exceeds u (binary search). */
function sampleIndex(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
