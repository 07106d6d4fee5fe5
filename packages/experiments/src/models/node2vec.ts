import * as tf from "@tensorflow/tfjs";
import type { Config } from "@orrery/protocol";
import { graphSpectrum } from "../analysis/laplacian.ts";
import { gram } from "../analysis/geometry.ts";
import { commonFields } from "../config.ts";
import { directedPairs, targetWeights } from "../datasets/graphs-edges.ts";
import { refuseKeys, TrainedEdges } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import { readTensors, variableFrom } from "../training/tensors.ts";
import type { CommonConfig, Experiment, Problem } from "../types.ts";
import { graphFields, graphFromConfig, resolveGraphConfig, type GraphConfig } from "./graph-config.ts";
import { graphMetricInfo, graphMetrics, graphSnapshot, graphViews, isEvalStep, topOneReference } from "./graph-evaluation.ts";
import { crossEntropy } from "./cross-entropy.ts";
import { gramMatrix } from "./matmul.ts";
import { gramCrossEntropyWithGradient } from "./node2vec-kernel.ts";

/**
 * Tied Node2Vec of the GM repo (`node2vec_notebook_helpers.py`, EXPERIMENTS.md §3B): one embedding E (n×d, N(0,1)),
 * loss Σ_u mean_{v∈N(u)} −log softmax(E·E_u)_v with the softmax over every node (self included), trained by plain
 * full-batch gradient descent. It converges to the graph's Fiedler vectors (a circle, on the cycle).
 */
export interface Node2VecConfig extends CommonConfig, GraphConfig {
  d: number;
  init_std: number;
  eval_every: number;
}

const fields = [
  ...graphFields({ graph: "cycle" }),
  { key: "d", label: "Embedding dim (d)", kind: "number", default: 100, min: 1, max: 1024, integer: true },
  { key: "init_std", label: "Init std of E", kind: "number", default: 1, min: 0, max: 100 },
  { key: "eval_every", label: "Edge recovery & geometry every (steps)", kind: "number", default: 100, min: 1, max: 1_000_000, integer: true },
  ...commonFields({ steps: 10_000, lr: 0.01, snapshot_every: 100 }),
] as const satisfies Experiment["info"]["fields"];

/** [V] The loss per node the cycle (n = 15) plateaus at; not ln 2, because the softmax includes the node itself. */
export const NODE2VEC_CYCLE15_PLATEAU = 1.435;

export const node2vec: Experiment<Node2VecConfig> = {
  info: {
    id: "node2vec",
    title: "Node2Vec (tied) on a tiny graph",
    description:
      "Geometric memory, the spectral baseline: tied embeddings trained by full-batch gradient descent on " +
      "Σ_u mean_{v∈N(u)} −log softmax(E·E_u)_v. On the 15-cycle E ends in the span of the two Fiedler vectors " +
      "(relative projection 1, 1; the next eigenpair 0.001 at 10k steps), edge cosine ≈ 0.96, loss per node 1.435.",
    fields: [...fields],
    metrics: [{ key: "loss", label: "Loss per node (nats)" }, ...graphMetricInfo],
    views: graphViews,
  },
  resolveConfig: (partial: Config) => resolveGraphConfig<Node2VecConfig>(fields, partial),
  create: createNode2Vec,
  trainerOptions: (c) => ({ lr: c.lr, optimizer: "sgd" }),
};

export function createNode2Vec(c: Node2VecConfig): Problem {
  const g = graphFromConfig(c);
  const { n } = g;
  const { d } = c;
  const spectrum = graphSpectrum(g);
  const E = variableFrom(new Rng(c.seed).normals(n * d, c.init_std), [n, d], true);

  /** Everything built from the training pairs; a data intervention rebuilds it. */
  const edgeSet = (pairs: [number, number][]) => ({
    pairs,
    sources: new Set(pairs.map(([u]) => u)).size,
    targets: tf.keep(tf.tensor2d(targetWeights(n, pairs, "per_source"), [n, n])) as tf.Tensor2D,
  });
  let data = edgeSet(directedPairs(g, c.direction, c.self_edges));
  const edges = new TrainedEdges(g, { direction: c.direction, self_edges: c.self_edges }, (pairs) => {
    const old = data;
    data = edgeSet(pairs);
    old.targets.dispose();
  });

  const problem: Problem = {
    params: { E },
    frozen: [],
    loss: () =>
      tf.tidy(() => crossEntropy(gramMatrix(E), data.targets, 1)),
    gradients() {
      const fused = gramCrossEntropyWithGradient(E, data.targets);
      return fused && { loss: fused.loss, grads: { E: fused.dE } };
    },
    metrics: (loss) => ({ loss: loss / data.sources }),
    evaluate(step) {
      if (!isEvalStep(step, c.eval_every, c.steps)) return {};
      const e = E.dataSync();
      // The repo ranks E·Eᵀ without the node itself unless self-edges are targets.
      return graphMetrics(g, data.pairs, spectrum, e, d, gram(e, n, d), !edges.current.self_edges);
    },
    get references() {
      const plainCycle15 = c.graph === "cycle" && n === 15 && edges.current.direction === "both" && !edges.current.self_edges;
      return {
        ...topOneReference(data.pairs),
        ...(plainCycle15 ? { loss: { value: NODE2VEC_CYCLE15_PLATEAU, label: "plateau 1.435 (repo, cycle 15)" } } : {}),
      };
    },
    setData(patch) {
      refuseKeys(patch, { batch_size: "this experiment trains on the exact full-batch loss (every node each step)" });
      return edges.apply(patch, () => data.pairs.length, () => problem.references);
    },
    // The data is fixed but for data interventions: its state is which pairs it trains on.
    dataState: () => edges.state(),
    restoreDataState: (state) => edges.restore(state, 0),
    snapshot() {
      const tensors = readTensors({ E });
      return [...tensors, ...graphSnapshot(g, spectrum, tensors[0]!.data, d)];
    },
    dispose() {
      tf.dispose([E, data.targets]);
    },
  };
  return problem;
}
