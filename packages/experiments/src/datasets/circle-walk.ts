import type { Rng } from "../random.ts";

/**
 * Random walk on a cycle of p points: x → x±1 (mod p), each with probability ½.
 * A batch is (inputs, target weights): weights[b*p + y] = probability mass the loss puts on y for input b.
 */
export interface WeightedBatch {
  inputs: Int32Array;
  weights: Float32Array;
}

/** The exact expectation: every x once (x is uniform under the stationary law), y = x±1 with weight ½. */
export function circleWalkExact(p: number): WeightedBatch {
  const inputs = new Int32Array(p);
  const weights = new Float32Array(p * p);
  for (let x = 0; x < p; x++) {
    inputs[x] = x;
    for (const y of [(x + 1) % p, (x - 1 + p) % p]) weights[x * p + y] = weights[x * p + y]! + 0.5;
  }
  return { inputs, weights };
}

/** `size` sampled bigram pairs, each target a one-hot row. */
export function circleWalkSample(p: number, size: number, rng: Rng): WeightedBatch {
  const inputs = new Int32Array(size);
  const weights = new Float32Array(size * p);
  for (let b = 0; b < size; b++) {
    const x = rng.int(p);
    const y = (x + (rng.next() < 0.5 ? 1 : p - 1)) % p;
    inputs[b] = x;
    weights[b * p + y] = 1;
  }
  return { inputs, weights };
}
