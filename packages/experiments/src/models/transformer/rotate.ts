import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../../training/memory-kernels.ts";

/*
 * The RoPE rotation y = x ⊙ cos + swap(x) ⊙ sin over rows [n, d] (tables tiled to the rows; see rope.ts), as
 * one memory kernel each way instead of two products by the swap permutation and four element-wise kernels:
 *   y[2i] = x[2i]·cos[2i] + x[2i+1]·sin[2i],      y[2i+1] = x[2i+1]·cos[2i+1] + x[2i]·sin[2i+1]
 *   dx[2i] = dy[2i]·cos[2i] + dy[2i+1]·sin[2i+1],  dx[2i+1] = dy[2i+1]·cos[2i+1] + dy[2i]·sin[2i]
 */
const FORWARD = "OrreryRotatePairs";
const BACKWARD = "OrreryRotatePairsGrad";

function rotate(x: ArrayLike<number>, cos: ArrayLike<number>, sin: ArrayLike<number>, out: Float32Array, transposed: boolean): void {
  for (let i = 0; i < out.length; i += 2) {
    const [a, b] = [x[i]!, x[i + 1]!];
    const [s0, s1] = transposed ? [sin[i + 1]!, sin[i]!] : [sin[i]!, sin[i + 1]!];
    out[i] = a * cos[i]! + b * s0;
    out[i + 1] = b * cos[i + 1]! + a * s1;
  }
}

for (const [name, transposed] of [[FORWARD, false], [BACKWARD, true]] as const) {
  registerMemoryKernel(name, ({ inputs: { x, cos, sin }, read }) => ({
    shapes: [x!.shape],
    compute: ([out]) => rotate(read(x!), read(cos!), read(sin!), out!, transposed),
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
