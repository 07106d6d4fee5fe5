import * as tf from "@tensorflow/tfjs";
import { fusedAdamAvailable, fusedAdamStep } from "./fused-adam.ts";
import type { NamedTensor } from "@orrery/protocol";
import type { Problem } from "../types.ts";
import { sharpnessSteps, topHessianEigenvalue, type Sharpness, type SharpnessOptions } from "./sharpness.ts";
import { shareIdentityOnWasm } from "./shared-identity.ts";
import { ShardSchedule, type GradientShards } from "./shards.ts";
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
  /** Each group's optimizer state, named `group/…` (Adam: iterations, moments, bias-correction products). */
  optimizer: NamedTensor[];
  /** The problem's data-stream state, if it has one. */
  data: number[] | null;
  /** What interventions changed besides the parameters: frozen groups and optimizer settings (absent: the config's). */
  settings?: TrainerSettings;
}

/** The trainer settings an intervention can change mid-run. */
export interface TrainerSettings {
  frozen: string[];
  lr: number;
  weightDecay: number;
  /** Adam's (β1, β2); absent for plain gradient descent. */
  betas?: [number, number];
  schedule?: TrainerOptions["schedule"];
}

export interface TrainerOptions {
  lr: number;
  /** Default "adam". Plain "sgd" is full-batch gradient descent when the problem's loss is exact. */
  optimizer?: "adam" | "sgd";
  /** Adam's (β1, β2) and ε; default tfjs's (0.9, 0.999) and 1e-8. */
  betas?: [number, number];
  epsilon?: number;
  /** Decoupled weight decay (AdamW-style: w ← w − lr_t·wd·w after each step) on every trained group. */
  weightDecay?: number;
  /**
   * "cosine": lr decays from lr to lr·minLrFactor over totalSteps (the seeds' graph notebooks). "warmup-decay":
   * linear warmup from 0 over warmupSteps, constant lr, then linear to lr·minLrFactor over the last decaySteps
   * of totalSteps (the unigram post's decay).
   */
  schedule?: "constant" | "cosine" | "warmup-decay";
  totalSteps?: number;
  minLrFactor?: number;
  warmupSteps?: number;
  decaySteps?: number;
  /** Adds the `sharpness` metric (top Hessian eigenvalue) after every this many steps; 0 or absent: never. */
  sharpnessEvery?: number;
}

/**
 * Model-agnostic training loop body. Each parameter group has its own optimizer, and a step applies
 * gradients to the unfrozen groups only: freezing is just leaving a group out, and its optimizer state
 * (Adam's moments) waits untouched until it is unfrozen. (One tfjs optimizer over a changing variable
 * list would not do: tfjs keys Adam's moments by position in that list.)
 */
export class Trainer {
  private readonly optimizers: Record<string, tf.Optimizer>;
  private readonly frozen: Set<string>;
  /** Adam's bias-correction products by group while the fused step runs; see fusedStep and syncAdamProducts. */
  private readonly adamProducts = new Map<string, AdamProducts>();
  /** Other threads taking shards of each batch, where the problem can be sharded (useShards), and when they pay. */
  private shards: GradientShards | null = null;
  private shardSchedule = new ShardSchedule();
  step = 0;

  constructor(readonly problem: Problem, private opts: TrainerOptions) {
    shareIdentityOnWasm();
    this.optimizers = Object.fromEntries(Object.keys(problem.params).map((group) => [group, makeOptimizer(opts)]));
    this.frozen = new Set(problem.frozen);
  }

