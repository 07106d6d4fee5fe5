import * as tf from "@tensorflow/tfjs";
import type { Config, NamedTensor } from "@orrery/protocol";
import { graphSpectrum } from "../analysis/laplacian.ts";
import { commonFields } from "../config.ts";
import {
  concatSets, edgeSequences, graphVocabulary, liveParts, pathSequences, rootToLeafPaths, sequenceLength, sliceSet, splitLeaves, timeMajorTargets, timeMajorTokens,
  type PathTarget, type SequencePart, type SequenceSet,
} from "../datasets/graph-sequences.ts";
import { directedPairs } from "../datasets/graphs-edges.ts";
import { refuseKeys, TrainedEdges } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import { SHARD_MIN_ROWS } from "../training/shards.ts";
import { readTensors } from "../training/tensors.ts";
import { ConfigError, type CommonConfig, type Experiment, type Problem } from "../types.ts";
import { graphFields, graphFromConfig, resolveGraphConfig, type GraphConfig } from "./graph-config.ts";
import { graphMetricInfo, graphMetrics, graphSnapshot, graphViews, isEvalStep, topOneReference } from "./graph-evaluation.ts";
import { edgeScores, leafFirstNodeCosines, pathAccuracy } from "./graph-transformer-eval.ts";
import { Gpt } from "./transformer/gpt.ts";
import { gptKernelAvailable, gptPartWithGradients } from "./transformer/gpt-kernel.ts";
import { attentionMatrices, padTokens, parseTokens } from "./transformer/inspect-input.ts";
import { crossEntropy } from "./cross-entropy.ts";
import { timeMajorOneHot } from "./transformer/sequence-batch.ts";

/**
 * The GM paper's in-weights graph memory with a small decoder-only Transformer (EXPERIMENTS.md §3A, and the
 * repo's TinyGPT of §3B when task = edges): the model memorizes every edge `[EDGE] u v`, and (task = mixed or
 * staged) learns root-to-leaf paths `[PATH] leaf [PAUSE]×k root n1 … leaf` for 75% of the leaves; the held-out
 * leaves measure whether it finds paths it never saw, from the geometry of its embeddings alone (chance 1/d).
 * Full batch (every example each step), AdamW with cosine decay to lr/10, as the repo.
 */
export interface GraphTransformerConfig extends CommonConfig, GraphConfig {
  task: "edges" | "mixed" | "staged";
  edge_steps: number;
  path_target: PathTarget;
  pauses: number;
  held_out: number;
  layers: number;
  heads: number;
  d_model: number;
  mlp: boolean;
  tied: boolean;
  init: "geometric" | "non_geometric";
  weight_decay: number;
  schedule: "cosine" | "constant";
  eval_every: number;
}

const fields = [
  ...graphFields({ graph: "path_star", star_degree: 85, path_length: 4 }),
  {
    key: "task",
    label: "Training data",
    kind: "enum",
    default: "mixed",
    options: [
      { value: "edges", label: "edges only (TinyGPT memorization)" },
      { value: "mixed", label: "edges + training paths, interleaved (mixed_*)" },
      { value: "staged", label: "edges first, then paths (staged_*)" },
    ],
  },
  { key: "edge_steps", label: "Staged: edge-only steps before paths", kind: "number", default: 500, min: 0, max: 100_000_000, integer: true },
  {
    key: "path_target",
    label: "Path loss on",
    kind: "enum",
    default: "first",
    options: [
      { value: "first", label: "first node n1 only (the \"hardest token\" recipe)" },
      { value: "full", label: "the whole path root … leaf" },
    ],
  },
  { key: "pauses", label: "Pause tokens (k)", kind: "number", default: 2, min: 0, max: 64, integer: true },
  { key: "held_out", label: "Held-out leaves (fraction)", kind: "number", default: 0.25, min: 0, max: 0.9 },
  { key: "layers", label: "Layers", kind: "number", default: 2, min: 1, max: 12, integer: true },
  { key: "heads", label: "Heads", kind: "number", default: 2, min: 1, max: 16, integer: true },
  { key: "d_model", label: "Width (d_model)", kind: "number", default: 32, min: 2, max: 512, integer: true },
  { key: "mlp", label: "MLP in each block (4× GELU)", kind: "boolean", default: true },
  { key: "tied", label: "Tie the head to the embedding", kind: "boolean", default: true },
  {
    key: "init",
    label: "Init",
    kind: "enum",
    default: "geometric",
    options: [
      { value: "geometric", label: "N(0, 0.02) (repo default)" },
      { value: "non_geometric", label: "N(0, 1) for weights and embedding" },
    ],
  },
  { key: "weight_decay", label: "Weight decay (AdamW, decoupled)", kind: "number", default: 0.5, min: 0, max: 100 },
  {
    key: "schedule",
    label: "LR schedule",
    kind: "enum",
    default: "cosine",
    options: [
      { value: "cosine", label: "cosine to lr/10" },
      { value: "constant", label: "constant" },
    ],
  },
  { key: "eval_every", label: "Evaluate every (steps)", kind: "number", default: 50, min: 1, max: 1_000_000, integer: true },
  ...commonFields({ steps: 1500, lr: 3e-3, snapshot_every: 50 }),
] as const satisfies Experiment["info"]["fields"];

