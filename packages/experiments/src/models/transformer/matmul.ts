import * as tf from "@tensorflow/tfjs";

/*
 * Matrix products with hand-written gradients that stay on the wasm backend's fast paths (measured on tfjs
 * 4.22, 2 cores): XNNPACK serves a 2-D product only when neither operand is transposed by flag (with
 * transposeA/transposeB a [1024,32]·[32,32] product takes 1.3–2.6 ms instead of 0.1–0.4), and batched
 * products fall to a naive loop (2.2 ms for 32 × [32,32]·[32,32]) while the same product as a depthwise
 * convolution takes 0.6. tf.matMul's own gradients use the transpose flags, so the backward pass would pay.
 */

/** x·W + b for x [n, k], W [k, m], b [m], differentiable in all three. */
export const linear = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, W, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, W]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor, [xs, Ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(Ws!) as tf.Tensor2D),
      tf.matMul(tf.transpose(xs!) as tf.Tensor2D, dy as tf.Tensor2D),
      tf.sum(dy, 0),
    ],
  };
}) as (x: tf.Tensor2D, W: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

/** x·W for x [n, k], W [k, m] (a one-hot embedding lookup, say), differentiable in both. */
export const matMul2d = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, W, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, W]);
  return {
    value: tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [xs, Ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(Ws!) as tf.Tensor2D),
      tf.matMul(tf.transpose(xs!) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as (x: tf.Tensor2D, W: tf.Tensor) => tf.Tensor2D;

/** a[i]·b[i] for a [B, M, K], b [B, K, N] → [B, M, N], differentiable in both. */
export const batchMatMul = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: depthwiseBatchMatMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, [as, bs]: tf.Tensor[]) => [
      depthwiseBatchMatMul(dy as tf.Tensor3D, swapLast(bs!)),
      depthwiseBatchMatMul(swapLast(as!), dy as tf.Tensor3D),
    ],
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

const swapLast = (t: tf.Tensor): tf.Tensor3D => tf.transpose(t, [0, 2, 1]) as tf.Tensor3D;

/**
 * The batch as depthwise-convolution channels: the input image is a[·] laid out [M, K] per channel, the filter
 * is b[·] as [1, K] windows with N outputs per channel, so out[m, 0, i·N + n] = Σ_k a[i, m, k]·b[i, k, n].
 * Forward only (its gradient kernels are missing on wasm); `batchMatMul` supplies the gradient.
 */
function depthwiseBatchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const image = tf.reshape(tf.transpose(a, [1, 2, 0]), [1, M, K, B]) as tf.Tensor4D;
  const filter = tf.reshape(tf.transpose(b, [1, 0, 2]), [1, K, B, N]) as tf.Tensor4D;
  const out = tf.depthwiseConv2d(image, filter, 1, "valid");
  return tf.transpose(tf.reshape(out, [M, B, N]), [1, 0, 2]) as tf.Tensor3D;
}
