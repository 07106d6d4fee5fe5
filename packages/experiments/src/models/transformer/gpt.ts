import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../random.ts";
import { variableFrom } from "../../training/tensors.ts";
import { linear, matMul2d } from "../matmul.ts";
import { sparseRowsMatMul } from "../sparse-rows.ts";
import { gelu } from "./gelu.ts";
import { layerNorm } from "./layer-norm.ts";
import { attentionMix, attentionScores } from "./matmul.ts";
import { causalBias } from "./rope.ts";

/**
 * The GM repo's GPT (EXPERIMENTS.md §3A(b)): pre-LN causal decoder, learned positions, per block
 * x += W_o·attn(LN(x)) and (optionally) x += MLP(LN(x)) with a 4× GELU MLP, final LN, head tied to the
 * token embedding (or untied, without bias). Weights act on row vectors (x·W), time-major rows as in
 * sequence-batch.ts. GELU is the tanh approximation (torch's default is erf: they differ by < 1e-3).
 */
export interface GptDims {
  V: number;
  T: number;
  d: number;
  heads: number;
  layers: number;
  mlp: boolean;
  tied: boolean;
}

export interface GptBlock {
  /** W_q, W_k, W_v, W_o stacked [4, d, d]; biases [4, d]. */
  attn: tf.Variable;
  attnBias: tf.Variable;
  /** LN before attention (gain, bias) and before the MLP (gain, bias): [4, d]. */
  ln: tf.Variable;
  mlpIn?: tf.Variable;
  mlpInBias?: tf.Variable;
  mlpOut?: tf.Variable;
  mlpOutBias?: tf.Variable;
}

export interface GptForward {
  /** [T·B, V], time-major. */
  logits: tf.Tensor2D;
  /** Each block's attention, [T, B·heads, T] (query position, sequence·head, key position). */
  attention: tf.Tensor3D[];
}

/**
 * Which positions a forward pass computes: the first `length` (by causality the later ones cannot change them),
 * with logits for positions `logitsFrom` … length − 1 only. A training batch whose targets all lie in that range
 * needs no more: for graph-transformer's edge sequences that is 2 of T = 9 positions, and 1 row of logits.
 */
export interface GptSpan {
  length?: number;
  logitsFrom?: number;
}

interface Tiled {
  /** One-hot [length·B, T] rows picking each row's position embedding. */
  positions: tf.Tensor2D;
  causal: tf.Tensor3D;
}

export class Gpt {
  readonly E: tf.Variable;
  readonly pos: tf.Variable;
  readonly blocks: GptBlock[];
  readonly lnFinal: tf.Variable;
  readonly U: tf.Variable | null;
  /** By batch size and length. */
  private readonly tiled = new Map<string, Tiled>();

  /** `std`: init scale of every weight matrix and the token embedding (the repo's 0.02); biases start at 0. */
  constructor(readonly dims: GptDims, rng: Rng, std = 0.02) {
    const { V, T, d, heads, layers, mlp, tied } = dims;
    if (d % heads !== 0) throw new RangeError(`width ${d} is not divisible by ${heads} heads`);
    const zeros = (n: number) => new Float32Array(n);
    const lnInit = (rows: number) => {
      const v = new Float32Array(rows * d);
      for (let r = 0; r < rows; r += 2) v.fill(1, r * d, (r + 1) * d);
      return v;
    };
    this.E = variableFrom(rng.normals(V * d, std), [V, d], true);
    this.pos = variableFrom(rng.normals(T * d, 1), [T, d], true); // the repo leaves nn.Embedding's N(0,1) here
    this.blocks = Array.from({ length: layers }, (): GptBlock => ({
      attn: variableFrom(rng.normals(4 * d * d, std), [4, d, d], true),
      attnBias: variableFrom(zeros(4 * d), [4, d], true),
      ln: variableFrom(lnInit(4), [4, d], true),
      ...(mlp
        ? {
            mlpIn: variableFrom(rng.normals(d * 4 * d, std), [d, 4 * d], true),
            mlpInBias: variableFrom(zeros(4 * d), [4 * d], true),
            mlpOut: variableFrom(rng.normals(4 * d * d, std), [4 * d, d], true),
            mlpOutBias: variableFrom(zeros(d), [d], true),
          }
        : {}),
    }));
    this.lnFinal = variableFrom(lnInit(2), [2, d], true);
    this.U = tied ? null : variableFrom(rng.normals(d * V, std), [d, V], true);
  }

