import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";

/**
 * Bigram 4's loss and its gradient in ONE memory kernel (wasm and cpu backends), instead of the ~50 forward and ~60
 * backward kernels tfjs's autodiff runs for it: at p = 29, d = 2 the arithmetic is a few thousand flops, so the
 * per-kernel dispatch was nearly all of a step. Computed in float64 (the plain path rounds each op to float32:
 * the two agree to ~1e-6, tested).
 *
 *   X = inputs·E (or E), Z_k = (X W_kᵀ) Eᵀ, logp = log(½ softmax(Z_1) + ½ softmax(Z_2)), loss = −Σ w ⊙ logp / B
 *
 * Backward, with G = −w/B and r_k = softmax(Z_k)/(softmax(Z_1) + softmax(Z_2)) (each mixture part's share):
 *   dZ_k = G ⊙ r_k − softmax(Z_k) ⊙ rowsum(G ⊙ r_k);  dH_k = dZ_k E;  dE += dZ_kᵀ H_k;  dX = Σ dH_k W_k;
 *   dW_k = dH_kᵀ X;  dE += inputsᵀ dX (or dX).
 */
export const MIXTURE_NLL = "OrreryMixtureNll";

interface Sizes {
  B: number;
  p: number;
  d: number;
}

/** Loss and gradients; `inputs` null means X = E (every token once, in order). */
export function mixtureNllAndGrads(
  E: ArrayLike<number>, W1: ArrayLike<number>, W2: ArrayLike<number>, inputs: ArrayLike<number> | null, w: ArrayLike<number>,
  { B, p, d }: Sizes,
): { loss: number; dE: Float64Array; dW1: Float64Array; dW2: Float64Array } {
  const X = new Float64Array(B * d);
  if (inputs) {
    for (let b = 0; b < B; b++) for (let t = 0; t < p; t++) {
      const a = inputs[b * p + t]!;
      if (a !== 0) for (let j = 0; j < d; j++) X[b * d + j]! += a * E[t * d + j]!;
    }
  } else X.set(Array.from({ length: B * d }, (_, i) => E[i]!));

  const Ws = [W1, W2];
  const H = Ws.map((W) => {
    const h = new Float64Array(B * d); // X Wᵀ
    for (let b = 0; b < B; b++) for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[b * d + j]! * W[i * d + j]!;
      h[b * d + i] = s;
    }
    return h;
  });
  const S = H.map((h) => {
    const soft = new Float64Array(B * p); // softmax(h Eᵀ), row by row
    for (let b = 0; b < B; b++) {
      let max = -Infinity;
      for (let t = 0; t < p; t++) {
        let z = 0;
        for (let j = 0; j < d; j++) z += h[b * d + j]! * E[t * d + j]!;
        soft[b * p + t] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let t = 0; t < p; t++) sum += soft[b * p + t] = Math.exp(soft[b * p + t]! - max);
      for (let t = 0; t < p; t++) soft[b * p + t]! /= sum;
    }
    return soft;
  });

  let loss = 0;
  const dE = new Float64Array(p * d);
  const dX = new Float64Array(B * d);
  const dWs = [new Float64Array(d * d), new Float64Array(d * d)];
  const dZ = [new Float64Array(p), new Float64Array(p)];
  for (let b = 0; b < B; b++) {
    let row1 = 0;
    let row2 = 0;
    for (let t = 0; t < p; t++) {
      const i = b * p + t;
      const s1 = S[0]![i]!, s2 = S[1]![i]!, mix = s1 + s2;
      const wt = w[i]!;
      if (wt !== 0) loss -= (wt * Math.log(mix / 2)) / B;
      const g = -wt / B;
      const r1 = mix > 0 ? s1 / mix : 0.5;
      dZ[0]![t] = g * r1;
      dZ[1]![t] = g * (1 - r1);
      row1 += dZ[0]![t]!;
      row2 += dZ[1]![t]!;
    }
    for (let k = 0; k < 2; k++) {
      const soft = S[k]!, h = H[k]!, W = Ws[k]!, dW = dWs[k]!, dz = dZ[k]!;
      const row = k === 0 ? row1 : row2;
      for (let t = 0; t < p; t++) dz[t] = dz[t]! - soft[b * p + t]! * row;
      for (let j = 0; j < d; j++) {
        let dh = 0; // dH_k[b, j] = Σ_t dZ[t] E[t, j]
        for (let t = 0; t < p; t++) {
          dh += dz[t]! * E[t * d + j]!;
          dE[t * d + j]! += dz[t]! * h[b * d + j]!;
        }
        for (let i = 0; i < d; i++) {
          dX[b * d + i]! += dh * W[j * d + i]!;
          dW[j * d + i]! += dh * X[b * d + i]!;
        }
      }
    }
  }
  if (inputs) {
    for (let b = 0; b < B; b++) for (let t = 0; t < p; t++) {
      const a = inputs[b * p + t]!;
      if (a !== 0) for (let j = 0; j < d; j++) dE[t * d + j]! += a * dX[b * d + j]!;
    }
  } else for (let i = 0; i < B * d; i++) dE[i]! += dX[i]!;
  return { loss, dE, dW1: dWs[0]!, dW2: dWs[1]! };
}

registerMemoryKernel(MIXTURE_NLL, ({ inputs: { E, W1, W2, w, inputs }, read }) => ({
  shapes: [[], E!.shape, W1!.shape, W2!.shape],
  compute: ([loss, dE, dW1, dW2]) => {
    const r = mixtureNllAndGrads(read(E!), read(W1!), read(W2!), inputs ? read(inputs) : null, read(w!), { B: w!.shape[0]!, p: E!.shape[0]!, d: E!.shape[1]! });
    loss![0] = r.loss;
    dE!.set(r.dE);
    dW1!.set(r.dW1);
    dW2!.set(r.dW2);
  },
}));

export const mixtureNllKernelAvailable = () => memoryKernelAvailable(MIXTURE_NLL);

/** The loss as a tfjs op of E, W1, W2 whose gradient is the kernel's (computed with the loss, kept until backward). */
export const fusedMixtureNll = (inputs: tf.Tensor | null, w: tf.Tensor) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [E, W1, W2] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const named: tf.NamedTensorMap = { E: E!, W1: W1!, W2: W2!, w, ...(inputs && { inputs }) };
    const [loss, dE, dW1, dW2] = tf.engine().runKernel(MIXTURE_NLL, named, {}) as unknown as tf.Tensor[];
    save([dE!, dW1!, dW2!]);
    return { value: loss as tf.Scalar, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((g) => tf.mul(g, dy)) };
  });
