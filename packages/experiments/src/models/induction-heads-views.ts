import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "@orrery/protocol";
import { singularValues } from "../analysis/svd.ts";
import { subspaceMatching } from "../analysis/subspaces.ts";
import { bridgeOverlap, type BridgeOverlap } from "../analysis/bridge-subspace.ts";
import { readTensors } from "../training/tensors.ts";
import type { AttentionOnlyTransformer } from "./transformer/attention-only.ts";

/**
 * The tensors Zhong plots, in torch's column-vector convention: W_qk = W_qᵀ·W_k/√d of the last layer (so that
 * score = x_qᵀ·W_qk·x_k), W_ov = W_o·W_v of layer 1, their product W_qk·W_ov and subspace matching, the embedding and its spectrum,
 * the last layer's attention on `probe` (one-hot [T, V]), and the bridge's principal-angle cosines against W_E's
 * top / medium / bottom singular subspaces (bridge rank `bridgeK`, 0: d/8).
 */
export function inductionSnapshot(model: AttentionOnlyTransformer, probe: tf.Tensor2D, bridgeK = 0): NamedTensor[] {
  const { d, T, V } = model.dims;
  const { E, layers } = model.params;
  const first = layers[0]!;
  const tensors = tf.tidy(() => {
    const [, , Wv, Wo] = tf.unstack(first.W);
    const { attention } = model.forward(probe, 1);
    const W_qk = lastLayerQk(model);
    // Row-vector weights are torch's transposed: (W_o·W_v)_torch = (Wv·Wo)ᵀ here.
    const W_ov = tf.matMul(Wo!, Wv!, true, true);
    // The composed circuit: layer 1 writes W_ov·x, which the last layer's keys read through W_qk.
    return { E, W_qk, W_ov, W_qk_W_ov: tf.matMul(W_qk, W_ov), attention: tf.reshape(attention[attention.length - 1]!, [T, T]) };
  });
  const read = readTensors(tensors);
  tf.dispose([tensors.W_qk, tensors.W_ov, tensors.W_qk_W_ov, tensors.attention]);

  const byName = new Map(read.map((t) => [t.name, t.data]));
  const sigma = singularValues(byName.get("E")!, V, d);
  read.push({ name: "embedding_singular_values", shape: [1, sigma.length], data: Float32Array.from(sigma) });
  if (layers.length >= 2) {
    const matching = subspaceMatching(byName.get("W_qk")!, byName.get("W_ov")!, d);
    read.push({ name: "qk_ov_matching", shape: [1, d], data: Float32Array.from(matching) });
  }
  const bridge = bridgeOf(byName.get("W_qk")!, byName.get("E")!, model, bridgeK);
  if (bridge) {
    for (const part of ["top", "medium", "bottom"] as const) {
      read.push({ name: `bridge_cos_${part}`, shape: [1, bridge[part].length], data: Float32Array.from(bridge[part]) });
    }
  }
  return read;
}

/**
 * Mean principal-angle cosine between the bridge (top-k right-singular subspace of the last layer's W_qk) and
 * W_E's top / medium / bottom right-singular subspaces (see analysis/bridge-subspace.ts), and the bridge's k.
 */
export function bridgeMetrics(model: AttentionOnlyTransformer, bridgeK = 0): Record<string, number> {
  const [qk, E] = tf.tidy(() => [lastLayerQk(model), tf.clone(model.params.E)]);
  const bridge = bridgeOf(qk.dataSync(), E.dataSync(), model, bridgeK);
  tf.dispose([qk, E]);
  if (!bridge) return {};
  const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  return { bridge_cos_top: mean(bridge.top), bridge_cos_medium: mean(bridge.medium), bridge_cos_bottom: mean(bridge.bottom), bridge_k: bridge.k };
}

/** W_qk = W_q·W_kᵀ/√d of the last layer (row-vector weights: score = x_q·W_qk·x_kᵀ). Call inside tidy. */
function lastLayerQk(model: AttentionOnlyTransformer): tf.Tensor2D {
  const last = model.params.layers[model.params.layers.length - 1]!;
  const [Wq, Wk] = tf.unstack(last.W);
  return tf.div(tf.matMul(Wq!, Wk!, false, true), Math.sqrt(model.dims.d));
}

/** null when W_E has too few directions to split in three (min(V, d) < 3). */
function bridgeOf(Wqk: ArrayLike<number>, E: ArrayLike<number>, model: AttentionOnlyTransformer, k: number): BridgeOverlap | null {
  const { V, d } = model.dims;
  if (Math.min(V, d) < 3) return null;
  return bridgeOverlap(Wqk, E, V, d, k > 0 ? Math.min(k, d) : undefined);
}
