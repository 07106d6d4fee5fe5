/**
 * Rotary position embedding tables (OOD repo `model.py` precompute_freqs_cis / apply_rotary_emb): the pair
 * (x[2i], x[2i+1]) at position t turns by the angle t·θ^(−2i/d), i.e. x ⊙ cos + swap(x) ⊙ sin, where
 * swap(x) = (x[1], x[0], x[3], x[2], …) and `sin` carries the sign: (−sin, +sin) on each pair.
 */
export function ropeTables(T: number, d: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  if (d % 2 !== 0) throw new RangeError(`RoPE needs an even width, got ${d}`);
  const cos = new Float32Array(T * d);
  const sin = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < d / 2; i++) {
      const angle = t * theta ** ((-2 * i) / d);
      cos[t * d + 2 * i] = cos[t * d + 2 * i + 1] = Math.cos(angle);
      sin[t * d + 2 * i] = -Math.sin(angle);
      sin[t * d + 2 * i + 1] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** The d×d permutation S with x·S = swap(x) = (x[1], x[0], x[3], x[2], …); S is symmetric. */
export function pairSwap(d: number): Float32Array {
  const S = new Float32Array(d * d);
  for (let i = 0; i < d; i += 2) S[i * d + i + 1] = S[(i + 1) * d + i] = 1;
  return S;
}

/** T×T additive mask: 0 where key ≤ query, −1e9 above the diagonal (the source's masked_fill value). */
export function causalBias(T: number): Float32Array {
  const bias = new Float32Array(T * T);
  for (let q = 0; q < T; q++) for (let k = q + 1; k < T; k++) bias[q * T + k] = -1e9;
  return bias;
}
