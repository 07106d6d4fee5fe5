import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "@orrery/protocol";
import type { Problem } from "../types.ts";
import { readTensors } from "./tensors.ts";

export interface StepResult {
  step: number;
  loss: number;
  metrics: Record<string, number>;
}

/** Everything a run needs to continue exactly where it was (same backend): a checkpoint's content. */
export interface TrainerState {
  step: number;
  /** Parameter values by group name. */
  params: NamedTensor[];
  /** The optimizer's weights in its own order (Adam: iterations, first moments, second moments). */
  optimizer: NamedTensor[];
  /** The problem's data-stream state, if it has one. */
  data: number[] | null;
}

export interface TrainerOptions {
  lr: number;
  /** Default "adam". Plain "sgd" is full-batch gradient descent when the problem's loss is exact. */
  optimizer?: "adam" | "sgd";
  /** Decoupled weight decay (AdamW-style: w ← w − lr_t·wd·w after each step) on every trained group. */
  weightDecay?: number;
  /** "cosine": lr decays from lr to lr·minLrFactor over totalSteps (the seeds' graph notebooks). */
  schedule?: "constant" | "cosine";
  totalSteps?: number;
  minLrFactor?: number;
}

/**
 * Model-agnostic training loop body: an optimizer over the problem's unfrozen parameter groups.
 * Freezing is just the variable list handed to the optimizer, so a frozen group's optimizer state is kept.
 */
export class Trainer {
  private readonly optimizer: tf.Optimizer;
  private readonly frozen: Set<string>;
  private varList: tf.Variable[];
  step = 0;

  constructor(readonly problem: Problem, private readonly opts: TrainerOptions) {
    this.optimizer = opts.optimizer === "sgd" ? tf.train.sgd(opts.lr) : tf.train.adam(opts.lr);
    this.frozen = new Set(problem.frozen);
    this.varList = this.computeVarList();
  }

  /** One optimizer step; the loss is read back so the caller can react to NaN at once. */
  trainStep(): StepResult {
    const lr = this.learningRateAt(this.step);
    if (lr !== this.opts.lr || this.opts.schedule === "cosine") setLearningRate(this.optimizer, lr);
    const cost = this.optimizer.minimize(() => this.problem.loss(), true, this.varList);
    const loss = cost!.dataSync()[0]!;
    cost!.dispose();
    if (this.opts.weightDecay) this.decay(lr * this.opts.weightDecay);
    this.step += 1;
    const evaluated = this.problem.evaluate?.(this.step) ?? {};
    return { step: this.step, loss, metrics: { ...this.problem.metrics(loss), ...evaluated } };
  }

  learningRateAt(step: number): number {
    const { lr, schedule, totalSteps, minLrFactor = 0.1 } = this.opts;
    if (schedule !== "cosine" || !totalSteps) return lr;
    const progress = Math.min(step / totalSteps, 1);
    return lr * (minLrFactor + (1 - minLrFactor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }

  get groups(): string[] {
    return Object.keys(this.problem.params);
  }

  isFrozen(group: string): boolean {
    return this.frozen.has(group);
  }

  setFrozen(group: string, frozen: boolean): void {
    if (!(group in this.problem.params)) throw new Error(`unknown parameter group "${group}"`);
    if (frozen) this.frozen.add(group);
    else this.frozen.delete(group);
    this.varList = this.computeVarList();
  }

  /** Captures the state between two steps. Call it between steps only: tfjs hands out the live buffers. */
  async saveState(): Promise<TrainerState> {
    const weights = await this.optimizer.getWeights();
    return {
      step: this.step,
      params: readTensors(this.problem.params),
      optimizer: readTensors({
        ...Object.fromEntries(weights.map((w, i) => [`${i}:${w.name}`, w.tensor])),
        ...adamBiasCorrection(this.optimizer),
      }),
      data: this.problem.dataState?.() ?? null,
    };
  }

  /** Restores a saved state into this (freshly built, same config) trainer; refuses mismatched shapes by name. */
  async loadState(state: TrainerState): Promise<void> {
    for (const t of state.params) {
      const v = this.problem.params[t.name];
      if (!v) throw new Error(`checkpoint has parameter group "${t.name}", which this model does not`);
      if (v.shape.join("×") !== t.shape.join("×")) {
        throw new Error(`parameter group "${t.name}" is [${v.shape}] here but [${t.shape}] in the checkpoint`);
      }
    }
    for (const t of state.params) tf.tidy(() => this.problem.params[t.name]!.assign(tf.tensor(t.data, t.shape)));
    const saved = state.optimizer.filter((t) => !ADAM_BIAS_CORRECTION.includes(t.name));
    const weights = saved.map((t) => ({ name: t.name.slice(t.name.indexOf(":") + 1), tensor: tf.tensor(t.data, t.shape) }));
    await this.optimizer.setWeights(weights);
    tf.dispose(weights.map((w) => w.tensor));
    const corrections = adamBiasCorrection(this.optimizer);
    tf.tidy(() => {
      for (const t of state.optimizer) corrections[t.name]?.assign(tf.scalar(t.data[0]!));
    });
    if (state.data) this.problem.restoreDataState?.(state.data);
    this.step = state.step;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.problem.dispose();
  }

  private decay(factor: number): void {
    tf.tidy(() => {
      for (const v of this.varList) v.assign(tf.mul(v, 1 - factor));
    });
  }

  private computeVarList(): tf.Variable[] {
    return Object.entries(this.problem.params)
      .filter(([name]) => !this.frozen.has(name))
      .map(([, v]) => v);
  }
}

/**
 * tfjs's Adam keeps β1^t and β2^t as running products; setWeights recomputes them as pow(β, t), which differs
 * in the last bit and makes a restored run drift from the original. Saving the products keeps it exact.
 */
const ADAM_BIAS_CORRECTION = ["accBeta1", "accBeta2"];

function adamBiasCorrection(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  if (!(optimizer instanceof tf.AdamOptimizer)) return {};
  const internals = optimizer as unknown as Record<string, tf.Variable>;
  return Object.fromEntries(ADAM_BIAS_CORRECTION.map((name) => [name, internals[name]!]));
}

/** tfjs keeps Adam's rate in a protected field that applyGradients reads each step; SGD has a setter. */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (optimizer instanceof tf.SGDOptimizer) optimizer.setLearningRate(lr);
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}
