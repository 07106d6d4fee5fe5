import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../random.ts";
import { variableFrom } from "../../training/tensors.ts";
import { linear, rightMultiplier } from "../matmul.ts";
import { sparseRowsMatMul } from "../sparse-rows.ts";
import { layerNorm } from "./layer-norm.ts";
import { attentionMix, attentionScores } from "./matmul.ts";
import { causalBias, pairSwap, ropeTables } from "./rope.ts";
import { rotatePairs, rotatePairsAvailable } from "./rotate.ts";

/**
 * The OOD repo's TFModel with pos = "rotary", mlp = False, norm = True, output_norm = False, one head:
 * x = E[tokens]; per layer x += W_o·attn(LN(x)) (causal, RoPE on Q and K, scale 1/√d); logits = U·x + b.
 * Weights act on row vectors (x·W), so W here is the transpose of torch's Linear.weight.
 */
export interface AttentionOnlyDims {
  V: number;
  d: number;
  layers: number;
  T: number;
  ropeTheta: number;
}

/** One layer's parameters, stacked so that Adam and weight decay run once per stack, not per matrix. */
export interface AttentionLayerParams {
  /** W_q, W_k, W_v, W_o (each d×d, acting on rows) stacked: [4, d, d]. */
  W: tf.Variable;
  /** Their biases b_q, b_k, b_v, b_o: [4, d]. */
  b: tf.Variable;
  /** The pre-attention LayerNorm's gain and bias: [2, d]. */
  ln: tf.Variable;
}

export interface AttentionOnlyParams {
  E: tf.Variable;
  layers: AttentionLayerParams[];
  U: tf.Variable;
  bU: tf.Variable;
}

export interface ForwardResult {
  /** [T·B, V], time-major (row t·B + s). */
  logits: tf.Tensor2D;
  /** Each layer's attention probabilities, [T, B, T] (query position, sequence, key position). */
  attention: tf.Tensor3D[];
}

/** Dropout after attention (the source's dropout1), masks drawn from a seeded Rng so runs stay reproducible. */
export interface Dropout {
  rate: number;
  rng: Rng;
}

/** RoPE tables and causal mask tiled to a batch size, so that no op has to broadcast (slow on wasm). */
interface Tiled {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  /** cos/√d and sin/√d: the query side carries the attention scale. */
  cosQ: tf.Tensor2D;
  sinQ: tf.Tensor2D;
  causal: tf.Tensor3D;
}

export class AttentionOnlyTransformer {
  readonly params: AttentionOnlyParams;
  private readonly tiled = new Map<number, Tiled>();
  private readonly swapMatrix: tf.Tensor2D;
  private readonly swapPairs: (x: tf.Tensor2D) => tf.Tensor2D;

  constructor(readonly dims: AttentionOnlyDims, rng: Rng) {
    if (dims.V < 2) throw new RangeError("V must be at least 2");
    this.params = initParams(dims, rng);
    this.swapMatrix = tf.tensor2d(pairSwap(dims.d), [dims.d, dims.d]);
    this.swapPairs = rightMultiplier(this.swapMatrix, this.swapMatrix);
  }

  /** Parameter groups by name: E, then W_qkvo1, b_qkvo1, ln1, … per layer, then U, b_U. */
  groups(): Record<string, tf.Variable> {
    const { E, layers, U, bU } = this.params;
    const out: Record<string, tf.Variable> = { E };
    layers.forEach((l, i) => Object.assign(out, { [`W_qkvo${i + 1}`]: l.W, [`b_qkvo${i + 1}`]: l.b, [`ln${i + 1}`]: l.ln }));
    return Object.assign(out, { U, b_U: bU });
  }

