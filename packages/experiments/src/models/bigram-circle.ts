import * as tf from "@tensorflow/tfjs";
import type { Config } from "@orrery/protocol";
import { commonFields, resolveFields } from "../config.ts";
import { circleWalkExact, circleWalkSample, type WeightedBatch } from "../datasets/circle-walk.ts";
import { BatchSize, refuseKeys } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import type { CommonConfig, Experiment, Problem } from "../types.ts";
import { oneHotRows, readTensors, variableFrom } from "../training/tensors.ts";
import { fusedMixtureNll, mixtureNllKernelAvailable } from "./mixture-nll-kernel.ts";

/**
 * Bigram 4 (seed 000): tied embedding E ∈ ℝ^{p×d} and two maps W1, W2 ∈ ℝ^{d×d};
 * p(y|x) = ½·softmax(E·W1·E_x)_y + ½·softmax(E·W2·E_x)_y — the model averages two distributions.
 */
export interface BigramCircleConfig extends CommonConfig {
  p: number;
  n_embd: number;
  w_mode: WMode;
  init_noise: number;
  init_scale: number;
  data: "exact" | "batch";
  batch_size: number;
}

const W_MODES = {
  trainable: "trainable, I + noise (Exp. 2)",
  random: "trainable, random N(0,1)",
  frozen_id: "frozen diag(1,1)",
  frozen_flip: "frozen diag(1,-1)",
  frozen_neg: "frozen diag(-1,-1)",
} as const;
export type WMode = keyof typeof W_MODES;

const fields = [
  { key: "p", label: "Points on the circle (p)", kind: "number", default: 29, min: 2, max: 4096, integer: true },
  { key: "n_embd", label: "Embedding dim (n_embd)", kind: "number", default: 2, min: 1, max: 256, integer: true },
  {
    key: "w_mode",
    label: "W1 / W2",
    kind: "enum",
    default: "trainable",
    options: Object.entries(W_MODES).map(([value, label]) => ({ value, label })),
  },
  { key: "init_noise", label: "Init noise on W (trainable)", kind: "number", default: 1e-3, min: 0, max: 10 },
  { key: "init_scale", label: "Init std of E", kind: "number", default: 1, min: 0, max: 100 },
  {
    key: "data",
    label: "Loss",
    kind: "enum",
    default: "exact",
    options: [
      { value: "exact", label: "exact expectation (full batch)" },
      { value: "batch", label: "sampled batches" },
    ],
  },
  { key: "batch_size", label: "Batch size (sampled)", kind: "number", default: 256, min: 1, max: 1_000_000, integer: true },
  ...commonFields({ steps: 20_000, lr: 1e-2 }),
] as const satisfies Experiment["info"]["fields"];

export const bigramCircle: Experiment<BigramCircleConfig> = {
  info: {
    id: "bigram-circle",
    title: "Bigram 4 — walk on a circle",
    description:
      "Random walk x→x±1 on p points; a rotation-pair model averages two softmax distributions. " +
      "Frozen diag(1,1) settles at perplexity ≈ 4.15, frozen diag(-1,-1) reaches ≈ 2.01, the optimum is 2.",
    fields: [...fields],
    metrics: [
      { key: "loss", label: "Loss (nats)", reference: { value: Math.LN2, label: "optimum ln 2" } },
      { key: "ppl", label: "Perplexity", reference: { value: 2, label: "optimum 2" } },
    ],
    views: [
      { tensor: "E", kind: "points", label: "Embeddings E — coloured by position on the circle (i/p), joined i→i+1", cyclic: true },
      { tensor: "W1", kind: "matrix", label: "W1" },
      { tensor: "W2", kind: "matrix", label: "W2" },
    ],
  },
  resolveConfig: (partial: Config) => resolveFields(fields, partial) as unknown as BigramCircleConfig,
  create: createBigramCircle,
};

function initialW(mode: WMode, d: number, noise: number, rng: Rng): Float32Array {
  const w = new Float32Array(d * d);
  if (mode === "random") return rng.normals(d * d);
  for (let i = 0; i < d; i++) {
    w[i * d + i] = mode === "frozen_neg" ? -1 : mode === "frozen_flip" && i % 2 === 1 ? -1 : 1;
  }
  if (mode === "trainable") for (let i = 0; i < w.length; i++) w[i]! += noise * rng.normal();
  return w;
}

const batchSizeField = fields.find((f) => f.key === "batch_size") as { min: number; max: number };

