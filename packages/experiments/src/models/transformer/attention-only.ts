import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../random.ts";
import { variableFrom } from "../../training/tensors.ts";
import { batchMatMul, linear, matMul2d } from "./matmul.ts";
import { causalBias, quarterTurn, ropeTables } from "./rope.ts";

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

export interface AttentionLayerParams {
  lnGain: tf.Variable;
  lnBias: tf.Variable;
  Wq: tf.Variable;
  bq: tf.Variable;
  Wk: tf.Variable;
  bk: tf.Variable;
  Wv: tf.Variable;
  bv: tf.Variable;
  Wo: tf.Variable;
  bo: tf.Variable;
}

export interface AttentionOnlyParams {
  E: tf.Variable;
  layers: AttentionLayerParams[];
  U: tf.Variable;
  bU: tf.Variable;
}

export interface ForwardResult {
  /** [B·T, V]. */
  logits: tf.Tensor2D;
  /** Each layer's attention probabilities, [B, T, T] (row = query). */
  attention: tf.Tensor3D[];
}

/** Dropout after attention (the source's dropout1), masks drawn from a seeded Rng so runs stay reproducible. */
export interface Dropout {
  rate: number;
  rng: Rng;
}

export class AttentionOnlyTransformer {
  readonly params: AttentionOnlyParams;
  private readonly cos: tf.Tensor2D;
  private readonly sin: tf.Tensor2D;
  private readonly quarterTurn: tf.Tensor2D;
  private readonly causal: tf.Tensor2D;

  constructor(readonly dims: AttentionOnlyDims, rng: Rng) {
    const { V, d, T } = dims;
    this.params = initParams(dims, rng);
    const tables = ropeTables(T, d, dims.ropeTheta);
    this.cos = tf.tensor2d(tables.cos, [T, d]);
    this.sin = tf.tensor2d(tables.sin, [T, d]);
    this.quarterTurn = tf.tensor2d(quarterTurn(d), [d, d]);
    this.causal = tf.tensor2d(causalBias(T), [T, T]);
    if (V < 2) throw new RangeError("V must be at least 2");
  }

  /** Parameter groups by name: E, then ln_gain1, ln_bias1, Wq1, bq1, … per layer, then U, bU. */
  groups(): Record<string, tf.Variable> {
    const { E, layers, U, bU } = this.params;
    const out: Record<string, tf.Variable> = { E };
    layers.forEach((l, i) => {
      const n = i + 1;
      Object.assign(out, {
        [`ln_gain${n}`]: l.lnGain,
        [`ln_bias${n}`]: l.lnBias,
        [`Wq${n}`]: l.Wq,
        [`bq${n}`]: l.bq,
        [`Wk${n}`]: l.Wk,
        [`bk${n}`]: l.bk,
        [`Wv${n}`]: l.Wv,
        [`bv${n}`]: l.bv,
        [`Wo${n}`]: l.Wo,
        [`bo${n}`]: l.bo,
      });
    });
    return Object.assign(out, { U, bU });
  }

  /**
   * `inputs`: one-hot rows [B·T, V] (a matmul, not a gather: gather's gradient needs UnsortedSegmentSum,
   * which the wasm backend lacks). Call inside a tidy scope.
   */
  forward(inputs: tf.Tensor2D, B: number, dropout?: Dropout): ForwardResult {
    const { d, T } = this.dims;
    let x = matMul2d(inputs, this.params.E);
    const attention: tf.Tensor3D[] = [];
    for (const layer of this.params.layers) {
      const h = layerNorm(x, layer.lnGain, layer.lnBias);
      const q = this.rotate(linear(h, layer.Wq, layer.bq), B);
      const k = this.rotate(linear(h, layer.Wk, layer.bk), B);
      const v = tf.reshape(linear(h, layer.Wv, layer.bv), [B, T, d]) as tf.Tensor3D;
      const scores = tf.add(tf.mul(batchMatMul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(d)), this.causal);
      const probs = tf.softmax(scores) as tf.Tensor3D;
      attention.push(probs);
      let out = linear(tf.reshape(batchMatMul(probs, v), [B * T, d]), layer.Wo, layer.bo);
      if (dropout && dropout.rate > 0) out = tf.mul(out, dropoutMask(B * T, d, dropout));
      x = tf.add(x, out);
    }
    const logits = linear(x, this.params.U, this.params.bU);
    return { logits, attention };
  }

  dispose(): void {
    const { E, layers, U, bU } = this.params;
    tf.dispose([E, U, bU, ...layers.flatMap((l) => Object.values(l))]);
    tf.dispose([this.cos, this.sin, this.quarterTurn, this.causal]);
  }

  /** [B·T, d] → RoPE-rotated [B, T, d]. */
  private rotate(x: tf.Tensor2D, B: number): tf.Tensor3D {
    const { d, T } = this.dims;
    const plain = tf.reshape(x, [B, T, d]);
    const turned = tf.reshape(tf.matMul(x, this.quarterTurn), [B, T, d]);
    return tf.add(tf.mul(plain, this.cos), tf.mul(turned, this.sin));
  }
}

/** LayerNorm over the last axis, eps 1e-5 as torch's. */
function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
}

function dropoutMask(rows: number, d: number, { rate, rng }: Dropout): tf.Tensor2D {
  const keep = new Float32Array(rows * d);
  for (let i = 0; i < keep.length; i++) keep[i] = rng.next() < rate ? 0 : 1 / (1 - rate);
  return tf.tensor2d(keep, [rows, d]);
}

/** torch defaults: Embedding N(0,1); Linear weight and bias U(±1/√fan_in); LayerNorm gain 1, bias 0. */
function initParams({ V, d, layers }: AttentionOnlyDims, rng: Rng): AttentionOnlyParams {
  const uniform = (n: number, bound: number) => Float32Array.from({ length: n }, () => bound * (2 * rng.next() - 1));
  const linear = (rows: number, cols: number) => ({
    W: variableFrom(uniform(rows * cols, 1 / Math.sqrt(rows)), [rows, cols], true),
    b: variableFrom(uniform(cols, 1 / Math.sqrt(rows)), [cols], true),
  });
  const E = variableFrom(rng.normals(V * d), [V, d], true);
  const blocks = Array.from({ length: layers }, (): AttentionLayerParams => {
    const [q, k, v, o] = [linear(d, d), linear(d, d), linear(d, d), linear(d, d)];
    return {
      lnGain: variableFrom(new Float32Array(d).fill(1), [d], true),
      lnBias: variableFrom(new Float32Array(d), [d], true),
      Wq: q.W,
      bq: q.b,
      Wk: k.W,
      bk: k.b,
      Wv: v.W,
      bv: v.b,
      Wo: o.W,
      bo: o.b,
    };
  });
  const out = linear(d, V);
  return { E, layers: blocks, U: out.W, bU: out.b };
}