const pathMetricInfo = [
  { key: "first_token_test", label: "Held-out leaves: first-token accuracy (%)" },
  { key: "first_token_train", label: "Training leaves: first-token accuracy (%)" },
  { key: "full_path_test", label: "Held-out leaves: full-path accuracy, greedy (%)" },
  { key: "full_path_train", label: "Training leaves: full-path accuracy, greedy (%)" },
  { key: "leaf_n1_cos", label: "cos(leaf, its own n1)" },
  { key: "leaf_n1_cos_other", label: "cos(leaf, other paths' n1)" },
];

export const graphTransformer: Experiment<GraphTransformerConfig> = {
  info: {
    id: "graph-transformer",
    title: "Graph memory in a Transformer — path-star (GM paper)",
    description:
      "A small decoder-only Transformer memorizes a graph's edges and learns root-to-leaf paths for 75% of the " +
      "leaves; held-out leaves test whether it finds paths it never saw (chance 1/d). The geometry forms at " +
      "once (a leaf's embedding turns toward its own arm's first node); held-out accuracy comes later, seed by " +
      "seed. Defaults: a CPU preset of the paper's headline, G(85, 4) with 64 training and 21 held-out leaves, " +
      "wd 0.5 (seeds 0 and 2 reach 95% and 71% held-out within 1500 steps; seed 1 does not); with fewer arms " +
      "(G(20, 4), G(40, 4)) it stays at 0, the few training paths memorized one by one. TinyGPT (§3B): task = " +
      "edges, 1 layer, 1 head, d 32, lr 0.01, wd 0, cosine; star/grid 500 steps, cycle 700.",
    fields: [...fields],
    metrics: [{ key: "loss", label: "Loss (nats per target token)" }, ...graphMetricInfo, ...pathMetricInfo],
    views: [
      ...graphViews,
      { tensor: "attention", kind: "matrix", label: "Last layer's attention on a held-out path query (mean over heads, row = query)" },
    ],
    inspect: { label: "Attention on your input (node ids and EDGE, PATH, PAUSE, PAD)", placeholder: "PATH 37 PAUSE PAUSE PAUSE PAUSE 0" },
  },
  resolveConfig: resolveGraphTransformerConfig,
  create: createGraphTransformer,
  trainerOptions: (c) => ({
    lr: c.lr,
    optimizer: "adam",
    weightDecay: c.weight_decay,
    schedule: c.schedule,
    totalSteps: c.steps,
    minLrFactor: 0.1,
  }),
};

function resolveGraphTransformerConfig(partial: Config): GraphTransformerConfig {
  const c = resolveGraphConfig<GraphTransformerConfig>(fields, partial);
  if (c.d_model % c.heads !== 0) throw new ConfigError("heads", `width ${c.d_model} is not divisible by ${c.heads} heads`);
  if (c.task !== "edges" && rootToLeafPaths(graphFromConfig(c)).length < 2) {
    throw new ConfigError("task", "path tasks need a graph with at least two leaves (path-star or tree-star)");
  }
  return c;
}

/** Sequences cut to the positions the loss reads (liveParts), as device tensors: inputs [length·n, V], targets from `from` on. */
interface Part {
  n: number;
  length: number;
  from: number;
  inputs: tf.Tensor2D;
  /** The same tokens as floats [length·n], for the fused step (gpt-kernel.ts). */
  tokens: tf.Tensor1D;
  targets: tf.Tensor2D;
}

/** A training batch: its sequences, the count the loss is averaged over, and its parts by shard ("shard/of"), made on first use. */
interface Batch {
  set: SequenceSet;
  count: number;
  parts: Map<string, Part[]>;
}

