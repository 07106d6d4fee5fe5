import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../../training/memory-kernels.ts";

/*
 * GELU, tanh form: y = ½x(1 + tanh(c(x + a·x³))), c = √(2/π), a = 0.044715. As tfjs ops it is 9 kernels forward
 * and ~15 backward over the MLP's [T·B, 4d] activations; here one memory kernel each way (wasm SIMD, or JS on cpu),
 * backward recomputing tanh from the saved input:
 *   dx = dy·(½(1 + t) + ½x(1 − t²)·c(1 + 3a·x²)), t = tanh(c(x + a·x³)).
 */
const FORWARD = "OrreryGelu";
const BACKWARD = "OrreryGeluGrad";
const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

registerMemoryKernel(FORWARD, ({ inputs: { x }, read, simd }) => ({
  shapes: [x!.shape],
  compute([y]) {
    const xs = read(x!);
    if (simd && xs.length % 4 === 0) return simd.gelu_forward(xs.byteOffset, y!.byteOffset, xs.length);
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!;
      y![i] = 0.5 * v * (1 + Math.tanh(C * (v + A * v * v * v)));
    }
  },
}));

registerMemoryKernel(BACKWARD, ({ inputs: { x, dy }, read, simd }) => ({
  shapes: [x!.shape],
  compute([dx]) {
    const xs = read(x!);
    if (simd && xs.length % 4 === 0) return simd.gelu_backward(xs.byteOffset, read(dy!).byteOffset, dx!.byteOffset, xs.length);
    const g = read(dy!);
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!;
      const t = Math.tanh(C * (v + A * v * v * v));
      dx![i] = g[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * C * (1 + 3 * A * v * v));
    }
  },
}));

const fusedGelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  const [y] = tf.engine().runKernel(FORWARD, { x }, {}) as unknown as [tf.Tensor];
  return { value: y, gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.engine().runKernel(BACKWARD, { x: xs!, dy }, {}) as unknown as tf.Tensor[] };
}) as (x: tf.Tensor2D) => tf.Tensor2D;

/** GELU (tanh form) of x, differentiable. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return memoryKernelAvailable(FORWARD) ? fusedGelu(x) : plainGelu(x);
}

export function plainGelu(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), A)), C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}
