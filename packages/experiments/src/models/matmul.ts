import * as tf from "@tensorflow/tfjs";
import { columnSums, transpose2d } from "./layout.ts";

/*
 * 2-D products with hand-written gradients that stay on the wasm backend's fast path (tfjs 4.22, measured on
 * 2 cores): XNNPACK serves a 2-D product only when no operand is transposed by flag (with transposeA or
 * transposeB a [1024,32]·[32,32] product costs 1.3–2.6 ms instead of 0.1–0.4; [15,128]·[128,128]ᵀ 269 µs by flag,
 * 26 µs with an explicit transpose). tf.matMul's own gradients use the transpose flags, so every gradient here is
 * written out with explicit transposes and unflagged products. The batched attention products are in
 * ./transformer/matmul.ts.
 */

type Args = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * xᵀ·dy for x [n, k], dy [n, m]: a weight's gradient, a long product (n = tokens) into a small k×m result. XNNPACK
 * repacks its right operand on every call, n·m floats here; when m > k the transposed product (dyᵀ·x)ᵀ packs only
 * n·k (graph-transformer's tied head, k 32 and m 260: 8.0 → 4.3 ms with fresh operands).
 */
function weightGradient(x: tf.Tensor, dy: tf.Tensor): tf.Tensor2D {
  const [k, m] = [x.shape[1]!, dy.shape[1]!];
  if (m > k) return transpose2d(tf.matMul(transpose2d(dy), x as tf.Tensor2D));
  return tf.matMul(transpose2d(x), dy as tf.Tensor2D);
}

/** x·W + b for x [n, k], W [k, m], b [m], differentiable in all three. */
export const linear = tf.customGrad((...args: Args) => {
  const [x, W, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor, tf.GradSaveFunc];
  save([x, W]);
  return {
    value: tf.add(tf.matMul(x, W), b),
    gradFunc: (dy: tf.Tensor, [xs, Ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, transpose2d(Ws!)),
      weightGradient(xs!, dy),
      columnSums(dy),
    ],
  };
}) as (x: tf.Tensor2D, W: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

/** x·W for x [n, k], W [k, m] (a one-hot embedding lookup, say), differentiable in both. */
export const matMul2d = tf.customGrad((...args: Args) => {
  const [x, W, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, W]);
  return {
    value: tf.matMul(x, W),
    gradFunc: (dy: tf.Tensor, [xs, Ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, transpose2d(Ws!)),
      weightGradient(xs!, dy),
    ],
  };
}) as (x: tf.Tensor, W: tf.Tensor) => tf.Tensor2D;

/** a·bᵀ for a [n, k], b [m, k] (tf.matMul(a, b, false, true)), differentiable in both: da = dy·b, db = dyᵀ·a. */
export const matMulT = tf.customGrad((...args: Args) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, transpose2d(b)),
    gradFunc: (dy: tf.Tensor, [aS, bS]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, bS as tf.Tensor2D),
      tf.matMul(transpose2d(dy), aS as tf.Tensor2D),
    ],
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

/** The Gram matrix E·Eᵀ of E [n, d], differentiable: dE = (dy + dyᵀ)·E. */
export const gramMatrix = tf.customGrad((...args: Args) => {
  const [E, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  save([E]);
  return {
    value: tf.matMul(E, transpose2d(E)),
    gradFunc: (dy: tf.Tensor, [Es]: tf.Tensor[]) => [tf.matMul(tf.add(dy, transpose2d(dy)) as tf.Tensor2D, Es as tf.Tensor2D)],
  };
}) as (E: tf.Tensor) => tf.Tensor2D;

/** x ↦ x·M for a constant M (no gradient for M); `Mt` is Mᵀ, made once by the caller. */
export function rightMultiplier(M: tf.Tensor2D, Mt: tf.Tensor2D): (x: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad((...args: Args) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, M),
    gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, Mt)],
  })) as (x: tf.Tensor2D) => tf.Tensor2D;
}
