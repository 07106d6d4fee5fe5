import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { bigramCircle, createTrainer, lowRankBigram } from "../src/index.ts";

test("save → load into a fresh trainer → continue equals an uninterrupted run, sampled batches included", async () => {
  for (const [experiment, config] of [
    [bigramCircle, bigramCircle.resolveConfig({ data: "batch", batch_size: 16, seed: 3 })],
    [lowRankBigram, lowRankBigram.resolveConfig({ data: "batch", batch_size: 16, seed: 3 })],
  ] as const) {
    const original = createTrainer(experiment as never, config as never);
    const losses: number[] = [];
    let saved = null;
    for (let i = 0; i < 20; i++) {
      losses.push(original.trainStep().loss);
      if (i === 9) saved = await original.saveState();
    }
    original.dispose();

    const resumed = createTrainer(experiment as never, config as never);
    const tensors = tf.memory().numTensors;
    await resumed.loadState(saved!);
    assert.equal(resumed.step, 10);
    const continued = Array.from({ length: 10 }, () => resumed.trainStep().loss);
    assert.deepEqual(continued, losses.slice(10), `${experiment.info.id}: identical losses after the restore`);
    resumed.dispose();
    assert.ok(tf.memory().numTensors <= tensors, "restoring leaves no tensors behind");
  }
});

test("a state of another shape is refused by name and changes nothing", async () => {
  const small = createTrainer(bigramCircle, bigramCircle.resolveConfig({ p: 5 }));
  const state = await small.saveState();
  small.dispose();
  const big = createTrainer(bigramCircle, bigramCircle.resolveConfig({ p: 7 }));
  const before = Float32Array.from(big.problem.params.E!.dataSync());
  await assert.rejects(big.loadState(state), /parameter group "E" is \[7,2\] here but \[5,2\] in the checkpoint/);
  assert.deepEqual(Float32Array.from(big.problem.params.E!.dataSync()), before);
  big.dispose();
});
