import * as tf from "@tensorflow/tfjs";
import type { Config } from "@orrery/protocol";
import { commonFields, resolveFields } from "../config.ts";
import { sampleCopying, tokenProbabilities, type CopyingSpec, type TokenDistribution } from "../datasets/copying.ts";
import { BatchSize, refuseKeys } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import { onlyTrained } from "../training/tensors.ts";
import { SHARD_MIN_ROWS } from "../training/shards.ts";
import { ConfigError, type CommonConfig, type Experiment, type Problem } from "../types.ts";
import { inductionEvaluator } from "./induction-heads-eval.ts";
import { bridgeMetrics, inductionSnapshot } from "./induction-heads-views.ts";
import { AttentionOnlyTransformer } from "./transformer/attention-only.ts";
import { attentionOnlyKernelAvailable, attentionOnlyWithGradients } from "./transformer/attention-only-kernel.ts";
import { attentionMatrices, padTokens, parseTokens } from "./transformer/inspect-input.ts";
import { crossEntropy } from "./cross-entropy.ts";
import { nextTokenTargets, timeMajorOneHot } from "./transformer/sequence-batch.ts";

/**
 * Zhong (Song, Xu & Zhong, arXiv 2408.09503), EXPERIMENTS.md §4: an attention-only transformer learns to copy
 * a repeated pattern. Two layers compose a previous-token head and an induction head and generalise to longer,
 * uniform patterns (OOD error drops sharply to the floor); one layer cannot. Defaults: the CPU variant.
 */
export interface InductionHeadsConfig extends CommonConfig {
  V: number;
  T: number;
  d_model: number;
  layers: number;
  distribution: TokenDistribution;
  min_len: number;
  max_len: number;
  ood_len: number;
  burn: number;
  batch_size: number;
  dropout: number;
  rope_theta: number;
  weight_decay: number;
  eval_every: number;
  eval_size: number;
  sharpness_batch: number;
  bridge_k: number;
}

const fields = [
  { key: "layers", label: "Layers", kind: "number", default: 2, min: 1, max: 8, integer: true },
  { key: "V", label: "Vocabulary (V)", kind: "number", default: 32, min: 5, max: 1024, integer: true },
  { key: "T", label: "Sequence length (T)", kind: "number", default: 32, min: 4, max: 256, integer: true },
  { key: "d_model", label: "Width (d_model, even)", kind: "number", default: 32, min: 2, max: 256, integer: true },
  {
    key: "distribution",
    label: "Training tokens",
    kind: "enum",
    default: "zipf",
    options: [
      { value: "zipf", label: "zipf p_i ∝ 1/(i + 2.7)" },
      { value: "uniform", label: "uniform" },
      { value: "two-level", label: "two-level (4 tokens at 1/8)" },
    ],
  },
  { key: "min_len", label: "Pattern length, min (ID)", kind: "number", default: 5, min: 1, max: 128, integer: true },
  { key: "max_len", label: "Pattern length, max (ID)", kind: "number", default: 9, min: 1, max: 128, integer: true },
  { key: "ood_len", label: "Pattern length (OOD test)", kind: "number", default: 12, min: 1, max: 128, integer: true },
  {
    key: "burn",
    label: "Burn-in (unscored copy tokens)",
    help: "The error counts positions start2 + burn … start2 + L − 1 of the second copy (the source uses 4 at full size).",
    kind: "number",
    default: 2,
    min: 0,
    max: 127,
    integer: true,
  },
  { key: "batch_size", label: "Batch size", kind: "number", default: 32, min: 1, max: 4096, integer: true },
  {
    key: "dropout",
    label: "Dropout after attention",
    help: "The source uses 0.1 (on the attention output, before the residual add); off by default here.",
    kind: "number",
    default: 0,
    min: 0,
    max: 0.9,
  },
  { key: "rope_theta", label: "RoPE θ", kind: "number", default: 1e4, min: 1, max: 1e9 },
  { key: "weight_decay", label: "Weight decay (AdamW)", kind: "number", default: 5e-4, min: 0, max: 10 },
  { key: "eval_every", label: "Evaluate every (steps)", kind: "number", default: 100, min: 1, max: 1_000_000, integer: true },
  { key: "eval_size", label: "Test sequences (ID and OOD each)", kind: "number", default: 256, min: 1, max: 5000, integer: true },
  {
    key: "sharpness_batch",
    label: "Sharpness probe (fixed training sequences)",
    help: "The batch the top Hessian eigenvalue is measured on, drawn once from the training distribution (about 500 at full size).",
    kind: "number",
    default: 256,
    min: 1,
    max: 5000,
    integer: true,
  },
  {
    key: "bridge_k",
    label: "Bridge rank k (0 = d/8)",
    help: "The bridge is the top-k right-singular subspace of the last layer's W_qk, compared with W_E's top (1), medium (~35/64 of d) and bottom singular directions.",
    kind: "number",
    default: 0,
    min: 0,
    max: 256,
    integer: true,
  },
  ...commonFields({ steps: 5000, lr: 3e-3, snapshot_every: 100 }),
] as const satisfies Experiment["info"]["fields"];

