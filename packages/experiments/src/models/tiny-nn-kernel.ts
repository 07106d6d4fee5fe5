import * as tf from "@tensorflow/tfjs";
import { registerMemoryKernel, simdActive } from "../training/memory-kernels.ts";
import { crossEntropyBackward, crossEntropyLoss, crossEntropyRows } from "./cross-entropy.ts";

/*
 * TinyNN's loss and gradients as ONE kernel on wasm with Orrery's SIMD kernels (d a multiple of 4), instead of
 * ~18 tfjs kernels: at the CPU preset (n 15, d 128) their dispatch cost as much as the arithmetic.
 *   H = E·Wᵀ + b, L = H·Eᵀ, loss = −Σ T ⊙ log softmax(L);  dL = the cross-entropy's gradient,
 *   dH = dL·E, dE = dLᵀ·H + dH·W, dW = dHᵀ·E, db = Σ_rows dH.
 * The products run as SIMD GEMMs on the wasm heap; the n×n cross-entropy, the small transposes and sums in JS.
 * Elsewhere tiny-nn's gradients() uses tfjs ops (tiny-nn.ts).
 */
const TINY_NN = "OrreryTinyNN";

function transpose(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j]!;
}

registerMemoryKernel(TINY_NN, ({ inputs: { E, W, b, targets }, read, simd }) => {
  const [n, d] = E!.shape as [number, number];
  return {
    // loss, dE, dW, db, then scratch: Et, Wt, H, L, e, stats, dL, dLt, dH, dHt, product
    shapes: [[], [n, d], [d, d], [d], [d, n], [d, d], [n, d], [n, n], [n, n], [n, 4], [n, n], [n, n], [n, d], [d, n], [n, d]],
    compute([loss, dE, dW, db, Et, Wt, H, L, e, stats, dL, dLt, dH, dHt, product]) {
      if (!simd || d % 4 !== 0) throw new Error(`${TINY_NN} needs wasm SIMD and a width that is a multiple of 4`);
      const [e_, w_, b_, t_] = [read(E!), read(W!), read(b!), read(targets!)];
      const at = (x: Float32Array) => x.byteOffset;
      transpose(e_, n, d, Et!);
      simd.transpose(at(w_), at(Wt!), d, d);
      simd.gemm(at(e_), at(Wt!), at(H!), n, d, d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) H![i * d + j]! += b_[j]!;
      simd.gemm_nt(at(H!), at(e_), at(L!), n, n, d);
      crossEntropyRows(L!, t_, n, n, e!, stats!);
      loss![0] = crossEntropyLoss(stats!, n, 1);
      crossEntropyBackward(e!, t_, stats!, n, n, 1, dL!);
      simd.gemm(at(dL!), at(e_), at(dH!), n, n, d);
      transpose(dL!, n, n, dLt!);
      simd.gemm(at(dLt!), at(H!), at(dE!), n, n, d);
      simd.gemm(at(dH!), at(w_), at(product!), n, d, d);
      for (let i = 0; i < n * d; i++) dE![i]! += product![i]!;
      transpose(dH!, n, d, dHt!);
      simd.gemm(at(dHt!), at(e_), at(dW!), d, n, d);
      db!.fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) db![j]! += dH![i * d + j]!;
    },
  };
});

/** Whether the fused kernel runs here (wasm with SIMD, d a multiple of 4). */
export const tinyNNKernelAvailable = (d: number) => d % 4 === 0 && simdActive();

/** Loss and gradients by group (E, W, b). */
export function tinyNNWithGradients(E: tf.Tensor, W: tf.Tensor, b: tf.Tensor, targets: tf.Tensor): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const [loss, dE, dW, db, ...scratch] = tf.engine().runKernel(TINY_NN, { E, W, b, targets }, {}) as unknown as tf.Tensor[];
  tf.dispose(scratch);
  return { loss: loss as tf.Scalar, grads: { E: dE!, W: dW!, b: db! } };
}
