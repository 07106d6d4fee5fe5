import * as tf from "@tensorflow/tfjs";
import type { Config } from "@orrery/protocol";
import { singularValuesOfTall } from "../analysis/svd.ts";
import { commonFields, resolveFields } from "../config.ts";
import { lowRankChain, sampleChainPairs, type LambdaSchedule } from "../datasets/low-rank-chain.ts";
import { BatchSize, refuseKeys } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import { oneHotRows, onlyTrained, readTensors, variableFrom } from "../training/tensors.ts";
import type { CommonConfig, Experiment, Problem } from "../types.ts";
import { bilinearKernelAvailable, bilinearWithGradients } from "./bilinear-kernel.ts";
import { crossEntropy } from "./cross-entropy.ts";

/**
 * Bigram 3 (seed 001): a rank-R Markov chain learned by an untied embedding (V×N) and unembedding (N×V).
 * Below N = R the loss stays a gap Δ above the exact optimum L0; the gap closes at N_c ≈ R.
 */
export interface LowRankBigramConfig extends CommonConfig {
  V: number;
  R: number;
  N: number;
  lambda: LambdaSchedule;
  alpha: number;
  logit_scale: number;
  chain_seed: number;
  data: "exact" | "batch";
  batch_size: number;
}

const fields = [
  { key: "V", label: "Vocabulary (V)", kind: "number", default: 10, min: 2, max: 4096, integer: true },
  { key: "R", label: "Rank of the chain (R)", kind: "number", default: 3, min: 1, max: 4096, integer: true },
  { key: "N", label: "Embedding width (N)", kind: "number", default: 2, min: 1, max: 4096, integer: true },
  {
    key: "lambda",
    label: "Λ schedule",
    kind: "enum",
    default: "one",
    options: [
      { value: "one", label: "λ = 1" },
      { value: "power", label: "λ_n = n^−α" },
      { value: "exp", label: "λ_n = e^−αn" },
    ],
  },
  { key: "alpha", label: "α (Λ decay)", kind: "number", default: 1, min: 0, max: 100 },
  { key: "logit_scale", label: "Logit scale", kind: "number", default: 1, min: 0, max: 1000 },
  {
    key: "chain_seed",
    label: "Chain seed",
    help: "Seeds the generator (A, B) apart from the model's seed, so a sweep over N shares one chain.",
    kind: "number",
    default: 0,
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
  },
  {
    key: "data",
    label: "Loss",
    kind: "enum",
    default: "exact",
    options: [
      { value: "exact", label: "exact π-weighted cross-entropy" },
      { value: "batch", label: "sampled pairs" },
    ],
  },
  { key: "batch_size", label: "Batch size (sampled)", kind: "number", default: 512, min: 1, max: 1_000_000, integer: true },
  ...commonFields({ steps: 6000, lr: 1e-2 }),
] as const satisfies Experiment["info"]["fields"];

export const lowRankBigram: Experiment<LowRankBigramConfig> = {
  info: {
    id: "low-rank-bigram",
    title: "Bigram 3 — low-rank Markov chain",
    description:
      "Tokens follow a rank-R Markov chain; an untied embedding of width N learns it. The loss gap Δ = L − L0 " +
      "to the exact optimum closes at N_c ≈ R and shrinks roughly as 1/N below it.",
    fields: [...fields],
    metrics: [
      { key: "loss", label: "Loss (nats)" },
      { key: "gap", label: "Gap Δ = L − L0", logScale: true },
    ],
    views: [
      { tensor: "E", kind: "points", label: "Embedding E — coloured by token index" },
      { tensor: "E", kind: "matrix", label: "Embedding E (V×N)" },
      { tensor: "U", kind: "matrix", label: "Unembedding U (N×V)" },
      { tensor: "E_singular_values", kind: "bars", label: "Singular values of E (N of them; the chain has rank R)" },
    ],
  },
  resolveConfig: (partial: Config) => resolveFields(fields, partial) as unknown as LowRankBigramConfig,
  create: createLowRankBigram,
};

