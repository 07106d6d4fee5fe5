import * as tf from "@tensorflow/tfjs";
import type { Config, NamedTensor } from "@orrery/protocol";
import { effectiveDimension } from "../analysis/effective-dimension.ts";
import { symmetricPart } from "../analysis/symmetric-part.ts";
import { resolveFields } from "../config.ts";
import { bigramSource, jointWeights, samplePairs } from "../datasets/bigram-source.ts";
import { BatchSize, refuseKeys } from "../interventions/data-patch.ts";
import { Rng } from "../random.ts";
import { oneHotRows, onlyTrained, readTensors, variableFrom } from "../training/tensors.ts";
import type { Experiment, Problem } from "../types.ts";
import { bilinearKernelAvailable, bilinearWithGradients } from "./bilinear-kernel.ts";
import { crossEntropy } from "./cross-entropy.ts";
import { layerNorm } from "./transformer/layer-norm.ts";
import { bigramLinearFields as fields, type BigramLinearConfig } from "./bigram-linear-fields.ts";

export type { BigramLinearConfig } from "./bigram-linear-fields.ts";

/** Exact-loss evaluation needs the V×V joint weights; above this V only the training loss is reported. */
const MAX_EXACT_EVAL_V = 1024;

/**
 * The linear bigram family of the Liu posts: logits(x) = U·A·[LN](E_x) with U = Eᵀ when tied.
 * Bigram-1 (attention-only, context 1): the one key gets attention weight 1, so the layer is x ↦ W_o·W_v·x — read
 * without a residual or LayerNorm, as Bigram-2 states (A = OV); "residual" adds the skip path, x ↦ x + W_o·W_v·x.
 * Bigram-2: a free A (= OV) between tied embed/unembed. Unigram: no A, x and y independent Zipf tokens.
 */
export const bigramLinear: Experiment<BigramLinearConfig> = {
  info: {
    id: "bigram-linear",
    title: "Bigrams 1–2 & unigram — embed, A, unembed",
    description:
      "Tokens are embedded, mapped by A and read out by the (tied) unembedding. Presets: Bigram-1 (a_mode attention, " +
      "V 10): n_embd 2 stalls near ppl 3, n_embd 4 reaches 2, right-only drift reaches 1 at n_embd 2. Bigram-2 " +
      "(trainable A, n_embd 4): ppl 2.00 with 2–3 negative eigenvalues of A, 2.10–2.13 with one; A = I stays far " +
      "above 2. Unigram (data zipf, a_mode none, n_embd 1, sampled batches of 128): the loss converges to the entropy.",
    fields: [...fields],
    metrics: [
      { key: "loss", label: "Loss (nats)" },
      { key: "ppl", label: "Perplexity" },
      { key: "exact_loss", label: "Exact expected loss (eval)" },
      { key: "gap", label: "Gap to the entropy (eval)", logScale: true },
      { key: "n_eff", label: "Effective dimension of E (exp PCA entropy)" },
      { key: "neg_eigs", label: "Negative eigenvalues of A's symmetric part" },
      { key: "asymmetry", label: "Asymmetry of A, ‖A−Aᵀ‖/‖A+Aᵀ‖" },
    ],
    views: [
      { tensor: "E", kind: "points", label: "Embeddings E — coloured by token index, joined i→i+1 (the PCA projection reads n_embd > 2)", cyclic: true },
      { tensor: "A", kind: "matrix", label: "A (attention: W_o·W_v; with residual: I + W_o·W_v)" },
      { tensor: "U", kind: "matrix", label: "Unembedding U (untied)" },
      { tensor: "E_on_A_eigs", kind: "matrix", label: "E on the eigenvectors of A's symmetric part (columns: eigenvalue ascending)" },
      { tensor: "A_eigenvalues", kind: "bars", label: "Eigenvalues of (A + Aᵀ)/2, ascending (negative: hyperbolic directions)" },
    ],
  },
  resolveConfig: (partial: Config) => resolveFields(fields, partial) as unknown as BigramLinearConfig,
  create: createBigramLinear,
  trainerOptions: (c) =>
    c.schedule === "constant"
      ? { lr: c.lr }
      : { lr: c.lr, schedule: "warmup-decay", totalSteps: c.steps, warmupSteps: c.warmup_steps, decaySteps: c.decay_steps, minLrFactor: c.min_lr_factor },
};

