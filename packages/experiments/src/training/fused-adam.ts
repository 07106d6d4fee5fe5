import * as tf from "@tensorflow/tfjs";
import { memoryKernelAvailable, registerMemoryKernel } from "./memory-kernels.ts";

/**
 * Adam's update of one parameter as ONE kernel instead of tfjs's fourteen (plus four for the bias-correction
 * scalars): on small models each kernel costs ~8 µs of dispatch whatever its size, so this is most of an optimizer
 * step. A memory kernel (wasm and cpu backends); elsewhere the Trainer keeps tfjs's own Adam.
 *
 * Bit-identical to tfjs's AdamOptimizer: every operation is rounded to float32 where tfjs's per-op kernels round,
 * in the same order (a float32 +, −, ×, ÷ or √ computed in float64 and rounded once is the correctly rounded
 * float32 result, which is what those kernels produce). A test checks this against tfjs's Adam.
 */
export const FUSED_ADAM = "OrreryFusedAdam";

export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β1^t and 1 − β2^t, float32 as tfjs's `sub(1, accBeta)` gives them. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  /** Decoupled weight decay's multiplier 1 − lr·wd, applied after the step (1: none). */
  keep: number;
}

const f = Math.fround;

/** value, m, v → their new values, written into the three outputs (which may not alias the inputs). */
export function adamUpdate(
  value: ArrayLike<number>, grad: ArrayLike<number>, m: ArrayLike<number>, v: ArrayLike<number>,
  outValue: Float32Array, outM: Float32Array, outV: Float32Array, a: FusedAdamAttrs,
): void {
  const b1 = f(a.beta1), b2 = f(a.beta2), ob1 = f(1 - a.beta1), ob2 = f(1 - a.beta2);
  const c1 = f(a.oneMinusAccBeta1), c2 = f(a.oneMinusAccBeta2), eps = f(a.epsilon), step = f(-a.learningRate);
  const keep = f(a.keep), decays = a.keep !== 1;
  for (let i = 0; i < outValue.length; i++) {
    const g = grad[i]!;
    const nm = f(f(m[i]! * b1) + f(g * ob1));
    const nv = f(f(v[i]! * b2) + f(f(g * g) * ob2));
    const mHat = f(nm / c1);
    const vHat = f(nv / c2);
    const next = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * step) + value[i]!);
    outM[i] = nm;
    outV[i] = nv;
    outValue[i] = decays ? f(next * keep) : next;
  }
}

registerMemoryKernel(FUSED_ADAM, ({ inputs: { value, grad, m, v }, attrs, read, simd }) => ({
  shapes: [value!.shape, value!.shape, value!.shape],
  compute([ov, om, os]) {
    const a = attrs as unknown as FusedAdamAttrs;
    if (!simd) return adamUpdate(read(value!), read(grad!), read(m!), read(v!), ov!, om!, os!, a);
    // The same operations, four floats at a time, in float32 (wasm's f32 ops round as Math.fround does).
    const at = (t: tf.TensorInfo) => read(t).byteOffset;
    simd.adam(
      at(value!), at(grad!), at(m!), at(v!), ov!.byteOffset, om!.byteOffset, os!.byteOffset, ov!.length,
      a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate, a.keep,
    );
  },
}));

/** Whether the active backend runs the fused kernel. */
export const fusedAdamAvailable = () => memoryKernelAvailable(FUSED_ADAM);

/** One fused Adam step of `value` (float32): returns [value, m, v] after the step. */
export function fusedAdamStep(value: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: FusedAdamAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(FUSED_ADAM, { value, grad, m, v }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
