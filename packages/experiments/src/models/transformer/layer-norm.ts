import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../../training/memory-kernels.ts";
import { columnSums } from "../layout.ts";

/**
 * LayerNorm over the last axis of x [n, d] (eps 1e-5, as torch's), with its gradient written out: tfjs's
 * automatic one, through the broadcasting mean and variance, costs about twice the kernels on wasm.
 *   x̂ = (x − μ)/σ, y = x̂ ⊙ gain + bias;  dx = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))/σ with ĝ = dy ⊙ gain.
 * On wasm and cpu each direction is one memory kernel (SIMD where d is a multiple of 4, else JS) instead of ~9 and
 * ~12 tfjs kernels; other backends keep the tfjs ops below.
 */
export const layerNorm = (x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D =>
  memoryKernelAvailable(FORWARD) ? fusedLayerNorm(x, gain, bias) : opsLayerNorm(x, gain, bias);

/** The same in tfjs ops (any backend). */
export const opsLayerNorm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
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

const FORWARD = "OrreryLayerNorm";
const BACKWARD = "OrreryLayerNormGrad";

registerMemoryKernel(FORWARD, ({ inputs: { x, gain, bias }, read, simd }) => {
  const [rows, d] = x!.shape as [number, number];
  return {
    shapes: [[rows, d], [rows, d], [rows]],
    compute([y, xh, inv]) {
      const [xs, g, b] = [read(x!), read(gain!), read(bias!)];
      if (simd && d % 4 === 0) return simd.ln_forward(xs.byteOffset, g.byteOffset, b.byteOffset, y!.byteOffset, xh!.byteOffset, inv!.byteOffset, rows, d);
      for (let r = 0, o = 0; r < rows; r++, o += d) {
        let mean = 0, variance = 0;
        for (let j = o; j < o + d; j++) mean += xs[j]!;
        mean /= d;
        for (let j = o; j < o + d; j++) variance += (xs[j]! - mean) ** 2;
        const s = (inv![r] = 1 / Math.sqrt(variance / d + 1e-5));
        for (let j = 0; j < d; j++) y![o + j] = (xh![o + j] = (xs[o + j]! - mean) * s) * g[j]! + b[j]!;
      }
    },
  };
});

registerMemoryKernel(BACKWARD, ({ inputs: { dy, xh, inv, gain }, read, simd }) => {
  const [rows, d] = dy!.shape as [number, number];
  return {
    shapes: [[rows, d], [d], [d]],
    compute([dx, dgain, dbias]) {
      const [g, h, is, gn] = [read(dy!), read(xh!), read(inv!), read(gain!)];
      dgain!.fill(0); // accumulated into: the wasm heap's outputs are not zeroed
      dbias!.fill(0);
      if (simd && d % 4 === 0) {
        return simd.ln_backward(g.byteOffset, h.byteOffset, is.byteOffset, gn.byteOffset, dx!.byteOffset, dgain!.byteOffset, dbias!.byteOffset, rows, d);
      }
      for (let r = 0, o = 0; r < rows; r++, o += d) {
        let m1 = 0, m2 = 0;
        for (let j = 0; j < d; j++) {
          const gh = g[o + j]! * gn[j]!;
          m1 += gh;
          m2 += gh * h[o + j]!;
          dgain![j]! += g[o + j]! * h[o + j]!;
          dbias![j]! += g[o + j]!;
        }
        [m1, m2] = [m1 / d, m2 / d];
        for (let j = 0; j < d; j++) dx![o + j] = (g[o + j]! * gn[j]! - m1 - h[o + j]! * m2) * is[r]!;
      }
    },
  };
});

const fusedLayerNorm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, gain, bias, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
  const [y, xh, inv] = tf.engine().runKernel(FORWARD, { x, gain, bias }, {}) as unknown as tf.Tensor[];
  save([xh!, inv!, gain]);
  return {
    value: y!,
    gradFunc: (dy: tf.Tensor, [xhs, invs, g]: tf.Tensor[]) => tf.engine().runKernel(BACKWARD, { dy, xh: xhs!, inv: invs!, gain: g! }, {}) as unknown as tf.Tensor[],
  };
}) as (x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor2D;

