import * as tf from "@tensorflow/tfjs";

/*
 * Batched attention products with hand-written gradients that stay on the wasm backend's fast paths (tfjs 4.22,
 * measured on 2 cores): batched products fall to a naive loop (1.3 ms of CPU for 32 × [32,32]·[32,32]) while the
 * same product as a depthwise convolution costs 0.2. The convolution's gradient kernels are missing on wasm, so
 * every gradient here is written out with explicit transposes and forward-only kernels. The 2-D products
 * (linear, matMul2d, ...) are in ../matmul.ts.
 */

/** Re-exported for the callers that import them from here (test/science/induction-heads.test.ts). */
export { linear, matMul2d, rightMultiplier } from "../matmul.ts";

type Args = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * Attention scores in time-major layout: Q, K [T, B, d] → S [Tq, B, Tk] with S[i,b,j] = Σ_c Q[i,b,c]·K[j,b,c].
 * Time-major keeps every operand but one per product in the layout the convolution wants.
 */
export const attentionScores = tf.customGrad((...args: Args) => {
  const [Q, K, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([Q, K]);
  return {
    value: perBatchProduct(tf.transpose(Q, [0, 2, 1]), tf.transpose(K, [2, 1, 0])),
    gradFunc: (dS: tf.Tensor, [Qs, Ks]: tf.Tensor[]) => [
      perBatchProduct(tf.transpose(dS, [0, 2, 1]), Ks as tf.Tensor3D),
      perBatchProduct(tf.transpose(dS, [2, 0, 1]), Qs as tf.Tensor3D),
    ],
  };
}) as (Q: tf.Tensor3D, K: tf.Tensor3D) => tf.Tensor3D;

/** Attention output in time-major layout: P [Tq, B, Tk], V [Tk, B, d] → O [Tq, B, d], O[i,b,c] = Σ_j P[i,b,j]·V[j,b,c]. */
export const attentionMix = tf.customGrad((...args: Args) => {
  const [P, V, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([P, V]);
  return {
    value: perBatchProduct(tf.transpose(P, [0, 2, 1]), V),
    gradFunc: (dO: tf.Tensor, [Ps, Vs]: tf.Tensor[]) => [
      perBatchProduct(tf.transpose(dO, [0, 2, 1]), tf.transpose(Vs!, [2, 1, 0])),
      perBatchProduct(tf.transpose(Ps!, [2, 0, 1]), dO as tf.Tensor3D),
    ],
  };
}) as (P: tf.Tensor3D, V: tf.Tensor3D) => tf.Tensor3D;

/**
 * out[m, b, n] = Σ_k a[m, k, b]·f[k, b, n] for a [M, K, B], f [K, B, N]: a depthwise convolution whose channels
 * are the batch, the image a[·,·,b] is M×K and the filter is b's K×N matrix as N outputs of a 1×K window.
 */
function perBatchProduct(a: tf.Tensor, f: tf.Tensor): tf.Tensor3D {
  const [M, K, B] = a.shape as [number, number, number];
  const N = f.shape[2]!;
  const image = tf.reshape(a, [1, M, K, B]) as tf.Tensor4D;
  const filter = tf.reshape(f, [1, K, B, N]) as tf.Tensor4D;
  return tf.reshape(tf.depthwiseConv2d(image, filter, 1, "valid"), [M, B, N]);
}
