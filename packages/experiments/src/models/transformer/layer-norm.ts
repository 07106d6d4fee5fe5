import * as tf from "@tensorflow/tfjs";
import { columnSums } from "../layout.ts";

/**
 * LayerNorm over the last axis of x [n, d] (eps 1e-5, as torch's), with its gradient written out: tfjs's
 * automatic one, through the broadcasting mean and variance, costs about twice the kernels on wasm.
 *   x̂ = (x − μ)/σ, y = x̂ ⊙ gain + bias;  dx = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))/σ with ĝ = dy ⊙ gain.
 */
export const layerNorm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, gain, bias, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const inverseStd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5));
  const normalised = tf.mul(centred, inverseStd);
  save([normalised, inverseStd, gain]);
  return {
    value: tf.add(tf.mul(normalised, gain), bias),
    gradFunc: (dy: tf.Tensor, [xHat, invStd, g]: tf.Tensor[]) => {
      const gHat = tf.mul(dy, g!);
      const dx = tf.mul(
        tf.sub(tf.sub(gHat, tf.mean(gHat, -1, true)), tf.mul(xHat!, tf.mean(tf.mul(gHat, xHat!), -1, true))),
        invStd!,
      );
      return [dx, columnSums(tf.mul(dy, xHat!)), columnSums(dy)];
    },
  };
}) as (x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor2D;
