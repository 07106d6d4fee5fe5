import { availableParallelism } from "node:os";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { GradientShards, ShardJob, ShardResult, Trainer } from "@orrery/experiments";

/*
 * The threads of a data-parallel step (see @orrery/experiments training/shards.ts): worker threads, each with its
 * own tfjs engine and a replica of the run's problem. The trainer's step is synchronous, so the hand-off is too:
 * the job goes over a MessagePort, a shared flag wakes the worker (Atomics), and the trainer blocks on that flag
 * until the worker has posted its gradients, which it then takes off the port synchronously.
 */

export const IDLE = 0;
export const GO = 1;
export const DONE = 2;
export const EXIT = 3;

/** A worker that has not answered within this long is taken for dead (its step throws). */
const JOB_TIMEOUT_MS = 60_000;

/** What a worker is started with (shard-worker.ts). */
export interface ShardWorkerData {
  experiment: string;
  config: unknown;
  backend: string;
  flag: Int32Array;
  port: MessagePort;
}

class ShardThread {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  ready = false;
  failure: string | null = null;

  constructor(experiment: string, config: unknown, backend: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.unref(); // replies are taken synchronously (finish); the port must not keep the process alive
    const workerData: ShardWorkerData = { experiment, config, backend, flag: this.flag, port: port2 };
    this.worker = new Worker(new URL("./shard-worker.mjs", import.meta.url), { workerData, transferList: [port2] });
    this.worker.on("message", (m) => {
      if (m === "ready") this.ready = true;
      else if (m && typeof m === "object" && "failed" in m) this.failure = String(m.failed);
    });
    this.worker.on("error", (e) => (this.failure = e.message));
    this.worker.on("exit", () => (this.ready = false));
    this.worker.unref(); // after the listeners: adding one refs the worker's port again
  }

  start(job: ShardJob): void {
    this.port.postMessage(job);
    Atomics.store(this.flag, 0, GO);
    Atomics.notify(this.flag, 0);
  }

  finish(): ShardResult {
    const until = Date.now() + JOB_TIMEOUT_MS;
    while (Atomics.load(this.flag, 0) === GO) {
      if (Atomics.wait(this.flag, 0, GO, Math.max(0, until - Date.now())) === "timed-out") {
        this.ready = false;
        throw new Error(`a shard thread did not answer within ${JOB_TIMEOUT_MS / 1000} s`);
      }
    }
    Atomics.store(this.flag, 0, IDLE);
    const reply = receiveMessageOnPort(this.port)?.message as ShardResult | { error: string } | undefined;
    if (!reply) throw new Error("a shard thread finished without a result");
    if ("error" in reply) throw new Error(`shard thread: ${reply.error}`);
    return reply;
  }

  dispose(): void {
    this.ready = false;
    Atomics.store(this.flag, 0, EXIT);
    Atomics.notify(this.flag, 0);
    void this.worker.terminate();
    this.port.close();
  }
}

/** Threads for the other shards of each step: `count` workers on the same experiment, config and backend. */
export class ShardPool implements GradientShards {
  private readonly threads: ShardThread[];
  private started: ShardThread[] = [];

  constructor(experiment: string, config: unknown, backend: string, readonly count: number) {
    this.threads = Array.from({ length: count }, () => new ShardThread(experiment, config, backend));
  }

  get ready(): boolean {
    return this.threads.every((t) => t.ready);
  }

  /** Why a thread could not start, if one could not. */
  get failure(): string | null {
    return this.threads.find((t) => t.failure)?.failure ?? null;
  }

  /** Resolves true once every thread is ready, false if one failed or `timeoutMs` passed first. */
  async whenReady(timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.ready && !this.failure && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.ready;
  }

  start(job: Omit<ShardJob, "shard">): void {
    this.started = this.threads;
    this.threads.forEach((t, i) => t.start({ ...job, shard: i + 1 }));
  }

  finish(): ShardResult[] {
    const started = this.started;
    this.started = [];
    return started.map((t) => t.finish());
  }

  dispose(): void {
    for (const t of this.threads) t.dispose();
  }
}

/**
 * Data-parallel threads for a run where they pay: the problem can be sharded (`shardable`), the host has a
 * second core, and the backend computes on this process's CPU (wasm, cpu). ORRERY_SHARDS sets the thread count
 * (1: none). Null where they would not run.
 */
export function shardPoolFor(experiment: string, config: unknown, backend: string, shardable: boolean): ShardPool | null {
  const threads = Number(process.env.ORRERY_SHARDS ?? Math.min(2, availableParallelism()));
  if (!shardable || !(threads > 1) || (backend !== "wasm" && backend !== "cpu")) return null;
  return new ShardPool(experiment, config, backend, Math.floor(threads) - 1);
}

/** shardPoolFor's threads attached to `trainer`, waiting until they are ready (batch runs and benchmarks); how many shards a step has. */
export async function attachShards(trainer: Trainer, experiment: string, config: unknown, backend: string): Promise<number> {
  const pool = shardPoolFor(experiment, config, backend, trainer.problem.shardGradients !== undefined);
  if (!pool || !(await pool.whenReady())) {
    pool?.dispose();
    return 1;
  }
  trainer.useShards(pool);
  return pool.count + 1;
}
