import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "../training/memory-kernels.ts";
import { crossEntropyBackward, crossEntropyLoss, crossEntropyRows } from "./cross-entropy.ts";

/**
 * Node2Vec's loss −Σ T ⊙ log softmax(E·Eᵀ) and its gradient dE = (dG + dGᵀ)·E, dG = softmax(G)·Σ_row T − T, as ONE
 * memory kernel (wasm and cpu backends), in float64: at the default n = 15, d = 100 the arithmetic is ~50k
 * multiply-adds, less than the dispatch of the dozen tfjs kernels and the tape it replaces.
 */
const GRAM_CROSS_ENTROPY = "OrreryGramCrossEntropy";

export function gramCrossEntropyAndGradient(E: ArrayLike<number>, T: ArrayLike<number>, n: number, d: number, dE: Float32Array): number {
  const G = new Float64Array(n * n);
  for (let u = 0; u < n; u++) {
    for (let v = 0; v <= u; v++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += E[u * d + k]! * E[v * d + k]!;
      G[u * n + v] = G[v * n + u] = s;
    }
  }
  const e = new Float64Array(n * n);
  const stats = new Float64Array(n * 4);
  crossEntropyRows(G, T, n, n, e, stats);
  const dG = new Float64Array(n * n);
  crossEntropyBackward(e, T, stats, n, n, 1, dG);
  // dE[u] = Σ_v S[u, v]·E[v] with S = dG + dGᵀ, four rows of E per pass over dE[u] (fewer loads and stores).
  const S = new Float64Array(n * n);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) S[u * n + v] = dG[u * n + v]! + dG[v * n + u]!;
  const row = new Float64Array(d);
  for (let u = 0; u < n; u++) {
    row.fill(0);
    const s = u * n;
    let v = 0;
    for (; v + 3 < n; v += 4) {
      const [s0, s1, s2, s3] = [S[s + v]!, S[s + v + 1]!, S[s + v + 2]!, S[s + v + 3]!];
      const e0 = v * d, e1 = e0 + d, e2 = e1 + d, e3 = e2 + d;
      for (let k = 0; k < d; k++) row[k]! += s0 * E[e0 + k]! + s1 * E[e1 + k]! + s2 * E[e2 + k]! + s3 * E[e3 + k]!;
    }
    for (; v < n; v++) {
      const sv = S[s + v]!, e = v * d;
      for (let k = 0; k < d; k++) row[k]! += sv * E[e + k]!;
    }
    for (let k = 0; k < d; k++) dE[u * d + k] = row[k]!;
  }
  return crossEntropyLoss(stats, n, 1);
}

registerMemoryKernel(GRAM_CROSS_ENTROPY, ({ inputs: { E, targets }, read }) => ({
  shapes: [[], E!.shape],
  compute([loss, dE]) {
    loss![0] = gramCrossEntropyAndGradient(read(E!), read(targets!), E!.shape[0]!, E!.shape[1]!, dE!);
  },
}));

/** Loss and dE from the fused kernel, or null where the backend has none (then autodiff of the tfjs ops). */
export function gramCrossEntropyWithGradient(E: tf.Tensor, targets: tf.Tensor): { loss: tf.Scalar; dE: tf.Tensor } | null {
  if (!memoryKernelAvailable(GRAM_CROSS_ENTROPY)) return null;
  const [loss, dE] = tf.engine().runKernel(GRAM_CROSS_ENTROPY, { E, targets }, {}) as unknown as [tf.Scalar, tf.Tensor];
  return { loss, dE };
}
