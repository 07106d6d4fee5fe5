import * as tf from "@tensorflow/tfjs";
import type { Problem } from "../types.ts";

export interface StepResult {
  step: number;
  loss: number;
  metrics: Record<string, number>;
}

/**
 * Model-agnostic training loop body: Adam over the problem's unfrozen parameter groups.
 * Freezing is just the variable list handed to the optimizer, so a frozen group's optimizer state is kept.
 */
export class Trainer {
  private readonly optimizer: tf.AdamOptimizer;
  private readonly frozen: Set<string>;
  private varList: tf.Variable[];
  step = 0;

  constructor(readonly problem: Problem, opts: { lr: number }) {
    this.optimizer = tf.train.adam(opts.lr);
    this.frozen = new Set(problem.frozen);
    this.varList = this.computeVarList();
  }

  /** One optimizer step; the loss is read back so the caller can react to NaN at once. */
  trainStep(): StepResult {
    const cost = this.optimizer.minimize(() => this.problem.loss(), true, this.varList);
    const loss = cost!.dataSync()[0]!;
    cost!.dispose();
    this.step += 1;
    return { step: this.step, loss, metrics: this.problem.metrics(loss) };
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

  private computeVarList(): tf.Variable[] {
    return Object.entries(this.problem.params)
      .filter(([name]) => !this.frozen.has(name))
      .map(([, v]) => v);
  }
}
