import { encodeSnapshotFrame, type NamedTensor } from "@orrery/protocol";
import type { RunStore } from "@orrery/store";

/** One injected single-step outlier of the stored run's loss (and so of its perplexity). */
export interface Spike {
  step: number;
  kind: "spike" | "dip";
  loss: number;
  ppl: number;
}

export interface StoredRunOptions {
  runId: string;
  steps: number;
  /** Steps whose loss jumps to several times its neighbours' for that one step. */
  spikeSteps: readonly number[];
  /** Steps whose loss drops to half the optimum for that one step (the downsampler's min must keep it). */
  dipSteps?: readonly number[];
  /** A bigram-circle snapshot (E, W1, W2) every this many steps, as the product stores them (default 50). */
  snapshotEvery?: number;
  /** A `sharpness` point every this many steps (a sparser series sharing the run's buckets); 0: none. */
  sharpnessEvery?: number;
  seed?: number;
}

/** A small deterministic generator (mulberry32): the same run for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const P = 29;

function snapshotTensors(step: number, steps: number): NamedTensor[] {
  const angle = (2 * Math.PI * step) / steps;
  const E = new Float32Array(P * 2);
  for (let i = 0; i < P; i++) {
    E[2 * i] = Math.cos(angle + (2 * Math.PI * i) / P);
    E[2 * i + 1] = Math.sin(angle + (2 * Math.PI * i) / P);
  }
  const W = new Float32Array([Math.cos(angle), -Math.sin(angle), Math.sin(angle), Math.cos(angle)]);
  return [
    { name: "E", shape: [P, 2], data: E },
    { name: "W1", shape: [2, 2], data: W },
    { name: "W2", shape: [2, 2], data: W },
  ];
}

/**
 * Writes a finished bigram-circle run of `steps` steps straight into `store` through the writer the daemon uses
 * (appendMetrics / appendSnapshot / appendState, one seq per event): a noisy decaying loss with single-step
 * spikes and dips, its perplexity, an optional sparser sharpness series, and snapshots. Returns the spikes as stored.
 */
export function writeStoredRun(store: RunStore, o: StoredRunOptions): { spikes: Spike[]; lastSeq: number } {
  const random = rng(o.seed ?? 1);
  const snapshotEvery = o.snapshotEvery ?? 50;
  const sharpnessEvery = o.sharpnessEvery ?? 0;
  const spikeSet = new Set(o.spikeSteps);
  const dipSet = new Set(o.dipSteps ?? []);
  const spikes: Spike[] = [];
  const config = { p: P, n_embd: 2, w_mode: "trainable", steps: o.steps, snapshot_every: snapshotEvery, sharpness_every: sharpnessEvery, seed: 1 };
  store.createRun({ runId: o.runId, experiment: "bigram-circle", config, totalSteps: o.steps, backend: "bench", createdAt: Date.now() });
  let seq = 0;
  const state = (step: number, s: "created" | "running" | "finished") => store.appendState(o.runId, { seq: ++seq, step, state: s, reason: null });
  const snapshot = (step: number) => store.appendSnapshot(o.runId, { seq: ++seq, step, bytes: encodeSnapshotFrame({ runId: o.runId, seq, step, tensors: snapshotTensors(step, o.steps) }) });
  state(0, "created");
  snapshot(0);
  state(0, "running");
  const start = Math.log(P);
  const tau = o.steps / 10;
  let batch: Parameters<RunStore["appendMetrics"]>[1] = [];
  for (let step = 1; step <= o.steps; step++) {
    let loss = (Math.LN2 + (start - Math.LN2) * Math.exp(-step / tau)) * (1 + 0.05 * (random() - 0.5));
    if (spikeSet.has(step)) loss *= 4 + 2 * random();
    if (dipSet.has(step)) loss = Math.LN2 / 2;
    const ppl = Math.exp(loss);
    if (spikeSet.has(step) || dipSet.has(step)) spikes.push({ step, kind: spikeSet.has(step) ? "spike" : "dip", loss, ppl });
    batch.push({ seq: ++seq, step, values: { loss, ppl } });
    if (sharpnessEvery > 0 && step % sharpnessEvery === 0) batch.push({ seq: ++seq, step, values: { sharpness: 2 / 0.01 + 10 * random() } });
    if (step % snapshotEvery === 0 || step === o.steps) {
      store.appendMetrics(o.runId, batch);
      batch = [];
      snapshot(step);
    }
  }
  store.appendMetrics(o.runId, batch);
  state(o.steps, "finished");
  store.updateRun(o.runId, { state: "finished", step: o.steps, lastSeq: seq });
  store.flush();
  return { spikes, lastSeq: seq };
}