  /**
   * One optimizer step; the loss is read back so the caller can react to NaN at once. A scheduled sharpness
   * measurement is part of the step's metrics, unless `deferSharpness` (the caller then measures it itself when
   * `sharpnessDue`, e.g. in pieces between other work).
   */
  trainStep({ deferSharpness = false }: { deferSharpness?: boolean } = {}): StepResult {
    const lr = this.learningRateAt(this.step);
    const trained = this.trainedGroups();
    if (this.opts.schedule && this.opts.schedule !== "constant") for (const g of trained) setLearningRate(this.optimizers[g]!, lr);
    const variables = trained.map((g) => this.problem.params[g]!);
    // Everything frozen: the step only evaluates the loss (and the data stream moves on as usual).
    const { value, grads } = variables.length ? this.gradients(trained) : { value: tf.tidy(() => this.problem.loss()), grads: {} };
    // Decoupled weight decay after the step: fused into Adam's kernel where it runs, else one multiply per group.
    const keep = this.opts.weightDecay ? 1 - lr * this.opts.weightDecay : 1;
    const unfused = variables.filter((v, i) => {
      const group = trained[i]!;
      const products = fusedStep(this.optimizers[group]!, v, grads[v.name]!, keep, this.adamProducts.get(group));
      if (products) this.adamProducts.set(group, products);
      else {
        if (this.adamProducts.has(group)) this.syncAdamProducts(); // the plain step reads the variables
        this.optimizers[group]!.applyGradients({ [v.name]: grads[v.name]! });
      }
      return !products;
    });
    tf.dispose(grads);
    const loss = value.dataSync()[0]!;
    value.dispose();
    if (keep !== 1) this.decay(unfused, keep);
    this.step += 1;
    const evaluated = this.problem.evaluate?.(this.step) ?? {};
    const sharpness: Record<string, number> = this.sharpnessDue && !deferSharpness ? { sharpness: this.measureSharpness() } : {};
    return { step: this.step, loss, metrics: { ...this.problem.metrics(loss), ...evaluated, ...sharpness } };
  }

  /** Steps from now on split each batch with these threads once they are ready (if the problem can be sharded); disposed with the trainer. */
  useShards(shards: GradientShards, schedule = new ShardSchedule()): void {
    this.shards?.dispose();
    this.shards = shards;
    this.shardSchedule = schedule;
  }