export function createBigramCircle(c: BigramCircleConfig): Problem {
  const { p, n_embd: d } = c;
  const rng = new Rng(c.seed);
  const frozenW = c.w_mode.startsWith("frozen");
  const E = variableFrom(rng.normals(p * d, c.init_scale), [p, d], true);
  // Trainable variables even when frozen: freezing is the trainer's list, so an intervention can unfreeze them.
  const W1 = variableFrom(initialW(c.w_mode, d, c.init_noise, rng), [d, d], true);
  const W2 = variableFrom(initialW(c.w_mode, d, c.init_noise, rng), [d, d], true);

  // The exact loss uses one constant batch for the whole run; sampled batches come from a data RNG.
  const dataRng = new Rng(c.seed + 1);
  const toTensors = (b: WeightedBatch) => ({
    inputs: oneHotRows(b.inputs, p),
    weights: tf.tensor2d(b.weights, [b.inputs.length, p]),
  });
  const exact = c.data === "exact" ? { inputs: null, weights: tf.tensor2d(circleWalkExact(p).weights, [p, p]) } : null;

  // The config's, until a data intervention changes it; the data stream continues either way.
  const size = new BatchSize(c.batch_size, batchSizeField);

  return {
    params: { E, W1, W2 },
    frozen: frozenW ? ["W1", "W2"] : [],
    loss() {
      const batch = exact ?? toTensors(circleWalkSample(p, size.current, dataRng));
      const loss = mixtureNll(E, W1, W2, batch.inputs, batch.weights);
      if (!exact) tf.dispose([batch.inputs!, batch.weights]);
      return loss;
    },
    metrics: (loss) => ({ loss, ppl: Math.exp(loss) }),
    setData(patch) {
      const why = "this experiment's data is the walk on a circle, not a graph's edge list";
      refuseKeys(patch, {
        self_edges: why,
        direction: why,
        batch_size: exact ? "this run trains on the exact full-batch loss (data = exact)" : undefined,
      });
      return size.apply(patch.batch_size);
    },
    // The data RNG only calls next() (one number), then the batch size (see BatchSize).
    dataState: () => [...dataRng.getState(), ...size.state()],
    restoreDataState(state) {
      dataRng.setState([state[0]!]);
      size.restore(state, 1);
    },
    snapshot: () => readTensors({ E, W1, W2 }),
    reference: (group) => (d === 2 ? referenceSolution(p)[group as "E" | "W1" | "W2"] : undefined),
    dispose() {
      tf.dispose([E, W1, W2]);
      if (exact) exact.weights.dispose();
    },
  };
}

/**
 * The post's solution for n_embd = 2: E_i = A(cos 2πi/p, sin 2πi/p), W1 = R(θ), W2 = R(−θ), θ = 2π/p. A = 20 makes
 * the logit gap between a neighbour and the next token (A²(1 − cos θ) ≈ 9 at p = 29) large: perplexity ≈ 2.
 */
export function referenceSolution(p: number, A = 20): Record<"E" | "W1" | "W2", Float32Array> {
  const theta = (2 * Math.PI) / p;
  const E = new Float32Array(p * 2);
  for (let i = 0; i < p; i++) (E[2 * i] = A * Math.cos(i * theta)), (E[2 * i + 1] = A * Math.sin(i * theta));
  const rotation = (t: number) => Float32Array.from([Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)]);
  return { E, W1: rotation(theta), W2: rotation(-theta) };
}

/**
 * −Σ_b Σ_y w[b,y] · log(½ softmax(E W1 E_x)_y + ½ softmax(E W2 E_x)_y) / B, computed in log space.
 * `inputs` are one-hot rows [B, p] (null: every token once, in order). One-hot matmul rather than gather:
 * gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export function mixtureNll(E: tf.Tensor, W1: tf.Tensor, W2: tf.Tensor, inputs: tf.Tensor | null, weights: tf.Tensor): tf.Scalar {
  if (mixtureNllKernelAvailable()) return fusedMixtureNll(inputs, weights)(E, W1, W2) as tf.Scalar;
  return plainMixtureNll(E, W1, W2, inputs, weights);
}

/** The same loss in tfjs ops (any backend; autodiff gives its gradient). */
export function plainMixtureNll(E: tf.Tensor, W1: tf.Tensor, W2: tf.Tensor, inputs: tf.Tensor | null, weights: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const ex = inputs ? tf.matMul(inputs, E) : E; // [B, d]
    const logits = (W: tf.Tensor) => tf.matMul(tf.matMul(ex, W, false, true), E, false, true); // [B, p]
    const both = tf.stack([tf.logSoftmax(logits(W1)), tf.logSoftmax(logits(W2))]); // [2, B, p]
    const logp = tf.sub(tf.logSumExp(both, 0), Math.LN2);
    return tf.neg(tf.div(tf.sum(tf.mul(weights, logp)), weights.shape[0]!)) as tf.Scalar;
  });
}
