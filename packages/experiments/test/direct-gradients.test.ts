import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createTrainer, experiments } from "../src/index.ts";

/** Losses and final parameters over `steps`, with the problem's own backward pass or with autodiff of its loss. */
function train(id: string, config: Record<string, number | string | boolean>, steps: number, direct: boolean) {
  const experiment = experiments[id]!;
  const trainer = createTrainer(experiment, experiment.resolveConfig(config));
  assert.ok(trainer.problem.gradients, `${id} has a hand-written backward pass`);
  if (!direct) trainer.problem.gradients = undefined;
  try {
    const losses = [trainer.trainStep().loss]; // the first step makes the optimizer's state
    const tensors = tf.memory().numTensors;
    while (losses.length < steps) losses.push(trainer.trainStep().loss);
    const leaked = tf.memory().numTensors - tensors;
    const params = Object.fromEntries(Object.entries(trainer.problem.params).map(([k, v]) => [k, Array.from(v.dataSync())]));
    return { losses, params, leaked };
  } finally {
    trainer.dispose();
  }
}

const close = (a: number[], b: number[], tol: number) => a.every((x, i) => Math.abs(x - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)));

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the hand-written backward passes train as autodiff of the loss does (node2vec, tiny-nn, frozen E) and leak nothing`, async () => {
    assert.ok(await tf.setBackend(backend));
    for (const [id, config] of [
      ["node2vec", { steps: 100, eval_every: 1000 }],
      ["tiny-nn", { steps: 100, eval_every: 1000 }],
      ["tiny-nn", { steps: 100, eval_every: 1000, freeze_embedding: true, init: "non_geometric", weight_decay: 0.1 }],
      ["tiny-nn", { steps: 100, eval_every: 1000, graph: "path_star", d: 16 }],
    ] as const) {
      const label = `${id} ${JSON.stringify(config)}`;
      const auto = train(id, config, 15, false);
      const direct = train(id, config, 15, true);
      assert.ok(close(direct.losses, auto.losses, 1e-4), `${label}: losses ${direct.losses} vs ${auto.losses}`);
      for (const group of Object.keys(auto.params)) assert.ok(close(direct.params[group]!, auto.params[group]!, 1e-4), `${label}: ${group} after the steps`);
      assert.ok(auto.losses[14]! < auto.losses[0]!, `${label}: it trains`);
      assert.equal(direct.leaked, 0, `${label}: no tensors left behind`);
    }
  });
}