const batchSizeField = fields.find((f) => f.key === "batch_size") as { min: number; max: number };

export function createBigramLinear(c: BigramLinearConfig): Problem {
  const { V, n_embd: d } = c;
  const source = bigramSource(c.data, V, c.alpha);
  const rng = new Rng(c.seed);
  const params: Record<string, tf.Variable> = { E: variableFrom(rng.normals(V * d, c.init_scale), [V, d], true) };
  // [G] inits: U and a free A ~ N(0, 1/d), the variance scale of nn.Linear; W_v, W_o ~ N(0, 0.02²) as nanoGPT.
  if (!c.tied) params.U = variableFrom(rng.normals(d * V, 1 / Math.sqrt(d)), [d, V], true);
  if (c.a_mode === "trainable") params.A = variableFrom(rng.normals(d * d, 1 / Math.sqrt(d)), [d, d], true);
  if (c.a_mode === "identity") params.A = variableFrom(identity(d), [d, d], true);
  if (c.a_mode === "attention" || c.a_mode === "residual") {
    params.Wv = variableFrom(rng.normals(d * d, 0.02), [d, d], true);
    params.Wo = variableFrom(rng.normals(d * d, 0.02), [d, d], true);
  }
  if (c.layer_norm) {
    params.ln_gain = variableFrom(new Float32Array(d).fill(1), [d], true);
    params.ln_bias = variableFrom(new Float32Array(d), [d], true);
  }
  const { E, U, A, Wv, Wo, ln_gain, ln_bias } = params;

  /** Logits [B, V] for embedded inputs x [B, d]. Row convention: h·Aᵀ is (A·h)ᵀ. */
  const logits = (x: tf.Tensor2D): tf.Tensor2D => {
    let h = ln_gain && ln_bias ? layerNorm(x, ln_gain, ln_bias) : x;
    if (A) h = tf.matMul(h, A, false, true);
    if (Wv && Wo) {
      const ov = tf.matMul(tf.matMul(h, Wv, false, true), Wo, false, true);
      h = (c.a_mode === "residual" ? tf.add(h, ov) : ov) as tf.Tensor2D;
    }
    return U ? tf.matMul(h, U) : tf.matMul(h, E!, false, true);
  };

  const exactWeights = c.loss === "exact" || V <= MAX_EXACT_EVAL_V ? tf.tensor2d(jointWeights(source), [V, V]) : null;
  const exactLoss = () => tf.tidy(() => crossEntropy(logits(E as tf.Tensor as tf.Tensor2D), exactWeights as tf.Tensor2D, 1));
  const dataRng = new Rng(c.seed + 1);
  // The config's, until a data intervention changes it; the data stream continues either way.
  const size = new BatchSize(c.batch_size, batchSizeField);

  /** The map A the logits apply (d×d, row-major), or null without one. */
  const effectiveA = (): Float32Array | null => {
    if (A) return A.dataSync() as Float32Array;
    if (!Wv || !Wo) return null;
    return tf.tidy(() => {
      const ov = tf.matMul(Wo, Wv);
      return (c.a_mode === "residual" ? tf.add(tf.eye(d), ov) : ov).dataSync() as Float32Array;
    });
  };

  return {
    params,
    frozen: c.a_mode === "identity" ? ["A"] : [],
    references: {
      loss: { value: source.entropy, label: `entropy ${source.entropy.toFixed(4)}` },
      exact_loss: { value: source.entropy, label: `entropy ${source.entropy.toFixed(4)}` },
      ppl: { value: Math.exp(source.entropy), label: `optimum ${Math.exp(source.entropy).toFixed(3)}` },
    },
    loss() {
      if (c.loss === "exact") return exactLoss();
      const batch = samplePairs(source, size.current, dataRng);
      return tf.tidy(() => {
        const x = tf.matMul(oneHotRows(batch.inputs, V), E!) as tf.Tensor2D;
        return crossEntropy(logits(x), oneHotRows(batch.targets, V) as tf.Tensor2D, size.current);
      });
    },
    gradients(trained) {
      if (ln_gain || Wv || !bilinearKernelAvailable()) return null; // LayerNorm and the attention form: autodiff
      const weights = { E: E!, ...(A && { A }), ...(U && { U }) };
      if (c.loss === "exact") {
        const r = bilinearWithGradients(weights, null, exactWeights!, 1);
        return { loss: r.loss, grads: onlyTrained(r.grads, trained) };
      }
      const batch = samplePairs(source, size.current, dataRng);
      const [inputs, targets] = [tf.tensor1d(Float32Array.from(batch.inputs)), oneHotRows(batch.targets, V)];
      const r = bilinearWithGradients(weights, inputs, targets, size.current);
      tf.dispose([inputs, targets]);
      return { loss: r.loss, grads: onlyTrained(r.grads, trained) };
    },
    setData(patch) {
      const why = "this experiment's data is a bigram source, not a graph's edge list";
      refuseKeys(patch, {
        self_edges: why,
        direction: why,
        batch_size: c.loss === "exact" ? "this run trains on the exact expected loss (loss = exact)" : undefined,
      });
      return size.apply(patch.batch_size);
    },
    metrics: (loss) => ({ loss, ppl: Math.exp(loss) }),
    evaluate(step) {
      if (!(step === 1 || step % c.eval_every === 0 || step === c.steps)) return {};
      const out: Record<string, number> = { n_eff: effectiveDimension(E!.dataSync(), V, d) };
      if (exactWeights) {
        const l = exactLoss();
        out.exact_loss = l.dataSync()[0]!;
        out.gap = out.exact_loss - source.entropy;
        l.dispose();
      }
      const a = effectiveA();
      if (a) Object.assign(out, (({ negatives, asymmetry }) => ({ neg_eigs: negatives, asymmetry }))(symmetricPart(a, d)));
      return out;
    },
    // The data RNG only calls next() (one number), then the batch size (see BatchSize).
    dataState: () => [...dataRng.getState(), ...size.state()],
    restoreDataState(state) {
      dataRng.setState([state[0]!]);
      size.restore(state, 1);
    },
    snapshot() {
      const tensors = readTensors(U ? { E: E!, U } : { E: E! });
      const a = effectiveA();
      if (a) tensors.push({ name: "A", shape: [d, d], data: Float32Array.from(a) }, ...eigenViews(a, tensors[0]!.data, V, d));
      return tensors;
    },
    dispose() {
      tf.dispose(Object.values(params));
      exactWeights?.dispose();
    },
  };
}

/** Eigenvalues of A's symmetric part (ascending) and E's coordinates along the matching eigenvectors. */
function eigenViews(a: Float32Array, e: Float32Array, V: number, d: number): NamedTensor[] {
  const { eigen } = symmetricPart(a, d);
  const order = Array.from({ length: d }, (_, k) => d - 1 - k); // symmetricEigen sorts descending
  const values = Float32Array.from(order, (k) => eigen.values[k]!);
  const coords = new Float32Array(V * d);
  for (let i = 0; i < V; i++) {
    order.forEach((k, col) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += e[i * d + j]! * eigen.vectors[k * d + j]!;
      coords[i * d + col] = s;
    });
  }
  return [
    { name: "A_eigenvalues", shape: [d], data: values },
    { name: "E_on_A_eigs", shape: [V, d], data: coords },
  ];
}

function identity(d: number): Float32Array {
  const m = new Float32Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}
