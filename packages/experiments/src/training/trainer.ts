import * as tf from "@tensorflow/tfjs";
import type { Problem } from "../types.ts";

export interface StepResult {
  step: number;
  loss: number;
  metrics: Record<string, number>;
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

/** tfjs keeps Adam's rate in a protected field that applyGradients reads each step; SGD has a setter. */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (optimizer instanceof tf.SGDOptimizer) optimizer.setLearningRate(lr);
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}
