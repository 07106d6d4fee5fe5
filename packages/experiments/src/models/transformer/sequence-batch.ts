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

/**
 * −Σ targets ⊙ log softmax(logits) / count, with the gradient (softmax·Σ_row targets − targets)/count written
 * out (rows without a target get none): tf.logSoftmax and its gradient cost several times more on wasm than
 * the Softmax kernel.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, count: number): tf.Scalar {
  const loss = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const p = tf.softmax(x);
    save([p, targets]); // saved, not closed over: the forward pass's tidy scope would free it first
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(targets, tf.log(tf.maximum(p, 1e-30))))), count) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [ps, ts]: tf.Tensor[]) => [
        tf.mul(tf.sub(tf.mul(ps!, tf.sum(ts!, 1, true)), ts!), tf.div(dy, count)),
      ],
    };
  });
  return loss(logits) as tf.Scalar;
}
