import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";
import { crossEntropyBackward, crossEntropyLoss, crossEntropyRows } from "./cross-entropy.ts";

/*
 * The embed → A → unembed bigram models' loss and gradients as ONE memory kernel (wasm and cpu), in float64:
 *   x = E[inputs] (or E itself: every token, the exact loss), h = x·Aᵀ (or x), logits = h·U (or h·Eᵀ, tied),
 *   loss = −Σ w ⊙ log softmax(logits) / divisor.
 * Backward: dL = the cross-entropy's gradient; dU = hᵀ·dL, or tied dE += dLᵀ·h and dh = dL·E (else dh = dL·Uᵀ);
 * dA = dhᵀ·x, dx = dh·A (or dh); dE[inputs] += dx. Bigram-1/2, unigram and Bigram 3 (low-rank) at their default
 * sizes (V 10, width 2–4) are a few thousand multiply-adds, where ~40 tfjs kernels and autodiff's tape cost
 * ~150 µs a step. Attention-form A (W_o·W_v) and LayerNorm stay with autodiff.
 */
const BILINEAR = "OrreryBilinearCrossEntropy";

export interface BilinearShapes {
  V: number;
  d: number;
  /** Rows of the batch: inputs.length, or V for the exact loss. */
  B: number;
}

/** Loss and gradients (dA, dU null where there is no A, or U is tied to E). */
export function bilinearLossAndGrads(
  E: ArrayLike<number>, A: ArrayLike<number> | null, U: ArrayLike<number> | null, inputs: ArrayLike<number> | null, w: ArrayLike<number>,
  divisor: number, { V, d, B }: BilinearShapes,
): { loss: number; dE: Float64Array; dA: Float64Array | null; dU: Float64Array | null } {
  const row = (b: number) => (inputs ? inputs[b]! : b);
  const x = new Float64Array(B * d);
  for (let b = 0; b < B; b++) for (let j = 0; j < d; j++) x[b * d + j] = E[row(b) * d + j]!;
  const h = A ? new Float64Array(B * d) : x;
  if (A) for (let b = 0; b < B; b++) for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[b * d + j]! * A[i * d + j]!;
    h[b * d + i] = s;
  }
  const out = (j: number, v: number) => (U ? U[j * V + v]! : E[v * d + j]!); // logits = h·out, out [d, V]
  const logits = new Float64Array(B * V);
  for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += h[b * d + j]! * out(j, v);
    logits[b * V + v] = s;
  }
  const e = new Float64Array(B * V);
  const stats = new Float64Array(B * 4);
  crossEntropyRows(logits, w, B, V, e, stats);
  const dL = new Float64Array(B * V);
  crossEntropyBackward(e, w, stats, B, V, 1 / divisor, dL);

  const dE = new Float64Array(V * d);
  const dU = U ? new Float64Array(d * V) : null;
  const dh = new Float64Array(B * d);
  for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) {
    const g = dL[b * V + v]!;
    if (g === 0) continue;
    for (let j = 0; j < d; j++) {
      dh[b * d + j]! += g * out(j, v);
      if (dU) dU[j * V + v]! += h[b * d + j]! * g;
      else dE[v * d + j]! += g * h[b * d + j]!;
    }
  }
  const dA = A ? new Float64Array(d * d) : null;
  const dx = A ? new Float64Array(B * d) : dh;
  if (A) for (let b = 0; b < B; b++) for (let i = 0; i < d; i++) {
    const g = dh[b * d + i]!;
    for (let j = 0; j < d; j++) {
      dA![i * d + j]! += g * x[b * d + j]!;
      dx[b * d + j]! += g * A[i * d + j]!;
    }
  }
  for (let b = 0; b < B; b++) for (let j = 0; j < d; j++) dE[row(b) * d + j]! += dx[b * d + j]!;
  return { loss: crossEntropyLoss(stats, B, 1 / divisor), dE, dA, dU };
}

registerMemoryKernel(BILINEAR, ({ inputs: { E, A, U, inputs, weights }, attrs, read }) => {
  const [V, d] = E!.shape as [number, number];
  return {
    shapes: [[], [V, d], ...(A ? [[d, d]] : []), ...(U ? [[d, V]] : [])],
    compute([loss, dE, ...rest]) {
      const r = bilinearLossAndGrads(read(E!), A ? read(A) : null, U ? read(U) : null, inputs ? read(inputs) : null, read(weights!), attrs.divisor as number, {
        V,
        d,
        B: weights!.shape[0]!,
      });
      loss![0] = r.loss;
      dE!.set(r.dE);
      if (r.dA) rest.shift()!.set(r.dA);
      if (r.dU) rest.shift()!.set(r.dU);
    },
  };
});

export const bilinearKernelAvailable = () => memoryKernelAvailable(BILINEAR);

/**
 * Loss and gradients by group (E, and A and U where given) from the fused kernel, where bilinearKernelAvailable(). `inputs`: token indices [B] as floats (null: every token, in order); `weights` [B, V].
 */
export function bilinearWithGradients(
  params: { E: tf.Tensor; A?: tf.Tensor; U?: tf.Tensor },
  inputs: tf.Tensor | null,
  weights: tf.Tensor,
  divisor: number,
): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const { E, A, U } = params;
  const named: tf.NamedTensorMap = { E, weights, ...(A && { A }), ...(U && { U }), ...(inputs && { inputs }) };
  const [loss, dE, ...rest] = tf.engine().runKernel(BILINEAR, named, { divisor }) as unknown as tf.Tensor[];
  const grads: Record<string, tf.Tensor> = { E: dE! };
  if (A) grads.A = rest.shift()!;
  if (U) grads.U = rest.shift()!;
  return { loss: loss as tf.Scalar, grads };
}
