import * as tf from "@tensorflow/tfjs";

/*
 * The transformer works time-major: row t·n + s of a [T·n, ·] matrix is position t of sequence s
 * (see matmul.ts for why). Token arrays stay sequence-major (s·T + t), as the datasets write them.
 */

/** One-hot rows [T·n, V] of n sequences of length T, time-major. */
export function timeMajorOneHot(tokens: Int32Array, n: number, T: number, V: number): tf.Tensor2D {
  const data = new Float32Array(n * T * V);
  for (let s = 0; s < n; s++) for (let t = 0; t < T; t++) data[(t * n + s) * V + tokens[s * T + t]!] = 1;
  return tf.tensor2d(data, [T * n, V]);
}

/**
 * Next-token targets [T·n, V], time-major: row (t, s) is the one-hot of token t + 1 of sequence s; the last
 * position has no target and gets a zero row, so the loss covers every next-token position (the source's
 * get_loss) and is normalised by n·(T − 1).
 */
export function nextTokenTargets(tokens: Int32Array, n: number, T: number, V: number): tf.Tensor2D {
  const data = new Float32Array(n * T * V);
  for (let s = 0; s < n; s++) for (let t = 0; t < T - 1; t++) data[(t * n + s) * V + tokens[s * T + t + 1]!] = 1;
  return tf.tensor2d(data, [T * n, V]);
}

/** Sequence-major predictions (s·T + t) from time-major per-row values. */
export function toSequenceMajor(values: ArrayLike<number>, n: number, T: number): Int32Array {
  const out = new Int32Array(n * T);
  for (let s = 0; s < n; s++) for (let t = 0; t < T; t++) out[s * T + t] = values[t * n + s]!;
  return out;
}