export const inductionHeads: Experiment<InductionHeadsConfig> = {
  info: {
    id: "induction-heads",
    title: "Induction heads — copying task (Zhong)",
    description:
      "Sequences carry one random pattern written twice; an attention-only transformer (RoPE, pre-LN, 1 head) " +
      "learns to complete the second copy. With 2 layers the error on longer, uniform (OOD) patterns drops " +
      "sharply from chance to the floor as an induction head forms; with 1 layer it stays near chance.",
    fields: [...fields],
    metrics: [
      { key: "loss", label: "Training loss (nats)" },
      { key: "ood_error", label: "OOD error (uniform tokens, L = ood_len)" },
      { key: "id_error", label: "ID error (training distribution)" },
      { key: "ood_loss", label: "OOD loss (nats)" },
      { key: "id_loss", label: "ID loss (nats)" },
      { key: "induction_score", label: "Induction-head attention (last layer, OOD second copies)" },
      { key: "previous_token_score", label: "Previous-token attention (layer 1, OOD)" },
      { key: "bridge_cos_top", label: "Bridge vs W_E's top singular direction (mean principal cosine)" },
      { key: "bridge_cos_medium", label: "Bridge vs W_E's medium singular subspace (mean principal cosine)" },
      { key: "bridge_cos_bottom", label: "Bridge vs W_E's bottom singular subspace (mean principal cosine)" },
    ],
    views: [
      { tensor: "attention", kind: "matrix", label: "Last layer's attention on one OOD sequence (row = query)" },
      { tensor: "W_qk", kind: "matrix", label: "Last layer's W_qk = W_qᵀW_k/√d (d×d)" },
      { tensor: "W_ov", kind: "matrix", label: "Layer 1's W_ov = W_o·W_v (d×d)" },
      { tensor: "W_qk_W_ov", kind: "matrix", label: "W_qk·W_ov: the last layer's keys reading layer 1's output (d×d)" },
      { tensor: "qk_ov_matching", kind: "bars", label: "Subspace matching σ_max(V_qk[:j]ᵀU_ov[:, :j]), j = 1..d" },
      { tensor: "E", kind: "matrix", label: "Token embedding W_E (V×d)" },
      { tensor: "embedding_singular_values", kind: "bars", label: "Singular values of W_E" },
      { tensor: "bridge_cos_top", kind: "bars", label: "Bridge (top-k of W_qk) vs W_E's top direction: principal cosines" },
      { tensor: "bridge_cos_medium", kind: "bars", label: "Bridge vs W_E's medium subspace: principal cosines" },
      { tensor: "bridge_cos_bottom", kind: "bars", label: "Bridge vs W_E's bottom subspace: principal cosines" },
    ],
    inspect: { label: "Attention on your tokens (ids 0…V−1; repeat a pattern to see the induction head)", placeholder: "5 9 2 14 7 5 9 2 14" },
  },
  resolveConfig: resolveInductionConfig,
  create: createInductionHeads,
  // The source's AdamW: betas (0.9, 0.98), eps 1e-9, decoupled weight decay, constant rate.
  trainerOptions: (c) => ({ lr: c.lr, optimizer: "adam", betas: [0.9, 0.98], epsilon: 1e-9, weightDecay: c.weight_decay, schedule: "constant" }),
};

function resolveInductionConfig(partial: Config): InductionHeadsConfig {
  const c = resolveFields(fields, partial) as unknown as InductionHeadsConfig;
  if (c.d_model % 2 !== 0) throw new ConfigError("d_model", `RoPE needs an even width, got ${c.d_model}`);
  if (c.max_len < c.min_len) throw new ConfigError("max_len", `${c.max_len} is below min_len ${c.min_len}`);
  const longest = Math.max(c.max_len, c.ood_len);
  if (c.T < 2 * longest + 2) throw new ConfigError("T", `needs T ≥ 2·${longest} + 2 to hold two copies, got ${c.T}`);
  if (c.burn >= Math.min(c.min_len, c.ood_len)) {
    throw new ConfigError("burn", `must be below the shortest pattern (${Math.min(c.min_len, c.ood_len)}), got ${c.burn}`);
  }
  return c;
}

const batchSizeField = fields.find((f) => f.key === "batch_size") as { min: number; max: number };

