import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";

/*
 * Two layout ops that the hand-written backward passes use on every step, as memory kernels (wasm SIMD where the
 * sizes are multiples of 4, else JS): a 2-D transpose (tfjs wasm: ~6 ns per element, 210 µs for [1024, 32]) and
 * column sums, a bias's gradient (tfjs wasm's Sum over axis 0 transposes first: 190 µs for [1024, 32]). Not
 * differentiable: for use inside custom gradients and gradients() only. Other backends keep tfjs's ops.
 */
const TRANSPOSE = "OrreryTranspose2d";
const COLUMN_SUMS = "OrreryColumnSums";

registerMemoryKernel(TRANSPOSE, ({ inputs: { x }, read, simd }) => {
  const [rows, cols] = x!.shape as [number, number];
  return {
    shapes: [[cols, rows]],
    compute([y]) {
      const v = read(x!);
      if (simd && rows % 4 === 0 && cols % 4 === 0) return simd.transpose(v.byteOffset, y!.byteOffset, rows, cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y![j * rows + i] = v[i * cols + j]!;
    },
  };
});

registerMemoryKernel(COLUMN_SUMS, ({ inputs: { x }, read, simd }) => {
  const [rows, cols] = x!.shape as [number, number];
  return {
    shapes: [[cols]],
    compute([out]) {
      const v = read(x!);
      if (simd && cols % 4 === 0) return simd.column_sums(v.byteOffset, out!.byteOffset, rows, cols);
      out!.fill(0);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out![j]! += v[i * cols + j]!;
    },
  };
});

const run = (name: string, x: tf.Tensor) => (tf.engine().runKernel(name, { x }, {}) as unknown as [tf.Tensor])[0];

/** xᵀ for a 2-D x (no gradient). */
export const transpose2d = (x: tf.Tensor): tf.Tensor2D =>
  (memoryKernelAvailable(TRANSPOSE) ? run(TRANSPOSE, x) : tf.transpose(x)) as tf.Tensor2D;

/** Σ over the rows of a 2-D x: [rows, cols] → [cols] (no gradient). */
export const columnSums = (x: tf.Tensor): tf.Tensor1D => (memoryKernelAvailable(COLUMN_SUMS) ? run(COLUMN_SUMS, x) : tf.sum(x, 0)) as tf.Tensor1D;