  /**
   * The loss and its gradients by variable name: data-parallel over the shard threads where they are ready and
   * pay (ShardSchedule), else the problem's own backward pass where it has one, else autodiff.
   */
  private gradients(trained: string[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    if (!this.shards?.ready || !this.problem.shardGradients) return this.localGradients(trained);
    const split = this.shardSchedule.next();
    const start = performance.now();
    const out = split ? this.shardedGradients(trained, this.shards) : this.localGradients(trained);
    this.shardSchedule.record(split, performance.now() - start);
    return out;
  }

  private localGradients(trained: string[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    const direct = this.problem.gradients?.(trained);
    if (!direct) return tf.variableGrads(() => this.problem.loss(), trained.map((g) => this.problem.params[g]!));
    return { value: direct.loss, grads: Object.fromEntries(trained.map((g) => [this.problem.params[g]!.name, direct.grads[g]!])) };
  }

  /** Shard 0 on this thread while the others compute theirs at the same parameters and data state; summed. */
  private shardedGradients(trained: string[], shards: GradientShards): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    const of = shards.count + 1;
    const params = Object.fromEntries(Object.entries(this.problem.params).map(([g, v]) => [g, v.dataSync() as Float32Array]));
    shards.start({ params, trained, data: this.problem.dataState?.() ?? [], of });
    let own: ReturnType<NonNullable<Problem["shardGradients"]>>;
    try {
      own = this.problem.shardGradients!(trained, 0, of);
    } catch (e) {
      try { shards.finish(); } catch { /* the thread's error says less than ours */ }
      throw e;
    }
    try {
      const others = shards.finish();
      return tf.tidy(() => ({
        value: tf.add(own.loss, others.reduce((sum, o) => sum + o.loss, 0)) as tf.Scalar,
        grads: Object.fromEntries(trained.map((g) => {
          const v = this.problem.params[g]!;
          return [v.name, tf.addN([own.grads[g]!, ...others.map((o) => tf.tensor(o.grads[g]!, v.shape))])];
        })),
      }));
    } finally {
      tf.dispose([own.loss, ...Object.values(own.grads)]);
    }
  }

  /** Whether the schedule (`sharpnessEvery`) asks for a sharpness measurement at the current step. */
  get sharpnessDue(): boolean {
    const every = this.opts.sharpnessEvery ?? 0;
    return every > 0 && this.step > 0 && this.step % every === 0;
  }

  /** Top Hessian eigenvalue of the loss in the trained groups, at the current θ; changes nothing. */
  measureSharpness(opts?: SharpnessOptions): number {
    return topHessianEigenvalue(this.problem, this.trainedGroups(), opts).value;
  }

  /** The same measurement in pieces (see sharpnessSteps): for callers that must keep their event loop free. */
  sharpnessSteps(opts?: SharpnessOptions): Generator<void, Sharpness, void> {
    return sharpnessSteps(this.problem, this.trainedGroups(), opts);
  }

  learningRateAt(step: number): number {
    const { lr, schedule, totalSteps, minLrFactor = 0.1 } = this.opts;
    if (schedule === "warmup-decay") return lr * warmupDecayFactor(step, this.opts);
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
  }

  get settings(): TrainerSettings {
    const adam = this.opts.optimizer !== "sgd";
    return {
      frozen: [...this.frozen],
      lr: this.opts.lr,
      weightDecay: this.opts.weightDecay ?? 0,
      ...(adam && { betas: this.opts.betas ?? [0.9, 0.999] }),
      schedule: this.opts.schedule ?? "constant",
    };
  }

  /**
   * Optimizer settings from the next step on: base learning rate (a schedule scales it), decoupled weight decay,
   * Adam's betas (its bias-correction products go on multiplying by the new ones), the schedule.
   */
  setHyper({ lr, weightDecay, betas, schedule }: Partial<Pick<TrainerSettings, "lr" | "weightDecay" | "betas" | "schedule">>): void {
    if (betas && this.opts.optimizer === "sgd") throw new Error("plain gradient descent has no betas");
    this.opts = {
      ...this.opts,
      ...(lr !== undefined && { lr }),
      ...(weightDecay !== undefined && { weightDecay }),
      ...(betas && { betas }),
      ...(schedule && { schedule }),
    };
    for (const opt of Object.values(this.optimizers)) {
      setLearningRate(opt, this.learningRateAt(this.step));
      if (betas) Object.assign(opt as unknown as { beta1: number; beta2: number }, { beta1: betas[0], beta2: betas[1] });
    }
  }

  /**
   * Puts a saved group's parameter and optimizer state (`optimizer`: its `group/…` entries of a TrainerState)
   * back between two steps, synchronously, leaving the step count as it is: an inject. Adam's moments and
   * bias-correction products are written into the optimizer's own variables (created here if the group has not
   * stepped yet), so the next step continues exactly as the saved run did.
   */
  restoreGroup(group: string, params: NamedTensor, optimizer: readonly NamedTensor[]): void {
    this.syncAdamProducts();
    const v = this.problem.params[group];
    if (!v) throw new Error(`unknown parameter group "${group}"`);
    const opt = this.optimizers[group] as unknown as AdamInternals;
    const slot = (i: number) => optimizer.find((t) => t.name.startsWith(`${group}/${i}:`));
    tf.tidy(() => {
      v.assign(tf.tensor(params.data, params.shape));
      const iterations = slot(0);
      if (iterations) opt.iterations_ = iterations.data[0]!;
      const moments = [slot(1), slot(2)] as const;
      if (moments[0] && moments[1] && opt.accumulatedFirstMoment && opt.accumulatedSecondMoment) {
        [opt.accumulatedFirstMoment, opt.accumulatedSecondMoment].forEach((list, k) => {
          const saved = moments[k]!;
          const value = tf.tensor(saved.data, saved.shape);
          if (list[0]) list[0].variable.assign(value);
          else list[0] = { originalName: saved.name.slice(saved.name.indexOf(":") + 1), variable: tf.keep(tf.variable(value, false)) };
        });
      }
      for (const [name, variable] of Object.entries(adamBiasCorrection(this.optimizers[group]!))) {
        const saved = optimizer.find((t) => t.name === `${group}/${name}`);
        if (saved) variable.assign(tf.scalar(saved.data[0]!));
      }
    });
  }

  /** Captures the state between two steps. Call it between steps only: tfjs hands out the live buffers. */
  async saveState(): Promise<TrainerState> {
    this.syncAdamProducts();
    const optimizer: Record<string, tf.Tensor> = {};
    for (const [group, opt] of Object.entries(this.optimizers)) {
      (await opt.getWeights()).forEach((w, i) => (optimizer[`${group}/${i}:${w.name}`] = w.tensor));
      for (const [name, v] of Object.entries(adamBiasCorrection(opt))) optimizer[`${group}/${name}`] = v;
    }
    const state = {
      step: this.step,
      params: readTensors(this.problem.params),
      optimizer: readTensors(optimizer),
      data: this.problem.dataState?.() ?? null,
      settings: this.settings,
    };
    // getWeights hands out the live moment variables plus a fresh iteration-count scalar: free the latter.
    tf.dispose(Object.values(optimizer).filter((t) => !(t instanceof tf.Variable)));
    return state;
  }

  /** Restores a saved state into this (freshly built, same config) trainer; refuses mismatched shapes by name. */
  async loadState(state: TrainerState): Promise<void> {
    this.syncAdamProducts();
    for (const t of state.params) {
      const v = this.problem.params[t.name];
      if (!v) throw new Error(`checkpoint has parameter group "${t.name}", which this model does not`);
      if (v.shape.join("×") !== t.shape.join("×")) {
        throw new Error(`parameter group "${t.name}" is [${v.shape}] here but [${t.shape}] in the checkpoint`);
      }
    }
    for (const t of state.params) tf.tidy(() => this.problem.params[t.name]!.assign(tf.tensor(t.data, t.shape)));
    for (const [group, opt] of Object.entries(this.optimizers)) {
      const mine = state.optimizer.filter((t) => t.name.startsWith(`${group}/`)).map((t) => ({ ...t, name: t.name.slice(group.length + 1) }));
      const weights = mine
        .filter((t) => /^\d+:/.test(t.name))
        .map((t) => ({ name: t.name.slice(t.name.indexOf(":") + 1), tensor: tf.tensor(t.data, t.shape) }));
      if (weights.length) await opt.setWeights(weights);
      tf.dispose(weights.map((w) => w.tensor));
      const corrections = adamBiasCorrection(opt);
      tf.tidy(() => {
        for (const t of mine) corrections[t.name]?.assign(tf.scalar(t.data[0]!));
      });
    }
    if (state.data) this.problem.restoreDataState?.(state.data);
    this.step = state.step;
    if (state.settings) {
      this.frozen.clear();
      for (const g of state.settings.frozen) this.setFrozen(g, true);
      const { lr, weightDecay, betas, schedule } = state.settings;
      this.setHyper({ lr, weightDecay, ...(betas && { betas }), ...(schedule && { schedule }) });
    }
  }

  dispose(): void {
    this.shards?.dispose();
    for (const opt of Object.values(this.optimizers)) opt.dispose();
    this.problem.dispose();
  }

  /** Writes the fused step's bias-correction products into the optimizers' variables, before those are read or replaced. */
  private syncAdamProducts(): void {
    tf.tidy(() => {
      for (const [group, [acc1, acc2]] of this.adamProducts) {
        const { accBeta1, accBeta2 } = adamBiasCorrection(this.optimizers[group]!);
        accBeta1!.assign(tf.scalar(acc1));
        accBeta2!.assign(tf.scalar(acc2));
      }
    });
    this.adamProducts.clear();
  }

  private trainedGroups(): string[] {
    return this.groups.filter((g) => !this.frozen.has(g));
  }

  private decay(variables: tf.Variable[], keep: number): void {
    tf.tidy(() => {
      for (const v of variables) v.assign(tf.mul(v, keep));
    });
  }
}

/** The "warmup-decay" schedule's multiplier of lr at `step` (0-based: the step about to be taken). */
function warmupDecayFactor(step: number, { warmupSteps = 0, decaySteps = 0, totalSteps = Infinity, minLrFactor = 0.1 }: TrainerOptions): number {
  if (step < warmupSteps) return (step + 1) / warmupSteps;
  const decayStart = totalSteps - decaySteps;
  if (decaySteps <= 0 || step < decayStart) return 1;
  return 1 - (1 - minLrFactor) * Math.min((step - decayStart + 1) / decaySteps, 1);
}

function makeOptimizer(opts: TrainerOptions): tf.Optimizer {
  if (opts.optimizer === "sgd") return tf.train.sgd(opts.lr);
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  return tf.train.adam(opts.lr, beta1, beta2, opts.epsilon);
}

/**
 * tfjs's Adam keeps β1^t and β2^t as running products; setWeights recomputes them as pow(β, t), which differs
 * in the last bit and makes a restored run drift from the original. Saving the products keeps it exact.
 */
/** The parts of tfjs's AdamOptimizer an inject and the fused step use (tfjs 4.22; checked by their tests). */
interface AdamInternals {
  iterations_: number;
  accumulatedFirstMoment?: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment?: { originalName: string; variable: tf.Variable }[];
}

/** β1^t and β2^t, the running float32 products tfjs's Adam keeps in its accBeta variables. */
type AdamProducts = [number, number];

/**
 * Adam's step of one group in one fused kernel (see fused-adam.ts), on tfjs's AdamOptimizer's own moments, so that
 * checkpoints, injects and the plain path all see the same variables; then the weight decay (`keep` ≠ 1).
 * The bias-correction products go in and out as numbers (`products`; read from the optimizer's variables when
 * absent): the Trainer writes them back only when those variables are read or replaced (syncAdamProducts), which
 * spares two reads, two uploads and two assigns per group and step. Returns null (nothing done) where the kernel
 * does not run: SGD, or another backend.
 */
function fusedStep(optimizer: tf.Optimizer, variable: tf.Variable, grad: tf.Tensor, keep: number, products?: AdamProducts): AdamProducts | null {
  const corrections = adamBiasCorrection(optimizer);
  if (!corrections.accBeta1 || !corrections.accBeta2 || !fusedAdamAvailable() || variable.dtype !== "float32") return null;
  const adam = optimizer as unknown as AdamInternals & { beta1: number; beta2: number; epsilon: number; learningRate: number };
  const moment = (list: { originalName: string; variable: tf.Variable }[], suffix: string) =>
    (list[0] ??= { originalName: `${variable.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) }).variable;
  const m = moment((adam.accumulatedFirstMoment ??= []), "m");
  const v = moment((adam.accumulatedSecondMoment ??= []), "v");
  const [acc1, acc2] = products ?? [corrections.accBeta1.dataSync()[0]!, corrections.accBeta2.dataSync()[0]!];
  tf.tidy(() => {
    const [value, m1, v1] = fusedAdamStep(variable, grad, m, v, {
      beta1: adam.beta1,
      beta2: adam.beta2,
      epsilon: adam.epsilon,
      learningRate: adam.learningRate,
      oneMinusAccBeta1: Math.fround(1 - acc1),
      oneMinusAccBeta2: Math.fround(1 - acc2),
      keep,
    });
    m.assign(m1);
    v.assign(v1);
    variable.assign(value);
  });
  adam.iterations_ += 1;
  return [Math.fround(acc1 * Math.fround(adam.beta1)), Math.fround(acc2 * Math.fround(adam.beta2))];
}

function adamBiasCorrection(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  const { accBeta1, accBeta2 } = optimizer as unknown as Partial<Record<string, tf.Variable>>;
  return accBeta1 && accBeta2 ? { accBeta1, accBeta2 } : {}; // only Adam has them (instanceof can't tell)
}

/**
 * SGD has a setter; Adam keeps its rate in a protected field that applyGradients reads each step.
 * (Not `instanceof`: tfjs makes optimizer instanceof checks duck-typed, so an Adam "is" an SGDOptimizer.)
 */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === "function") o.setLearningRate(lr);
  else o.learningRate = lr;
}
