import * as tf from "@tensorflow/tfjs";

/**
 * One-hot rows of the next token for positions 0..T−2 of each sequence; position T − 1 has no target and
 * gets a zero row, so the loss covers every next-token position as the source's get_loss.
 */
export function nextTokenTargets(tokens: Int32Array, n: number, T: number, V: number): tf.Tensor2D {
  const data = new Float32Array(n * T * V);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < T - 1; j++) data[(s * T + j) * V + tokens[s * T + j + 1]!] = 1;
  }
  return tf.tensor2d(data, [n * T, V]);
}

/** Mean cross-entropy over the rows whose target row is non-zero (`count` of them). */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, count: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.div(tf.sum(tf.mul(targets, tf.logSoftmax(logits))), count)) as tf.Scalar);
}
