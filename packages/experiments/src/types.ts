import type { Scalar, Tensor, Variable } from "@tensorflow/tfjs";
import type { Config, DataPatch, ExperimentInfo, NamedTensor } from "@orrery/protocol";
import type { TrainerOptions } from "./training/trainer.ts";

/** A configured model + data pair, ready to be trained by the model-agnostic Trainer. */
export interface Problem {
  /** Parameters by group name (e.g. "E", "W1"). The trainer optimizes the unfrozen ones. */
  readonly params: Readonly<Record<string, Variable>>;
  /** Groups that start frozen (their values never change unless unfrozen). */
  readonly frozen: readonly string[];
  /** Scalar training loss for the next batch; called inside the optimizer's tidy scope. */
  loss(): Scalar;
  /**
   * The same loss with its gradients in the `trained` groups, computed without autodiff's tape (a backward pass
   * written out, fused kernels): on small models the tape's bookkeeping costs more than the arithmetic. It
   * advances the data stream as loss() does. Optional; null: the trainer differentiates loss().
   */
  gradients?(trained: readonly string[]): { loss: Scalar; grads: Record<string, Tensor> } | null;
  /**
   * The loss and gradients of shard `shard` of `of` equal shards of the batch the next step trains on, scaled so
   * that the shards' sums are the whole batch's loss and gradients: data-parallel steps over threads (see
   * training/shards.ts). Advances the data stream as loss() does. Optional.
   */
  shardGradients?(trained: readonly string[], shard: number, of: number): { loss: Scalar; grads: Record<string, Tensor> };
  /**
   * Loss on a fixed probe batch built once at create, for measurements that need the same loss at several θ
   * (sharpness). Problems whose loss() draws a fresh batch provide it; without it, loss() is used with the data
   * stream rewound before each call. Must not advance any RNG.
   */
  probeLoss?(): Scalar;
  /** Metrics derived from the loss value read back after a step. */
  metrics(loss: number): Record<string, number>;
  /** Costlier metrics (e.g. edge recovery), computed when the problem decides to (every k steps). */
  evaluate?(step: number): Record<string, number>;
  /** Reference lines for this run's charts that depend on its config (e.g. the exact optimum L0). */
  readonly references?: Readonly<Record<string, { value: number; label: string }>>;
  /** Parameter values (and anything derived) worth drawing, copied off the device. */
  snapshot(): NamedTensor[];
  /**
   * The model's view of an input the user typed (ExperimentInfo.inspect says the syntax), e.g. each layer's
   * attention on a token sequence; throws InputError naming what is wrong with the input.
   */
  inspect?(input: string): NamedTensor[];
  /** State of the problem's data stream (e.g. its sampling RNG), for checkpoints; absent when data is fixed. */
  dataState?(): number[];
  restoreDataState?(state: number[]): void;
  /**
   * Changes the training data from the next step on (a `data` intervention), where the experiment allows it:
   * checks every key first (InterventionError naming the key and why, changing nothing), then applies the patch
   * and returns the log's before → after summary. The data stream's RNG continues; dataState() carries the change.
   */
  setData?(patch: DataPatch): string;
  /** The solution the experiment knows for a parameter group (the `reference` preset of a set intervention). */
  reference?(group: string): Float32Array | undefined;
  /** Frees tensors the problem holds besides its params (constant data). */
  dispose(): void;
}

/** What every experiment's config carries besides its own knobs. */
export interface CommonConfig {
  seed: number;
  steps: number;
  lr: number;
  snapshot_every: number;
  /** Record the `sharpness` metric (top Hessian eigenvalue) every this many steps; 0: never. */
  sharpness_every: number;
}

export interface Experiment<C extends CommonConfig = CommonConfig> {
  readonly info: ExperimentInfo;
  /** Fills defaults and validates; throws ConfigError naming the bad key. */
  resolveConfig(partial: Config): C;
  create(config: C): Problem;
  /** Optimizer, weight decay and schedule; default Adam at config.lr. */
  trainerOptions?(config: C): TrainerOptions;
}

export type AnyTensor = Tensor;

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`config.${key}: ${message}`);
    this.name = "ConfigError";
  }
}
