import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "@orrery/protocol";
import { singularValues } from "../analysis/svd.ts";
import { subspaceMatching } from "../analysis/subspaces.ts";
import { readTensors } from "../training/tensors.ts";
import type { AttentionOnlyTransformer } from "./transformer/attention-only.ts";

/**
 * The tensors Zhong plots, in torch's column-vector convention: W_qk = W_qᵀ·W_k/√d of the last layer (so that
 * score = x_qᵀ·W_qk·x_k), W_ov = W_o·W_v of layer 1, their subspace matching, the embedding and its spectrum,
 * and the last layer's attention on `probe` (one-hot [T, V]).
 */
export function inductionSnapshot(model: AttentionOnlyTransformer, probe: tf.Tensor2D): NamedTensor[] {
  const { d, T, V } = model.dims;
  const { E, layers } = model.params;
  const first = layers[0]!;
  const last = layers[layers.length - 1]!;
  const tensors = tf.tidy(() => {
    const [Wq, Wk] = tf.unstack(last.W);
    const [, , Wv, Wo] = tf.unstack(first.W);
    const { attention } = model.forward(probe, 1);
    return {
      E,
      W_qk: tf.div(tf.matMul(Wq!, Wk!, false, true), Math.sqrt(d)),
      // Row-vector weights are torch's transposed: (W_o·W_v)_torch = (Wv·Wo)ᵀ here.
      W_ov: tf.matMul(Wo!, Wv!, true, true),
      attention: tf.reshape(attention[attention.length - 1]!, [T, T]),
    };
  });
  const read = readTensors(tensors);
  tf.dispose([tensors.W_qk, tensors.W_ov, tensors.attention]);

  const byName = new Map(read.map((t) => [t.name, t.data]));
  const sigma = singularValues(byName.get("E")!, V, d);
  read.push({ name: "embedding_singular_values", shape: [1, sigma.length], data: Float32Array.from(sigma) });
  if (layers.length >= 2) {
    const matching = subspaceMatching(byName.get("W_qk")!, byName.get("W_ov")!, d);
    read.push({ name: "qk_ov_matching", shape: [1, d], data: Float32Array.from(matching) });
  }
  return read;
}
