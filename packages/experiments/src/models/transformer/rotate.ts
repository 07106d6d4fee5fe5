import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../../training/memory-kernels.ts";

/*
 * The RoPE rotation y = x ⊙ cos + swap(x) ⊙ sin over rows [n, d] (tables tiled to the rows; see rope.ts), as
 * one memory kernel each way (wasm SIMD, a lane shuffle for the swap; else JS) instead of two products by the swap
 * permutation and four element-wise kernels:
 *   y[2i] = x[2i]·cos[2i] + x[2i+1]·sin[2i],      y[2i+1] = x[2i+1]·cos[2i+1] + x[2i]·sin[2i+1]
 *   dx[2i] = dy[2i]·cos[2i] + dy[2i+1]·sin[2i+1],  dx[2i+1] = dy[2i+1]·cos[2i+1] + dy[2i]·sin[2i]
 */
const FORWARD = "OrreryRotatePairs";
const BACKWARD = "OrreryRotatePairsGrad";

/** `transposed`: the backward map, which takes each pair's sines swapped. */
function rotate(x: Float32Array, cos: Float32Array, sin: Float32Array, out: Float32Array, transposed: boolean): void {
  const first = transposed ? 1 : 0;
  for (let i = 0; i < out.length; i += 2) {
    const a = x[i]!, b = x[i + 1]!;
    out[i] = a * cos[i]! + b * sin[i + first]!;
    out[i + 1] = b * cos[i + 1]! + a * sin[i + 1 - first]!;
  }
}

for (const [name, transposed] of [[FORWARD, false], [BACKWARD, true]] as const) {
  registerMemoryKernel(name, ({ inputs: { x, cos, sin }, read, simd }) => ({
    shapes: [x!.shape],
    compute([out]) {
      const [xs, c, s] = [read(x!), read(cos!), read(sin!)];
      if (simd && xs.length % 4 === 0) return simd.rotate_pairs(xs.byteOffset, c.byteOffset, s.byteOffset, out!.byteOffset, xs.length, transposed ? 1 : 0);
      rotate(xs, c, s, out!, transposed);
    },
  }));
}

const run = (name: string, x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor) => (tf.engine().runKernel(name, { x, cos, sin }, {}) as unknown as [tf.Tensor2D])[0];

export const rotatePairsAvailable = () => memoryKernelAvailable(FORWARD);

/** x ↦ x ⊙ cos + swap(x) ⊙ sin, differentiable in x (cos and sin are constants); where rotatePairsAvailable(). */
export const rotatePairs = (x: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor2D =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([cos, sin]);
    return { value: run(FORWARD, xs, cos, sin), gradFunc: (dy: tf.Tensor, [c, s]: tf.Tensor[]) => [run(BACKWARD, dy, c!, s!)] };
  })(x) as tf.Tensor2D;
