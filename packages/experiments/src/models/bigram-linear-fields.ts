import { commonFields } from "../config.ts";
import type { BigramData } from "../datasets/bigram-source.ts";
import type { CommonConfig, Experiment } from "../types.ts";

/** Every knob of the Bigram-1 / Bigram-2 / unigram presets (EXPERIMENTS.md §1, "context from the same series"). */
export interface BigramLinearConfig extends CommonConfig {
  data: BigramData;
  V: number;
  n_embd: number;
  a_mode: AMode;
  tied: boolean;
  layer_norm: boolean;
  alpha: number;
  init_scale: number;
  loss: "exact" | "batch";
  batch_size: number;
  schedule: "constant" | "warmup-decay";
  warmup_steps: number;
  decay_steps: number;
  min_lr_factor: number;
  eval_every: number;
}

export const A_MODES = {
  attention: "attention, context 1: A = W_o·W_v (Bigram-1, read as Bigram-2's A = OV)",
  residual: "attention plus residual: x + W_o·W_v·x",
  trainable: "trainable A (Bigram-2)",
  identity: "A frozen at I (unfreezable)",
  none: "no A (unigram)",
} as const;
export type AMode = keyof typeof A_MODES;

export const bigramLinearFields = [
  {
    key: "data",
    label: "Data",
    kind: "enum",
    default: "walk",
    options: [
      { value: "walk", label: "circle walk x → x±1" },
      { value: "drift", label: "right-only drift x → x+1" },
      { value: "zipf", label: "unigram: x, y ~ i^−α independently" },
    ],
  },
  { key: "V", label: "Vocabulary (V)", kind: "number", default: 10, min: 2, max: 4096, integer: true },
  { key: "n_embd", label: "Embedding dim (n_embd, D)", kind: "number", default: 4, min: 1, max: 256, integer: true },
  {
    key: "a_mode",
    label: "Map between embed and unembed",
    kind: "enum",
    default: "trainable",
    options: Object.entries(A_MODES).map(([value, label]) => ({ value, label })),
  },
  { key: "tied", label: "Tied unembedding (U = E)", kind: "boolean", default: true },
  { key: "layer_norm", label: "LayerNorm after the embedding", kind: "boolean", default: false },
  { key: "alpha", label: "Zipf exponent α (unigram)", kind: "number", default: 1, min: 0, max: 10 },
  { key: "init_scale", label: "Init std of E", kind: "number", default: 1, min: 0, max: 100 },
  {
    key: "loss",
    label: "Loss",
    kind: "enum",
    default: "exact",
    options: [
      { value: "exact", label: "exact expectation (full batch)" },
      { value: "batch", label: "sampled pairs, drawn online" },
    ],
  },
  { key: "batch_size", label: "Batch size (sampled)", kind: "number", default: 128, min: 1, max: 1_000_000, integer: true },
  {
    key: "schedule",
    label: "LR schedule",
    kind: "enum",
    default: "constant",
    options: [
      { value: "constant", label: "constant" },
      { value: "warmup-decay", label: "linear warmup, constant, linear decay at the end" },
    ],
  },
  { key: "warmup_steps", label: "Warmup steps", kind: "number", default: 0, min: 0, max: 100_000_000, integer: true },
  { key: "decay_steps", label: "Decay steps (at the end)", kind: "number", default: 1000, min: 0, max: 100_000_000, integer: true },
  { key: "min_lr_factor", label: "Final LR / LR", kind: "number", default: 0.1, min: 0, max: 1 },
  { key: "eval_every", label: "Evaluate every (steps)", kind: "number", default: 100, min: 1, max: 1_000_000, integer: true },
  ...commonFields({ steps: 5000, lr: 1e-2 }),
] as const satisfies Experiment["info"]["fields"];