export function createGraphTransformer(c: GraphTransformerConfig): Problem {
  const g = graphFromConfig(c);
  const { n } = g;
  const vocab = graphVocabulary(n);
  const usesPaths = c.task !== "edges";
  const leaves = splitLeaves(usesPaths ? rootToLeafPaths(g) : [], c.held_out, new Rng(c.seed * 2 + 1));
  const longest = Math.max(1, ...leaves.train.map((p) => p.length), ...leaves.test.map((p) => p.length));
  const T = usesPaths ? sequenceLength(longest, c.pauses) : 3;
  const model = new Gpt(
    { V: vocab.size, T, d: c.d_model, heads: c.heads, layers: c.layers, mlp: c.mlp, tied: c.tied },
    new Rng(c.seed * 2),
    c.init === "geometric" ? 0.02 : 1,
  );
  const spectrum = graphSpectrum(g);

  // Kept: a data intervention may rebuild batches inside another tidy scope (sharpness rewinds the data stream).
  const toPart = ({ set, from }: SequencePart): Part => ({
    n: set.n,
    length: set.T,
    from,
    inputs: tf.keep(timeMajorOneHot(set.tokens, set.n, set.T, vocab.size)),
    tokens: tf.keep(tf.tensor1d(timeMajorTokens(set))),
    targets: tf.keep(tf.tensor2d(timeMajorTargets(set, vocab.size, from), [(set.T - from) * set.n, vocab.size])),
  });
  /** Shard `shard` of `of`: each live part's sequences split in `of` contiguous ranges. */
  const partsOf = (batch: Batch, shard = 0, of = 1): Part[] => {
    const key = `${shard}/${of}`;
    let parts = batch.parts.get(key);
    if (!parts) {
      parts = liveParts(batch.set).flatMap(({ set, from }) => {
        const [lo, hi] = [Math.floor((set.n * shard) / of), Math.floor((set.n * (shard + 1)) / of)];
        return hi > lo ? [toPart({ set: sliceSet(set, lo, hi), from })] : [];
      });
      batch.parts.set(key, parts);
    }
    return parts;
  };
  /** The whole batch's parts are made at once (a data intervention swaps batches with no change in tensor count). */
  const toBatch = (set: SequenceSet): Batch => {
    const batch: Batch = { set, count: set.targets.length, parts: new Map() };
    partsOf(batch);
    return batch;
  };
  /** The batch's loss summed over these parts (all of them: the whole loss). */
  const partsLoss = (parts: Part[], count: number): tf.Scalar => {
    const terms = parts.map((p) => crossEntropy(model.forward(p.inputs, p.n, { length: p.length, logitsFrom: p.from }).logits, p.targets, count));
    return terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Scalar);
  };
  const paths = pathSequences(leaves.train, c.pauses, vocab, T, c.path_target);
  /** The batches built from the edge pairs; a data intervention rebuilds them (the path batch stays). */
  const edgeBatches = (pairs: [number, number][]) => {
    const edges = edgeSequences(pairs, vocab, T);
    return { pairs, edges: toBatch(edges), mixed: c.task === "mixed" ? toBatch(concatSets(edges, paths)) : null };
  };
  const batches = {
    ...edgeBatches(directedPairs(g, c.direction, c.self_edges)),
    paths: c.task === "staged" ? toBatch(paths) : null,
  };
  const disposeBatch = (b: Batch | null) => b && tf.dispose([...b.parts.values()].flat().flatMap((p) => [p.inputs, p.tokens, p.targets]));
  const edgeData = new TrainedEdges(g, { direction: c.direction, self_edges: c.self_edges }, (pairs) => {
    const old = { edges: batches.edges, mixed: batches.mixed };
    Object.assign(batches, edgeBatches(pairs));
    disposeBatch(old.edges);
    disposeBatch(old.mixed);
  });
  // The staged recipe picks its batch by step: the step count is this problem's data-stream state.
  let step = 0;
  const batchAt = (s: number): Batch =>
    c.task === "mixed" ? batches.mixed! : c.task === "staged" && s >= c.edge_steps ? batches.paths! : batches.edges;

  const probe = leaves.test[0] ?? leaves.train[0];
  /** Each layer's attention (mean over heads) on one padded sequence, cropped to its first `length` positions. */
  const attentionOn = (tokens: Int32Array, length: number): NamedTensor[] => {
    const attention = tf.tidy(() =>
      model.forward(timeMajorOneHot(tokens, 1, T, vocab.size), 1).attention.map((a) => tf.reshape(a, [T, c.heads, T]) as tf.Tensor3D),
    );
    const out = attentionMatrices(attention, length);
    tf.dispose(attention);
    return out;
  };
  const nodeEmbedding = () => tf.tidy(() => tf.slice(model.E, [0, 0], [n, c.d_model]));

  const liveRows = (b: Batch) => partsOf(b).reduce((sum, p) => sum + p.n * p.length, 0);
  /** The loss and gradients of these parts in the trained groups: one fused kernel per part where it runs, else autodiff. */
  const partsGradients = (parts: Part[], count: number, trained: readonly string[]) => {
    const variables = trained.map((g) => problem.params[g]!);
    if (!parts.length) return { loss: tf.scalar(0), grads: Object.fromEntries(trained.map((g, i) => [g, tf.zerosLike(variables[i]!)])) };
    if (!gptKernelAvailable(model.dims)) {
      const { value, grads } = tf.variableGrads(() => partsLoss(parts, count), variables);
      return { loss: value, grads: Object.fromEntries(trained.map((g, i) => [g, grads[variables[i]!.name]!])) };
    }
    const results = parts.map((p) => gptPartWithGradients(model, p, count));
    const sum = (ts: tf.Tensor[]) => (ts.length === 1 ? tf.clone(ts[0]!) : tf.addN(ts));
    const out = { loss: sum(results.map((r) => r.loss)) as tf.Scalar, grads: Object.fromEntries(trained.map((g) => [g, sum(results.map((r) => r.grads[g]!))])) };
    tf.dispose(results.flatMap((r) => [r.loss, ...Object.values(r.grads)]));
    return out;
  };
  /** The gradients of one shard of the next batch (Problem.shardGradients), where the batch is large enough to split. */
  function shardGradients(trained: readonly string[], shard: number, of: number) {
    const batch = batchAt(step++);
    return partsGradients(partsOf(batch, shard, of), batch.count, trained);
  }
  const problem: Problem = {
    params: model.groups(),
    frozen: [],
    loss() {
      const batch = batchAt(step++);
      return partsLoss(partsOf(batch), batch.count);
    },
    gradients(trained) {
      if (!gptKernelAvailable(model.dims)) return null;
      const batch = batchAt(step++);
      return partsGradients(partsOf(batch), batch.count, trained);
    },
    ...(liveRows(batches.mixed ?? batches.edges) >= SHARD_MIN_ROWS && { shardGradients }),
    metrics: (loss) => ({ loss }),
    // The step count, then which edge pairs it trains on (checkpoints keep what a data intervention changed).
    dataState: () => [step, ...edgeData.state()],
    restoreDataState(state) {
      step = state[0]!;
      edgeData.restore(state, 1);
    },
    setData(patch) {
      refuseKeys(patch, { batch_size: "this experiment trains full batch (every example each step)" });
      return edgeData.apply(patch, () => batches.pairs.length, () => problem.references);
    },
    evaluate(at) {
      if (!isEvalStep(at, c.eval_every, c.steps)) return {};
      const E = nodeEmbedding();
      const e = E.dataSync();
      E.dispose();
      const out: Record<string, number> = graphMetrics(g, batches.pairs, spectrum, e, c.d_model, edgeScores(model, vocab), false);
      if (usesPaths) {
        const test = pathAccuracy(model, leaves.test, c.pauses, vocab);
        const train = pathAccuracy(model, leaves.train, c.pauses, vocab);
        const cos = leafFirstNodeCosines(e, n, c.d_model, [...leaves.train, ...leaves.test]);
        Object.assign(out, {
          first_token_test: 100 * test.firstToken,
          first_token_train: 100 * train.firstToken,
          full_path_test: 100 * test.fullPath,
          full_path_train: 100 * train.fullPath,
          leaf_n1_cos: cos.same,
          leaf_n1_cos_other: cos.other,
        });
      }
      for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[k];
      return out;
    },
    get references() {
      return {
        ...topOneReference(batches.pairs),
        ...(usesPaths ? { first_token_test: { value: 100 / Math.max(1, c.star_degree), label: `chance 1/d = ${(100 / c.star_degree).toFixed(1)}%` } } : {}),
      };
    },
    snapshot() {
      const E = nodeEmbedding();
      const tensors = readTensors({ E });
      E.dispose();
      const attention = probe ? attentionOn(pathSequences([probe], c.pauses, vocab, T, "first").tokens, T).slice(-1) : [];
      return [
        ...tensors,
        ...attention.map((a) => ({ ...a, name: "attention" })),
        ...graphSnapshot(g, spectrum, tensors[0]!.data, c.d_model),
      ] satisfies NamedTensor[];
    },
    inspect(input) {
      const tokens = parseTokens(input, { limit: n, maxLength: T, names: { EDGE: vocab.EDGE, PATH: vocab.PATH, PAUSE: vocab.PAUSE, PAD: vocab.PAD } });
      return attentionOn(padTokens(tokens, T, vocab.PAD), tokens.length);
    },
    dispose() {
      [batches.edges, batches.mixed, batches.paths].forEach(disposeBatch);
      model.dispose();
    },
  };
  return problem;
}