const batchSizeField = fields.find((f) => f.key === "batch_size") as { min: number; max: number };

export function createLowRankBigram(c: LowRankBigramConfig): Problem {
  const chain = lowRankChain({ V: c.V, R: c.R, lambda: c.lambda, alpha: c.alpha, scale: c.logit_scale }, new Rng(c.chain_seed));
  const { V } = chain;
  const rng = new Rng(c.seed);
  // [G] init: E ~ N(0,1) like nn.Embedding; U ~ N(0, 1/N), the variance scale of nn.Linear's default.
  const E = variableFrom(rng.normals(V * c.N), [V, c.N], true);
  const U = variableFrom(rng.normals(c.N * V, 1 / Math.sqrt(c.N)), [c.N, V], true);
  const dataRng = new Rng(c.seed + 1);
  // The config's, until a data intervention changes it; the data stream continues either way.
  const size = new BatchSize(c.batch_size, batchSizeField);
  const exactWeights = c.data === "exact" ? tf.tensor2d(jointWeights(chain.P, chain.pi, V), [V, V]) : null;

  return {
    params: { E, U },
    frozen: [],
    references: { loss: { value: chain.L0, label: `L0 = ${chain.L0.toFixed(4)}` } },
    loss() {
      if (exactWeights) return crossEntropy(tf.matMul(E, U), exactWeights, 1);
      const batch = sampleChainPairs(chain, size.current, dataRng);
      const [inputs, weights] = [oneHotRows(batch.inputs, V), tf.tensor2d(batch.weights, [size.current, V])];
      const loss = crossEntropy(tf.matMul(tf.matMul(inputs, E), U), weights, size.current);
      tf.dispose([inputs, weights]);
      return loss;
    },
    gradients(trained) {
      if (!bilinearKernelAvailable()) return null;
      if (exactWeights) {
        const r = bilinearWithGradients({ E, U }, null, exactWeights, 1);
        return { loss: r.loss, grads: onlyTrained(r.grads, trained) };
      }
      const batch = sampleChainPairs(chain, size.current, dataRng);
      const [inputs, weights] = [tf.tensor1d(Float32Array.from(batch.inputs)), tf.tensor2d(batch.weights, [size.current, V])];
      const r = bilinearWithGradients({ E, U }, inputs, weights, size.current);
      tf.dispose([inputs, weights]);
      return { loss: r.loss, grads: onlyTrained(r.grads, trained) };
    },
    metrics: (loss) => ({ loss, gap: loss - chain.L0 }),
    setData(patch) {
      const why = "this experiment's data is a Markov chain, not a graph's edge list";
      refuseKeys(patch, {
        self_edges: why,
        direction: why,
        batch_size: exactWeights ? "this run trains on the exact expected loss (data = exact)" : undefined,
      });
      return size.apply(patch.batch_size);
    },
    // The data RNG only calls next() (one number), then the batch size (see BatchSize).
    dataState: () => [...dataRng.getState(), ...size.state()],
    restoreDataState(state) {
      dataRng.setState([state[0]!]);
      size.restore(state, 1);
    },
    snapshot() {
      const tensors = readTensors({ E, U });
      const sv = singularValuesOfTall(tensors[0]!.data, V, c.N);
      return [...tensors, { name: "E_singular_values", shape: [sv.length], data: Float32Array.from(sv) }];
    },
    dispose() {
      tf.dispose([E, U]);
      exactWeights?.dispose();
    },
  };
}

/** w[x,y] = π_x·P[x,y]: the exact loss is then −Σ w ⊙ log softmax(logits). */
function jointWeights(P: Float64Array, pi: Float64Array, V: number): Float32Array {
  const w = new Float32Array(V * V);
  for (let x = 0; x < V; x++) for (let y = 0; y < V; y++) w[x * V + y] = pi[x]! * P[x * V + y]!;
  return w;
}
