import * as tf from "@tensorflow/tfjs";
import type { Config } from "@orrery/protocol";
import { geometricMargin } from "../analysis/geometric-margin.ts";
import { graphSpectrum } from "../analysis/laplacian.ts";
import { commonFields } from "../config.ts";
import { directedPairs, outNeighbours, targetWeights } from "../datasets/graphs-edges.ts";
import { refuseKeys, TrainedEdges } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import { onlyTrained, readTensors, variableFrom } from "../training/tensors.ts";
import type { CommonConfig, Experiment, Problem } from "../types.ts";
import { graphFields, graphFromConfig, resolveGraphConfig, type GraphConfig } from "./graph-config.ts";
import { graphMetricInfo, graphMetrics, graphSnapshot, graphViews, isEvalStep, topOneReference } from "./graph-evaluation.ts";
import { crossEntropy, crossEntropyWithGradient } from "./cross-entropy.ts";
import { columnSums, transpose2d } from "./layout.ts";
import { matMulT } from "./matmul.ts";
import { tinyNNKernelAvailable, tinyNNWithGradients } from "./tiny-nn-kernel.ts";

/**
 * The GM repo's TinyNN (EXPERIMENTS.md §3B): embedding E → one Linear(d,d) with bias → tied unembedding, so
 * logits(u) = (E_u·Wᵀ + b)·Eᵀ; no activation, attention, residual, LayerNorm or positions. Trained full batch on
 * every directed pair u→v (mean cross-entropy). Freezing E gives the associative-memory control.
 * Simplification: the softmax runs over the n nodes only (the repo's vocabulary adds 9 special tokens).
 */
export interface TinyNNConfig extends CommonConfig, GraphConfig {
  d: number;
  init: "geometric" | "non_geometric";
  freeze_embedding: boolean;
  schedule: "cosine" | "constant";
  weight_decay: number;
  eval_every: number;
}

const fields = [
  ...graphFields({ graph: "cycle" }),
  { key: "d", label: "Width (d)", kind: "number", default: 128, min: 1, max: 1024, integer: true },
  {
    key: "init",
    label: "Init",
    kind: "enum",
    default: "geometric",
    options: [
      { value: "geometric", label: "N(0, 0.02) (repo default)" },
      { value: "non_geometric", label: "N(0, 1) for E and W (\"non_geometric\")" },
    ],
  },
  { key: "freeze_embedding", label: "Freeze E (associative control)", kind: "boolean", default: false },
  {
    key: "schedule",
    label: "LR schedule",
    kind: "enum",
    default: "constant",
    options: [
      { value: "cosine", label: "cosine to lr/10 (star, grid, irregular)" },
      { value: "constant", label: "constant (cycle)" },
    ],
  },
  { key: "weight_decay", label: "Weight decay (AdamW, decoupled)", kind: "number", default: 0, min: 0, max: 100 },
  { key: "eval_every", label: "Edge recovery & geometry every (steps)", kind: "number", default: 50, min: 1, max: 1_000_000, integer: true },
  ...commonFields({ steps: 3000, lr: 0.01, snapshot_every: 50 }),
] as const satisfies Experiment["info"]["fields"];

export const tinyNN: Experiment<TinyNNConfig> = {
  info: {
    id: "tiny-nn",
    title: "TinyNN edge memorization on a tiny graph",
    description:
      "Geometric vs associative memory: E → Linear(d,d) → tied unembedding learns every edge u→v. Trained, E turns " +
      "geometric (on the cycle without self-edges, a zig-zag: edge cosine −0.11…−0.26, 2-hop cosine ≈ 0.5); frozen, " +
      "W alone memorizes the edges in 1–2 steps (d = 512, lr 0.1) with geometric level ≈ 0. Repo presets: star/grid " +
      "d 32, lr 0.01, 500 steps, cosine; cycle d 512, constant lr 0.01, 10k steps (d 128 is the CPU preset); " +
      "irregular d 16, lr 0.005, 1000 steps.",
    fields: [...fields],
    metrics: [
      { key: "loss", label: "Loss (nats per edge)" },
      ...graphMetricInfo,
      { key: "margin", label: "Geometric margin (skewed logits)", reference: { value: 0, label: "> 0: geometric" } },
      { key: "margin_top1", label: "Top-1 of the skewed logits (% of nodes)" },
    ],
    views: graphViews,
  },
  resolveConfig: (partial: Config) => resolveGraphConfig<TinyNNConfig>(fields, partial),
  create: createTinyNN,
  trainerOptions: (c) => ({
    lr: c.lr,
    optimizer: "adam",
    weightDecay: c.weight_decay,
    schedule: c.schedule,
    totalSteps: c.steps,
    minLrFactor: 0.1,
  }),
};