  /** Parameter groups by name: E, pos, then attn1, attn_b1, ln1, mlp_in1, … per block, ln_f, U when untied. */
  groups(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = { E: this.E, pos: this.pos };
    this.blocks.forEach((b, i) => {
      const n = i + 1;
      Object.assign(out, { [`attn${n}`]: b.attn, [`attn_b${n}`]: b.attnBias, [`ln${n}`]: b.ln });
      if (b.mlpIn) Object.assign(out, { [`mlp_in${n}`]: b.mlpIn, [`mlp_in_b${n}`]: b.mlpInBias, [`mlp_out${n}`]: b.mlpOut, [`mlp_out_b${n}`]: b.mlpOutBias });
    });
    out.ln_f = this.lnFinal;
    if (this.U) out.U = this.U;
    return out;
  }

  /**
   * `inputs`: time-major one-hot rows [length·B, V] of B sequences (length = T unless `span` says fewer);
   * logits [(length − logitsFrom)·B, V]. Call inside a tidy scope.
   */
  forward(inputs: tf.Tensor2D, B: number, span: GptSpan = {}): GptForward {
    const { d, heads } = this.dims;
    const { length: T = this.dims.T, logitsFrom = 0 } = span;
    if (T < 1 || T > this.dims.T || logitsFrom < 0 || logitsFrom >= T) throw new RangeError(`span ${logitsFrom}…${T} is outside 0…${this.dims.T}`);
    const dh = d / heads;
    const { positions, causal } = this.tables(B, T);
    let x: tf.Tensor2D = tf.add(sparseRowsMatMul(inputs, this.E), sparseRowsMatMul(positions, this.pos));
    const attention: tf.Tensor3D[] = [];
    for (const block of this.blocks) {
      const [Wq, Wk, Wv, Wo] = tf.unstack(block.attn);
      const [bq, bk, bv, bo] = tf.unstack(block.attnBias);
      const [g1, b1, g2, b2] = tf.unstack(block.ln);
      const h = layerNorm(x, g1!, b1!);
      // [T·B, d] time-major is [T, B, heads, dh] in memory: heads become extra "sequences" by a reshape.
      const split = (t: tf.Tensor) => tf.reshape(t, [T, B * heads, dh]) as tf.Tensor3D;
      const q = split(tf.mul(linear(h, Wq!, bq!), 1 / Math.sqrt(dh)));
      const k = split(linear(h, Wk!, bk!));
      const v = split(linear(h, Wv!, bv!));
      const probs = tf.softmax(tf.add(attentionScores(q, k), causal)) as tf.Tensor3D;
      attention.push(probs);
      x = tf.add(x, linear(tf.reshape(attentionMix(probs, v), [T * B, d]) as tf.Tensor2D, Wo!, bo!));
      if (block.mlpIn) {
        const hidden = gelu(linear(layerNorm(x, g2!, b2!), block.mlpIn, block.mlpInBias!));
        x = tf.add(x, linear(hidden, block.mlpOut!, block.mlpOutBias!));
      }
    }
    const [gf, bf] = tf.unstack(this.lnFinal);
    if (logitsFrom > 0) x = tf.slice(x, [logitsFrom * B, 0], [(T - logitsFrom) * B, d]);
    const out = layerNorm(x, gf!, bf!);
    const logits = this.U ? matMul2d(out, this.U) : matMul2d(out, tf.transpose(this.E) as tf.Tensor2D);
    return { logits, attention };
  }

  dispose(): void {
    tf.dispose(Object.values(this.groups()));
    for (const t of this.tiled.values()) tf.dispose([t.positions, t.causal]);
    this.tiled.clear();
  }

  /** Made on first use per batch size and length (often inside a tidy scope): kept, and freed by dispose(). */
  private tables(B: number, length: number): Tiled {
    const key = `${B}:${length}`;
    let t = this.tiled.get(key);
    if (!t) {
      const { T, heads } = this.dims;
      const positions = new Float32Array(length * B * T);
      for (let i = 0; i < length; i++) for (let s = 0; s < B; s++) positions[(i * B + s) * T + i] = 1;
      const mask = causalBias(length);
      const rows = B * heads;
      const causal = new Float32Array(length * rows * length);
      for (let i = 0; i < length; i++) for (let s = 0; s < rows; s++) causal.set(mask.subarray(i * length, (i + 1) * length), (i * rows + s) * length);
      t = { positions: tf.keep(tf.tensor2d(positions, [length * B, T])), causal: tf.keep(tf.tensor3d(causal, [length, rows, length])) };
      this.tiled.set(key, t);
    }
    return t;
  }
}