  /**
   * `inputs`: time-major one-hot rows [T·B, V] (see sequence-batch.ts; a matmul, not a gather: gather's
   * gradient needs UnsortedSegmentSum, which the wasm backend lacks). Call inside a tidy scope.
   */
  forward(inputs: tf.Tensor2D, B: number, dropout?: Dropout): ForwardResult {
    const { d, T } = this.dims;
    const tables = this.tables(B);
    let x = sparseRowsMatMul(inputs, this.params.E);
    const attention: tf.Tensor3D[] = [];
    for (const layer of this.params.layers) {
      const [Wq, Wk, Wv, Wo] = tf.unstack(layer.W);
      const [bq, bk, bv, bo] = tf.unstack(layer.b);
      const [gain, bias] = tf.unstack(layer.ln);
      const h = layerNorm(x, gain!, bias!);
      const q = this.rotate(linear(h, Wq!, bq!), tables.cosQ, tables.sinQ);
      const k = this.rotate(linear(h, Wk!, bk!), tables.cos, tables.sin);
      const v = tf.reshape(linear(h, Wv!, bv!), [T, B, d]) as tf.Tensor3D;
      const q3 = tf.reshape(q, [T, B, d]) as tf.Tensor3D;
      const k3 = tf.reshape(k, [T, B, d]) as tf.Tensor3D;
      const probs = tf.softmax(tf.add(attentionScores(q3, k3), tables.causal)) as tf.Tensor3D;
      attention.push(probs);
      let out = linear(tf.reshape(attentionMix(probs, v), [T * B, d]) as tf.Tensor2D, Wo!, bo!);
      if (dropout && dropout.rate > 0) out = tf.mul(out, dropoutMask(T * B, d, dropout));
      x = tf.add(x, out);
    }
    return { logits: linear(x, this.params.U, this.params.bU), attention };
  }

  dispose(): void {
    const { E, layers, U, bU } = this.params;
    tf.dispose([E, U, bU, ...layers.flatMap((l) => Object.values(l))]);
    for (const t of this.tiled.values()) tf.dispose(Object.values(t));
    this.tiled.clear();
    this.swapMatrix.dispose();
  }

  /** x ⊙ cos + swap(x) ⊙ sin on [T·B, d] rows: one fused kernel on wasm and cpu, else a permutation matmul (beats tf.reverse). */
  private rotate(x: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor2D {
    if (rotatePairsAvailable()) return rotatePairs(x, cos, sin);
    return tf.add(tf.mul(x, cos), tf.mul(this.swapPairs(x), sin));
  }

  /** Made on first use, often inside a tidy scope: kept, and freed by dispose(). */
  private tables(B: number): Tiled {
    let t = this.tiled.get(B);
    if (!t) {
      const { T, d, ropeTheta } = this.dims;
      const { cos, sin } = ropeTables(T, d, ropeTheta);
      const scale = 1 / Math.sqrt(d);
      const rows = (table: Float32Array, factor: number) => {
        const out = new Float32Array(T * B * d);
        for (let i = 0; i < T; i++) for (let s = 0; s < B; s++) for (let c = 0; c < d; c++) out[(i * B + s) * d + c] = factor * table[i * d + c]!;
        return tf.keep(tf.tensor2d(out, [T * B, d]));
      };
      const mask = causalBias(T);
      const causal = new Float32Array(T * B * T);
      for (let i = 0; i < T; i++) for (let s = 0; s < B; s++) causal.set(mask.subarray(i * T, (i + 1) * T), (i * B + s) * T);
      t = {
        cos: rows(cos, 1),
        sin: rows(sin, 1),
        cosQ: rows(cos, scale),
        sinQ: rows(sin, scale),
        causal: tf.keep(tf.tensor3d(causal, [T, B, T])),
      };
      this.tiled.set(B, t);
    }
    return t;
  }
}

function dropoutMask(rows: number, d: number, { rate, rng }: Dropout): tf.Tensor2D {
  const keep = new Float32Array(rows * d);
  for (let i = 0; i < keep.length; i++) keep[i] = rng.next() < rate ? 0 : 1 / (1 - rate);
  return tf.tensor2d(keep, [rows, d]);
}

/** torch defaults: Embedding N(0,1); Linear weight and bias U(±1/√fan_in); LayerNorm gain 1, bias 0. */
function initParams({ V, d, layers }: AttentionOnlyDims, rng: Rng): AttentionOnlyParams {
  const uniform = (n: number, bound: number) => Float32Array.from({ length: n }, () => bound * (2 * rng.next() - 1));
  const E = variableFrom(rng.normals(V * d), [V, d], true);
  const blocks = Array.from({ length: layers }, (): AttentionLayerParams => {
    const ln = new Float32Array(2 * d);
    ln.fill(1, 0, d);
    return {
      W: variableFrom(uniform(4 * d * d, 1 / Math.sqrt(d)), [4, d, d], true),
      b: variableFrom(uniform(4 * d, 1 / Math.sqrt(d)), [4, d], true),
      ln: variableFrom(ln, [2, d], true),
    };
  });
  const U = variableFrom(uniform(d * V, 1 / Math.sqrt(d)), [d, V], true);
  const bU = variableFrom(uniform(V, 1 / Math.sqrt(d)), [V], true);
  return { E, layers: blocks, U, bU };
}
