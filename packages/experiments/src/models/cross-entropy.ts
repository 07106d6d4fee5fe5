import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";

/*
 * Soft-target cross-entropy, loss = −scale·Σ w ⊙ log softmax(z) row by row (one-hot or weighted targets w; rows
 * without a target add nothing), the loss of every experiment but Bigram 4. On the wasm and cpu backends it is two
 * memory kernels instead of the ~10 and ~8 tfjs kernels of logSoftmax, its gradient and the weighted sum (most of
 * a small model's step; a third of graph-transformer's elementwise time):
 *   forward:  e = exp(z − max) and per row (max, Σe, Σw·(z − max), Σw); loss = scale·Σ_r (Σw·ln Σe − Σw·(z − max))
 *   backward: dz = scale·dy·(e·Σw/Σe − w)
 * On wasm both run as SIMD kernels (simd/kernels.wat, exp to 2 ulp); on cpu as the JS loops below, in float64.
 */
const FORWARD = "OrreryCrossEntropy";
const BACKWARD = "OrreryCrossEntropyGrad";
/** Per-row statistics: max, Σe, Σw·(z − max), Σw. */
const STATS = 4;

/** e and the row statistics of logits z [rows, cols] against weights w (JS; the wasm path is ce_forward). */
export function crossEntropyRows(z: ArrayLike<number>, w: ArrayLike<number>, rows: number, cols: number, e: Float32Array | Float64Array, stats: Float32Array | Float64Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let max = -Infinity;
    for (let j = o; j < o + cols; j++) if (z[j]! > max) max = z[j]!;
    let sum = 0, wz = 0, ws = 0;
    for (let j = o; j < o + cols; j++) {
      const shifted = z[j]! - max;
      sum += e[j] = Math.exp(shifted);
      const wj = w[j]!;
      if (wj !== 0) (wz += wj * shifted), (ws += wj);
    }
    stats.set([max, sum, wz, ws], r * STATS);
  }
}

/** The loss from the row statistics. */
export function crossEntropyLoss(stats: ArrayLike<number>, rows: number, scale: number): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const [sum, wz, ws] = [stats[r * STATS + 1]!, stats[r * STATS + 2]!, stats[r * STATS + 3]!];
    if (ws !== 0) loss += ws * Math.log(sum) - wz;
  }
  return loss * scale;
}

/** dz = g·(e·Σw/Σe − w), written into `dz` (JS; the wasm path is ce_backward). */
export function crossEntropyBackward(e: ArrayLike<number>, w: ArrayLike<number>, stats: ArrayLike<number>, rows: number, cols: number, g: number, dz: Float32Array | Float64Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const f = (g * stats[r * STATS + 3]!) / stats[r * STATS + 1]!;
    for (let j = o; j < o + cols; j++) dz[j] = e[j]! * f - g * w[j]!;
  }
}

const dims = (t: tf.TensorInfo) => ({ rows: t.shape[0]!, cols: t.shape[1]! });

registerMemoryKernel(FORWARD, ({ inputs: { logits, weights }, attrs, read, simd }) => ({
  shapes: [[], logits!.shape, [logits!.shape[0]!, STATS]],
  compute([loss, e, stats]) {
    const { rows, cols } = dims(logits!);
    if (simd) simd.ce_forward(read(logits!).byteOffset, read(weights!).byteOffset, e!.byteOffset, stats!.byteOffset, rows, cols);
    else crossEntropyRows(read(logits!), read(weights!), rows, cols, e!, stats!);
    loss![0] = crossEntropyLoss(stats!, rows, attrs.scale as number);
  },
}));

registerMemoryKernel(BACKWARD, ({ inputs: { e, weights, stats, dy }, attrs, read, simd }) => ({
  shapes: [e!.shape],
  compute([dz]) {
    const { rows, cols } = dims(e!);
    const g = (attrs.scale as number) * (dy ? read(dy)[0]! : 1); // without dy: the loss's own gradient
    if (simd) simd.ce_backward(read(e!).byteOffset, read(weights!).byteOffset, read(stats!).byteOffset, dz!.byteOffset, rows, cols, g);
    else crossEntropyBackward(read(e!), read(weights!), read(stats!), rows, cols, g, dz!);
  },
}));

type Saved = [tf.Tensor, tf.Tensor, tf.Tensor];

/** The forward kernel: the loss, and what backward needs (e, the weights, the row statistics). */
function forward(logits: tf.Tensor2D, weights: tf.Tensor2D, scale: number): [tf.Scalar, Saved] {
  const [loss, e, stats] = tf.engine().runKernel(FORWARD, { logits, weights }, { scale }) as unknown as [tf.Scalar, tf.Tensor, tf.Tensor];
  return [loss, [e, weights, stats]];
}

const backward = ([e, weights, stats]: tf.Tensor[], scale: number, dy?: tf.Tensor) =>
  (tf.engine().runKernel(BACKWARD, { e: e!, weights: weights!, stats: stats!, ...(dy && { dy }) }, { scale }) as unknown as [tf.Tensor2D])[0];

/** The loss and its gradient in the logits (for an upstream gradient of 1), without autodiff: for hand-written backward passes. */
export function crossEntropyWithGradient(logits: tf.Tensor2D, weights: tf.Tensor2D, divisor: number): { loss: tf.Scalar; dLogits: tf.Tensor2D } {
  if (!memoryKernelAvailable(FORWARD)) {
    return tf.tidy(() => {
      const p = tf.softmax(logits);
      const loss = tf.div(tf.neg(tf.sum(tf.mul(weights, tf.log(tf.maximum(p, 1e-30))))), divisor) as tf.Scalar;
      return { loss, dLogits: tf.div(tf.sub(tf.mul(p, tf.sum(weights, 1, true)), weights), divisor) as tf.Tensor2D };
    });
  }
  const [loss, saved] = forward(logits, weights, 1 / divisor);
  const dLogits = backward(saved, 1 / divisor);
  tf.dispose([saved[0], saved[2]]);
  return { loss, dLogits };
}

/** −Σ weights ⊙ log softmax(logits) / divisor for logits and weights [rows, cols], differentiable in the logits. */
export function crossEntropy(logits: tf.Tensor2D, weights: tf.Tensor2D, divisor: number): tf.Scalar {
  const fused = memoryKernelAvailable(FORWARD);
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    if (!fused) return plainCrossEntropy(z, weights, divisor, save);
    const [loss, saved] = forward(z, weights, 1 / divisor);
    save(saved); // saved, not closed over: the forward pass's tidy scope would free them first
    return { value: loss, gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => [backward(s, 1 / divisor, dy)] };
  })(logits) as tf.Scalar;
}

/** The same in tfjs ops (any backend): the gradient written out, as tf.logSoftmax's own costs several times more. */
function plainCrossEntropy(z: tf.Tensor2D, weights: tf.Tensor2D, divisor: number, save: tf.GradSaveFunc) {
  const p = tf.softmax(z);
  save([p, weights]);
  return {
    value: tf.div(tf.neg(tf.sum(tf.mul(weights, tf.log(tf.maximum(p, 1e-30))))), divisor) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, [ps, ws]: tf.Tensor[]) => [tf.mul(tf.sub(tf.mul(ps!, tf.sum(ws!, 1, true)), ws!), tf.div(dy, divisor))],
  };
}
