import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createTrainer, experiments } from "../src/index.ts";
import { fusedAdamAvailable } from "../src/training/fused-adam.ts";

/** The trainer's losses and final parameters over `steps`, with the fused kernel or with tfjs's own Adam. */
function train(id: string, config: Record<string, number | string | boolean>, steps: number, fused: boolean) {
  const experiment = experiments[id]!;
  const trainer = createTrainer(experiment, experiment.resolveConfig(config));
  const kernel = tf.getKernel("OrreryFusedAdam", tf.getBackend())!;
  if (!fused) tf.unregisterKernel("OrreryFusedAdam", tf.getBackend());
  try {
    const losses = Array.from({ length: steps }, () => trainer.trainStep().loss);
    const params = Object.fromEntries(Object.entries(trainer.problem.params).map(([k, v]) => [k, Array.from(v.dataSync())]));
    return { losses, params, tensors: tf.memory().numTensors };
  } finally {
    if (!fused) tf.registerKernel(kernel);
    trainer.dispose();
  }
}

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the fused Adam kernel steps bit-identically to tfjs's Adam (weight decay, betas, several groups) and leaks nothing`, async () => {
    assert.ok(await tf.setBackend(backend), `${backend} backend`);
    assert.ok(fusedAdamAvailable());
    for (const [id, config] of [
      ["bigram-circle", { steps: 100 }],
      ["induction-heads", { steps: 100, batch_size: 4, T: 32, d_model: 16, eval_every: 1000 }],
    ] as const) {
      const plain = train(id, config, 12, false);
      const before = tf.memory().numTensors;
      const fused = train(id, config, 12, true);
      assert.deepEqual(fused.losses, plain.losses, `${id}: losses`);
      assert.deepEqual(fused.params, plain.params, `${id}: parameters after the steps`);
      assert.equal(tf.memory().numTensors, before, `${id}: no tensors left behind`);
    }
  });
}
