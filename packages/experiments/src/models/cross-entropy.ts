import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";

/*
 * Soft-target cross-entropy, loss = −scale·Σ w ⊙ log softmax(z) row by row (one-hot or weighted targets w; rows
 * without a target add nothing), the loss of every experiment but Bigram 4. On the wasm and cpu backends it is two
 * memory kernels, forward (loss and softmax) and backward (scale·dy·(softmax·Σ_row w − w)), instead of the ~10
 * and ~8 tfjs kernels of logSoftmax, its gradient and the weighted sum: most of a small model's step.
 * Computed in float64 from float32 inputs; log softmax as z − logsumexp(z), so no probability underflows to log 0.
 */
const FORWARD = "OrreryCrossEntropy";
const BACKWARD = "OrreryCrossEntropyGrad";

/** Loss and softmax (written into `p`) of logits z [rows, cols] against weights w. */
export function crossEntropyForward(z: ArrayLike<number>, w: ArrayLike<number>, rows: number, cols: number, scale: number, p: Float32Array | Float64Array): number {
  let loss = 0;
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let max = -Infinity;
    for (let j = o; j < o + cols; j++) if (z[j]! > max) max = z[j]!;
    let sum = 0;
    for (let j = o; j < o + cols; j++) sum += p[j] = Math.exp(z[j]! - max);
    const lse = max + Math.log(sum);
    let row = 0;
    for (let j = o; j < o + cols; j++) {
      p[j] = p[j]! / sum;
      const wj = w[j]!;
      if (wj !== 0) row += wj * (z[j]! - lse);
    }
    loss -= row;
  }
  return loss * scale;
}

/** dz = scale·dy·(p·Σ_row w − w), written into `dz`. */
export function crossEntropyBackward(p: ArrayLike<number>, w: ArrayLike<number>, rows: number, cols: number, scale: number, dz: Float32Array | Float64Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let total = 0;
    for (let j = o; j < o + cols; j++) total += w[j]!;
    for (let j = o; j < o + cols; j++) dz[j] = scale * (p[j]! * total - w[j]!);
  }
}

const dims = (t: tf.TensorInfo) => ({ rows: t.shape[0]!, cols: t.shape[1]! });

registerMemoryKernel(FORWARD, ({ inputs: { logits, weights }, attrs, read }) => ({
  shapes: [[], logits!.shape],
  compute([loss, p]) {
    const { rows, cols } = dims(logits!);
    loss![0] = crossEntropyForward(read(logits!), read(weights!), rows, cols, attrs.scale as number, p!);
  },
}));

registerMemoryKernel(BACKWARD, ({ inputs: { probs, weights, dy }, attrs, read }) => ({
  shapes: [probs!.shape],
  compute([dz]) {
    const { rows, cols } = dims(probs!);
    const upstream = dy ? read(dy)[0]! : 1; // without dy: the loss's own gradient
    crossEntropyBackward(read(probs!), read(weights!), rows, cols, (attrs.scale as number) * upstream, dz!);
  },
}));

/** The loss and its gradient in the logits (for an upstream gradient of 1), without autodiff: for hand-written backward passes. */
export function crossEntropyWithGradient(logits: tf.Tensor2D, weights: tf.Tensor2D, divisor: number): { loss: tf.Scalar; dLogits: tf.Tensor2D } {
  if (!memoryKernelAvailable(FORWARD)) {
    return tf.tidy(() => {
      const p = tf.softmax(logits);
      const loss = tf.div(tf.neg(tf.sum(tf.mul(weights, tf.log(tf.maximum(p, 1e-30))))), divisor) as tf.Scalar;
      return { loss, dLogits: tf.div(tf.sub(tf.mul(p, tf.sum(weights, 1, true)), weights), divisor) as tf.Tensor2D };
    });
  }
  const attrs = { scale: 1 / divisor };
  const [loss, probs] = tf.engine().runKernel(FORWARD, { logits, weights }, attrs) as unknown as [tf.Scalar, tf.Tensor2D];
  const [dLogits] = tf.engine().runKernel(BACKWARD, { probs, weights }, attrs) as unknown as [tf.Tensor2D];
  probs.dispose();
  return { loss, dLogits };
}

/** −Σ weights ⊙ log softmax(logits) / divisor for logits and weights [rows, cols], differentiable in the logits. */
export function crossEntropy(logits: tf.Tensor2D, weights: tf.Tensor2D, divisor: number): tf.Scalar {
  const fused = memoryKernelAvailable(FORWARD);
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    if (!fused) return plainCrossEntropy(z, weights, divisor, save);
    const attrs = { scale: 1 / divisor };
    const [loss, probs] = tf.engine().runKernel(FORWARD, { logits: z, weights }, attrs) as unknown as [tf.Scalar, tf.Tensor2D];
    save([probs, weights]); // saved, not closed over: the forward pass's tidy scope would free them first
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, [p, w]: tf.Tensor[]) => tf.engine().runKernel(BACKWARD, { probs: p!, weights: w!, dy }, attrs) as tf.Tensor,
    };
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
