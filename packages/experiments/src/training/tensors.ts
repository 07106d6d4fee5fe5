import { tensor, tensor2d, tidy, variable, type Tensor, type Tensor2D, type Variable } from "@tensorflow/tfjs";
import type { NamedTensor } from "@orrery/protocol";

/** Copies tensors off the device (a copy: some backends hand out their own buffers). */
export function readTensors(byName: Record<string, Tensor>): NamedTensor[] {
  return Object.entries(byName).map(([name, t]) => ({ name, shape: [...t.shape], data: Float32Array.from(t.dataSync()) }));
}

/** [n, depth] float one-hot rows built on the host (tf.oneHot + gather would need kernels wasm lacks). */
export function oneHotRows(indices: Int32Array, depth: number): Tensor2D {
  const data = new Float32Array(indices.length * depth);
  indices.forEach((v, i) => (data[i * depth + v] = 1));
  return tensor2d(data, [indices.length, depth]);
}

/**
 * A variable from host data, without leaving the initial-value tensor behind. Unnamed on purpose: tfjs
 * variable names are process-global, and several runs live in one daemon; groups are named by their key.
 */
export function variableFrom(data: Float32Array, shape: number[], trainable: boolean): Variable {
  return tidy(() => variable(tensor(data, shape), trainable));
}

/** The groups the trainer asked for, from all of a fused kernel's gradients (the others freed): for Problem.gradients. */
export function onlyTrained(grads: Record<string, Tensor>, trained: readonly string[]): Record<string, Tensor> {
  for (const [k, g] of Object.entries(grads)) if (!trained.includes(k)) (g.dispose(), delete grads[k]);
  return grads;
}
