import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";
import { matMul2d } from "./matmul.ts";

/*
 * X·W for a constant X whose rows have few non-zeros (one-hot tokens and positions), differentiable in W only: an
 * embedding lookup. As a dense product on [4592, 260]·[260, 32] (graph-transformer's default batch) it costs
 * 38M multiply-adds forward and, through matMul2d's gradient, twice that backward (dX, never used, included);
 * on the non-zeros it is a copy of 4592 rows forward and their sum into dW backward. Two memory kernels (wasm, cpu);
 * other backends keep the dense product.
 */
const FORWARD = "OrrerySparseRowsMatMul";
const BACKWARD = "OrrerySparseRowsMatMulGrad";

/** X's non-zeros row by row (CSR). */
interface Sparse {
  start: Int32Array;
  cols: Int32Array;
  values: Float32Array;
}

/** By X's data id: tensors never change their data, and batches are often reused for many steps. */
const sparseOf = new WeakMap<object, Sparse>();

function sparse(X: tf.TensorInfo, values: ArrayLike<number>): Sparse {
  let s = sparseOf.get(X.dataId);
  if (!s) {
    const [rows, cols] = X.shape as [number, number];
    const start = new Int32Array(rows + 1);
    const at: number[] = [];
    const vals: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0, o = r * cols; c < cols; c++) if (values[o + c] !== 0) at.push(c), vals.push(values[o + c]!);
      start[r + 1] = at.length;
    }
    s = { start, cols: Int32Array.from(at), values: Float32Array.from(vals) };
    sparseOf.set(X.dataId, s);
  }
  return s;
}

registerMemoryKernel(FORWARD, ({ inputs: { X, W }, read }) => ({
  shapes: [[X!.shape[0]!, W!.shape[1]!]],
  compute([out]) {
    const { start, cols, values } = sparse(X!, read(X!));
    const w = read(W!);
    const d = W!.shape[1]!;
    out!.fill(0); // the wasm heap's outputs are not zeroed
    for (let r = 0; r + 1 < start.length; r++) {
      const o = r * d;
      for (let i = start[r]!; i < start[r + 1]!; i++) {
        const v = values[i]!, from = cols[i]! * d;
        if (v === 1) for (let k = 0; k < d; k++) out![o + k]! += w[from + k]!;
        else for (let k = 0; k < d; k++) out![o + k]! += v * w[from + k]!;
      }
    }
  },
}));

registerMemoryKernel(BACKWARD, ({ inputs: { X, dy }, attrs, read }) => ({
  shapes: [[X!.shape[1]!, attrs.d as number]],
  compute([dW]) {
    const { start, cols, values } = sparse(X!, read(X!));
    const g = read(dy!);
    const d = attrs.d as number;
    dW!.fill(0);
    for (let r = 0; r + 1 < start.length; r++) {
      const o = r * d;
      for (let i = start[r]!; i < start[r + 1]!; i++) {
        const v = values[i]!, to = cols[i]! * d;
        for (let k = 0; k < d; k++) dW![to + k]! += v * g[o + k]!;
      }
    }
  },
}));

/** X·W for a constant, mostly-zero X [n, k] and W [k, m]; the gradient flows to W only. */
export function sparseRowsMatMul(X: tf.Tensor2D, W: tf.Tensor): tf.Tensor2D {
  if (!memoryKernelAvailable(FORWARD)) return matMul2d(X, W);
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([X]); // kept for backward (the forward pass's tidy scope may free X itself)
    const [value] = tf.engine().runKernel(FORWARD, { X, W: w }, {}) as unknown as [tf.Tensor2D];
    return {
      value,
      gradFunc: (dy: tf.Tensor, [Xs]: tf.Tensor[]) => tf.engine().runKernel(BACKWARD, { X: Xs!, dy }, { d: w.shape[1]! }) as unknown as tf.Tensor[],
    };
  })(W) as tf.Tensor2D;
}
