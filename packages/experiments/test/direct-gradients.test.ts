import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createTrainer, experiments } from "../src/index.ts";
import type { Problem } from "../src/types.ts";

/**
 * The problem's own gradients against autodiff's, at its current parameters and on the same batch: per group, the
 * largest difference over the largest gradient entry of any group (a near-zero gradient, such as tiny-nn's bias at
 * init, is all float32 cancellation, so its own scale would not do).
 */
function gradientGap(problem: Problem, groups: string[]): Record<string, number> {
  const data = problem.dataState?.();
  const direct = problem.gradients!(groups)!;
  if (data) problem.restoreDataState!(data);
  const auto = tf.variableGrads(() => problem.loss(), groups.map((g) => problem.params[g]!));
  if (data) problem.restoreDataState!(data); // training then starts from the same batch as autodiff's run
  const values = groups.map((g) => [direct.grads[g]!.dataSync(), auto.grads[problem.params[g]!.name]!.dataSync()] as const);
  const scale = Math.max(1e-30, ...values.flatMap(([, b]) => Array.from(b, Math.abs)));
  const gap = Object.fromEntries(groups.map((g, k) => [g, Math.max(...Array.from(values[k]![0], (v, i) => Math.abs(v - values[k]![1][i]!))) / scale]));
  tf.dispose([direct.loss, auto.value, ...Object.values(direct.grads), ...Object.values(auto.grads)]);
  return gap;
}

/**
 * Losses and final parameters over `steps`, with the problem's own backward pass or with autodiff of its loss;
 * `freeze`: groups frozen before the first step, besides the problem's own.
 */
function train(id: string, config: Record<string, number | string | boolean>, steps: number, direct: boolean, freeze: readonly string[] = []) {
  const experiment = experiments[id]!;
  const trainer = createTrainer(experiment, experiment.resolveConfig(config));
  assert.ok(trainer.problem.gradients, `${id} has a hand-written backward pass`);
  for (const g of freeze) trainer.setFrozen(g, true);
  const trained = Object.keys(trainer.problem.params).filter((g) => !trainer.problem.frozen.includes(g) && !freeze.includes(g));
  const gap = direct ? gradientGap(trainer.problem, trained) : {};
  if (!direct) trainer.problem.gradients = undefined;
  try {
    const initial = Object.fromEntries(Object.entries(trainer.problem.params).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const losses = [trainer.trainStep().loss]; // the first step makes the optimizer's state
    const tensors = tf.memory().numTensors;
    while (losses.length < steps) losses.push(trainer.trainStep().loss);
    const leaked = tf.memory().numTensors - tensors;
    const params = Object.fromEntries(Object.entries(trainer.problem.params).map(([k, v]) => [k, Array.from(v.dataSync())]));
    return { losses, initial, params, leaked, gap };
  } finally {
    trainer.dispose();
  }
}

const close = (a: number[], b: number[], tol: number) => a.every((x, i) => Math.abs(x - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)));

/** Trains `config` both ways and checks that they agree step for step, that it trains, and that nothing leaks. */
function assertSameTraining(id: string, config: Record<string, number | string | boolean>, freeze: readonly string[] = []) {
  const label = `${id} ${JSON.stringify(config)}${freeze.length ? ` frozen ${freeze}` : ""}`;
  const auto = train(id, config, 15, false, freeze);
  const direct = train(id, config, 15, true, freeze);
  assert.ok(close(direct.losses, auto.losses, 1e-4), `${label}: losses ${direct.losses} vs ${auto.losses}`);
  for (const group of Object.keys(auto.params)) assert.ok(close(direct.params[group]!, auto.params[group]!, 1e-4), `${label}: ${group} after the steps`);
  for (const [group, g] of Object.entries(direct.gap)) assert.ok(g < 1e-4, `${label}: ${group}'s gradient is off by ${g} of the largest gradient entry`);
  for (const group of freeze) assert.ok(close(direct.params[group]!, direct.initial[group]!, 0), `${label}: frozen ${group} stays`);
  const moved = Object.keys(auto.params).filter((g) => !close(direct.params[g]!, direct.initial[g]!, 1e-6));
  assert.ok(moved.length > 0, `${label}: it trains`);
  assert.equal(direct.leaked, 0, `${label}: no tensors left behind`);
}

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the hand-written backward passes train as autodiff of the loss does (node2vec, tiny-nn, the bigram family; frozen groups, sampled batches) and leak nothing`, async () => {
    assert.ok(await tf.setBackend(backend));
    for (const [id, config] of [
      ["node2vec", { steps: 100, eval_every: 1000 }],
      ["tiny-nn", { steps: 100, eval_every: 1000 }],
      ["tiny-nn", { steps: 100, eval_every: 1000, freeze_embedding: true, init: "non_geometric", weight_decay: 0.1 }],
      ["tiny-nn", { steps: 100, eval_every: 1000, graph: "path_star", d: 16 }],
      ["tiny-nn", { steps: 100, eval_every: 1000, d: 6 }], // not a multiple of 4: the tfjs-ops backward on wasm too
      ["bigram-linear", { steps: 100, eval_every: 1000 }],
      ["bigram-linear", { steps: 100, eval_every: 1000, tied: false, loss: "batch", batch_size: 64 }],
      ["bigram-linear", { steps: 100, eval_every: 1000, a_mode: "identity" }],
      ["bigram-linear", { steps: 100, eval_every: 1000, a_mode: "none", data: "zipf", n_embd: 1, loss: "batch" }],
      ["low-rank-bigram", { steps: 100 }],
      ["low-rank-bigram", { steps: 100, data: "batch", V: 30, R: 5, N: 3 }],
    ] as const) {
      assertSameTraining(id, config);
    }
  });

  // The whole step as one kernel runs on wasm with SIMD only; elsewhere gradients() is null and autodiff trains.
  test(`${backend}: induction-heads' one-kernel step trains as autodiff of the loss does (1–3 layers, other batch and widths, frozen groups) and leaks nothing`, async () => {
    assert.ok(await tf.setBackend(backend));
    const configs = [
      [{ eval_every: 1000 }, []], // the defaults: 2 layers, batch 32
      [{ eval_every: 1000, layers: 1 }, []],
      // batch 7; T 28, d 20 and V 20: multiples of 4 but not of 8 (the GEMMs' leftover columns)
      [{ eval_every: 1000, eval_size: 16, layers: 3, batch_size: 7, T: 28, d_model: 20, V: 20, distribution: "uniform" }, []],
      [{ eval_every: 1000 }, ["E", "ln1", "W_qkvo2", "b_U"]],
    ] as const;
    for (const [config, freeze] of configs) {
      if (backend === "wasm") assertSameTraining("induction-heads", config, freeze);
      else assert.equal(fusedGradients(config), null, "no fused step on cpu");
    }
    // Off the kernel's ground on wasm too: V not a multiple of 4, dropout (its masks follow the tfjs path's rows).
    for (const config of [{ V: 30 }, { dropout: 0.1 }] as Record<string, number>[]) assert.equal(fusedGradients({ eval_every: 1000, ...config }), null, JSON.stringify(config));
  });
}

/** induction-heads' gradients() on a fresh problem: null where it leaves the step to autodiff. */
function fusedGradients(config: Record<string, number | string | boolean>) {
  const experiment = experiments["induction-heads"]!;
  const problem = experiment.create(experiment.resolveConfig(config));
  try {
    const out = problem.gradients!(Object.keys(problem.params));
    if (out) tf.dispose([out.loss, ...Object.values(out.grads)]);
    return out && "computed";
  } finally {
    problem.dispose?.();
  }
}