export function createTinyNN(c: TinyNNConfig): Problem {
  const g = graphFromConfig(c);
  const { n } = g;
  const { d } = c;
  const spectrum = graphSpectrum(g);
  const rng = new Rng(c.seed);
  const std = c.init === "geometric" ? 0.02 : 1;
  // All trainable: freezing is the trainer's variable list, so E can be unfrozen mid-run.
  const E = variableFrom(rng.normals(n * d, std), [n, d], true);
  const W = variableFrom(rng.normals(d * d, std), [d, d], true);
  const b = variableFrom(new Float32Array(d), [d], true);
  // E·Wᵀ and ·Eᵀ through matMulT: tf.matMul's transpose flags (and its gradients') are slow on wasm.
  const logits = () => matMulT(tf.add(matMulT(E, W), b), E);

  /** Everything built from the training pairs; a data intervention rebuilds it. */
  const edgeSet = (pairs: [number, number][]) => {
    const neighbours = outNeighbours(n, pairs);
    return {
      pairs,
      neighbours,
      targets: tf.keep(tf.tensor2d(targetWeights(n, pairs, "per_pair"), [n, n])) as tf.Tensor2D,
      optimum: pairs.reduce((s, [u]) => s + Math.log(neighbours[u]!.size), 0) / pairs.length,
    };
  };
  let data = edgeSet(directedPairs(g, c.direction, c.self_edges));
  const edges = new TrainedEdges(g, { direction: c.direction, self_edges: c.self_edges }, (pairs) => {
    const old = data;
    data = edgeSet(pairs);
    old.targets.dispose();
  });

  const problem: Problem = {
    params: { E, W, b },
    frozen: c.freeze_embedding ? ["E"] : [],
    loss: () => tf.tidy(() => crossEntropy(logits(), data.targets, 1)),
    // One fused kernel on wasm with SIMD (tiny-nn-kernel.ts); elsewhere the backward pass written out in tfjs ops,
    // with explicit transposes (see matmul.ts). Autodiff of loss() gives the same.
    gradients: (trained) => {
      if (tinyNNKernelAvailable(d)) {
        const r = tinyNNWithGradients(E, W, b, data.targets);
        return { loss: r.loss, grads: onlyTrained(r.grads, trained) };
      }
      return tf.tidy(() => {
        const Et = transpose2d(E);
        const H = tf.add(tf.matMul(E, transpose2d(W)), b) as tf.Tensor2D;
        const { loss, dLogits } = crossEntropyWithGradient(tf.matMul(H, Et), data.targets, 1);
        const dH = tf.matMul(dLogits, E);
        const grads: Record<string, tf.Tensor> = {};
        if (trained.includes("E")) grads.E = tf.add(tf.matMul(transpose2d(dLogits), H), tf.matMul(dH, W));
        if (trained.includes("W")) grads.W = tf.matMul(transpose2d(dH), E);
        if (trained.includes("b")) grads.b = columnSums(dH);
        return { loss, grads };
      });
    },
    metrics: (loss) => ({ loss }),
    evaluate(step) {
      if (!isEvalStep(step, c.eval_every, c.steps)) return {};
      const scores = tf.tidy(logits);
      const s = scores.dataSync();
      scores.dispose();
      const e = E.dataSync();
      const { margin, top1 } = geometricMargin(e, W.dataSync(), n, d, data.neighbours);
      const out = { ...graphMetrics(g, data.pairs, spectrum, e, d, s, false), margin, margin_top1: top1 };
      for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[k as keyof typeof out];
      return out;
    },
    get references() {
      return {
        ...topOneReference(data.pairs),
        loss: { value: data.optimum, label: `optimum ${data.optimum.toFixed(3)} (uniform over neighbours)` },
      };
    },
    setData(patch) {
      refuseKeys(patch, { batch_size: "this experiment trains on the exact full-batch loss (every pair each step)" });
      return edges.apply(patch, () => data.pairs.length, () => problem.references);
    },
    // The data is fixed but for data interventions: its state is which pairs it trains on.
    dataState: () => edges.state(),
    restoreDataState: (state) => edges.restore(state, 0),
    snapshot() {
      const tensors = readTensors({ E, b });
      return [...tensors, ...graphSnapshot(g, spectrum, tensors[0]!.data, d)];
    },
    dispose() {
      tf.dispose([E, W, b, data.targets]);
    },
  };
  return problem;
}
