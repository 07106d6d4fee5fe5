import * as tf from "@tensorflow/tfjs";
import type { Problem } from "../types.ts";
import { shareIdentityOnWasm } from "./shared-identity.ts";

/*
 * Data-parallel steps: the batch split into shards, shard 0 computed by the trainer's thread while other threads
 * (each with its own replica of the problem) compute the rest at the same parameters and data state; the
 * gradients are summed before the optimizer step, so the result is the one-thread step's up to float rounding.
 * The threads themselves are the daemon's business (apps/trainer/src/shards); this file is what both sides share.
 */

/** Below this many rows (sequences × positions computed) a step is too short to pay for splitting it across threads. */
export const SHARD_MIN_ROWS = 1024;

/** What a replica needs for one shard: every group's values, the trained groups, the data state before the step. */
export interface ShardJob {
  params: Record<string, Float32Array>;
  trained: string[];
  data: number[];
  shard: number;
  of: number;
}

export interface ShardResult {
  loss: number;
  grads: Record<string, Float32Array>;
}

/** The other threads of a data-parallel step, as the Trainer sees them. */
export interface GradientShards {
  /** False until the threads can take work (they start asynchronously): the trainer then steps alone. */
  readonly ready: boolean;
  /** How many shards the other threads compute. */
  readonly count: number;
  /** Hands each thread its shard (1 … count of count + 1) and returns at once. */
  start(job: Omit<ShardJob, "shard">): void;
  /** Waits for every started shard; throws what a thread threw. */
  finish(): ShardResult[];
  dispose(): void;
}

/** A replica's side of a job: takes the parameters and data state, and computes its shard. */
export function computeShard(problem: Problem, job: ShardJob): ShardResult {
  if (!problem.shardGradients) throw new Error("this problem has no shardGradients");
  shareIdentityOnWasm(); // as the Trainer does
  for (const [group, values] of Object.entries(job.params)) {
    const v = problem.params[group];
    if (!v || v.size !== values.length) throw new RangeError(`parameter ${group}: ${values.length} values for ${v?.size ?? "no"} group`);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
  if (job.data.length) problem.restoreDataState?.(job.data);
  const { loss, grads } = problem.shardGradients(job.trained, job.shard, job.of);
  const out: ShardResult = { loss: loss.dataSync()[0]!, grads: Object.fromEntries(job.trained.map((g) => [g, new Float32Array(grads[g]!.dataSync())])) };
  tf.dispose([loss, ...Object.values(grads)]);
  return out;
}

/**
 * Whether data-parallel steps pay here and now: the other threads compete with whatever else the machine runs
 * (a browser, other runs), and on a busy 2-core machine a split step can take twice as long as one thread's. So
 * the trainer times both: `probe` steps on one thread, then `probe` split steps, at the start and every `period`
 * steps, and splits in between only where the split steps' median time was the lower. With `probe` 0 it always
 * splits.
 */
export class ShardSchedule {
  private step = 0;
  private readonly times: Record<"single" | "split", number[]> = { single: [], split: [] };
  private split = true;

  constructor(private readonly period = 1000, private readonly probe = 12) {}

  /** Whether the next step should be split. */
  next(): boolean {
    const phase = this.step % this.period;
    return phase < this.probe ? false : phase < 2 * this.probe ? true : this.split;
  }

  /** The next step's gradient time, as next() chose it; decides at the end of each probe. */
  record(split: boolean, ms: number): void {
    const phase = this.step % this.period;
    if (phase < 2 * this.probe) this.times[split ? "split" : "single"].push(ms);
    if (phase === 2 * this.probe - 1) {
      this.split = median(this.times.split) < median(this.times.single);
      this.times.single = [];
      this.times.split = [];
    }
    this.step++;
  }
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1]! : Infinity);