export function createInductionHeads(c: InductionHeadsConfig): Problem {
  // Separate streams for init, data, dropout and the test sets; seed·4 + k keeps neighbouring seeds' apart.
  const stream = (k: number) => new Rng(c.seed * 4 + k);
  const model = new AttentionOnlyTransformer(
    { V: c.V, d: c.d_model, layers: c.layers, T: c.T, ropeTheta: c.rope_theta },
    stream(0),
  );
  const train: CopyingSpec = { V: c.V, T: c.T, minLen: c.min_len, maxLen: c.max_len, probs: tokenProbabilities(c.distribution, c.V) };
  const ood: CopyingSpec = { V: c.V, T: c.T, minLen: c.ood_len, maxLen: c.ood_len, probs: tokenProbabilities("uniform", c.V) };
  const dataRng = stream(1);
  const dropoutRng = stream(2);
  const testRng = stream(3);
  const evaluator = inductionEvaluator(model, {
    id: sampleCopying(train, c.eval_size, testRng),
    ood: sampleCopying(ood, c.eval_size, testRng),
    burn: c.burn,
  });
  const probe = evaluator.oodProbe;
  // Drawn after the test sets, so adding it changed none of them.
  const sharpnessBatch = sampleCopying(train, c.sharpness_batch, testRng);
  const sharpnessInputs = timeMajorOneHot(sharpnessBatch.tokens, c.sharpness_batch, c.T, c.V);
  const sharpnessTargets = nextTokenTargets(sharpnessBatch.tokens, c.sharpness_batch, c.T, c.V);

  // The config's, until a data intervention changes it; the data stream continues either way.
  const size = new BatchSize(c.batch_size, batchSizeField);

  const fused = c.dropout === 0 && attentionOnlyKernelAvailable(model.dims);
  /** Sequences lo … hi − 1 of the next batch (all of them: the whole batch), its loss averaged over the whole batch. */
  function shardGradients(trained: readonly string[], shard: number, of: number) {
    const batch = sampleCopying(train, size.current, dataRng);
    const [lo, hi] = [Math.floor((size.current * shard) / of), Math.floor((size.current * (shard + 1)) / of)];
    const params = model.groups();
    if (hi <= lo) return { loss: tf.scalar(0), grads: Object.fromEntries(trained.map((g) => [g, tf.zerosLike(params[g]!)])) };
    const tokens = tf.tensor2d(Float32Array.from(batch.tokens.subarray(lo * c.T, hi * c.T)), [hi - lo, c.T]);
    const { loss, grads } = attentionOnlyWithGradients(model, tokens, size.current);
    tokens.dispose();
    return { loss, grads: onlyTrained(grads, trained) };
  }

  return {
    params: model.groups(),
    frozen: [],
    references: evaluator.references,
    loss() {
      const batch = sampleCopying(train, size.current, dataRng);
      const inputs = timeMajorOneHot(batch.tokens, size.current, c.T, c.V);
      const targets = nextTokenTargets(batch.tokens, size.current, c.T, c.V);
      const { logits } = model.forward(inputs, size.current, { rate: c.dropout, rng: dropoutRng });
      return crossEntropy(logits, targets, size.current * (c.T - 1));
    },
    // The whole step as one kernel where it runs (wasm SIMD, widths multiples of 4, no dropout: its masks are
    // drawn per time-major row); else null, and the trainer differentiates loss().
    gradients(trained) {
      return fused ? shardGradients(trained, 0, 1) : null;
    },
    // Data-parallel where the fused step runs (dropout would need the other shards' masks) on batches worth splitting.
    ...(fused && c.batch_size * c.T >= SHARD_MIN_ROWS && { shardGradients }),
    setData(patch) {
      const why = "this experiment's data are copying sequences, not a graph's edges";
      refuseKeys(patch, { self_edges: why, direction: why });
      return size.apply(patch.batch_size);
    },
    probeLoss() {
      const { logits } = model.forward(sharpnessInputs, c.sharpness_batch);
      return crossEntropy(logits, sharpnessTargets, c.sharpness_batch * (c.T - 1));
    },
    metrics: (loss) => ({ loss }),
    evaluate: (step) => (step === 1 || step % c.eval_every === 0 ? { ...evaluator.evaluate(), ...bridgeMetrics(model, c.bridge_k) } : {}),
    snapshot: () => inductionSnapshot(model, probe, c.bridge_k),
    inspect(input) {
      const tokens = parseTokens(input, { limit: c.V, maxLength: c.T });
      const attention = tf.tidy(() => model.forward(timeMajorOneHot(padTokens(tokens, c.T, 0), 1, c.T, c.V), 1).attention);
      const out = attentionMatrices(attention, tokens.length);
      tf.dispose(attention);
      return out;
    },
    // Then the batch size, the config's and the current (checkpoints keep what a data intervention changed).
    dataState: () => [...dataRng.getState(), ...dropoutRng.getState(), ...size.state()],
    restoreDataState(state) {
      // Both streams only ever call next(), so each state is one number (no spare normal).
      dataRng.setState([state[0]!]);
      dropoutRng.setState([state[1]!]);
      size.restore(state, 2);
    },
    dispose() {
      tf.dispose([sharpnessInputs, sharpnessTargets]);
      evaluator.dispose();
      model.dispose();
    },
  };
}
