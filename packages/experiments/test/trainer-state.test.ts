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

test("a frozen group stops changing, the others train, and its optimizer state waits for the unfreeze", async () => {
  const trainer = createTrainer(bigramCircle, bigramCircle.resolveConfig({ w_mode: "random" }));
  for (let i = 0; i < 5; i++) trainer.trainStep();
  const moments = async () => (await trainer.saveState()).optimizer.filter((t) => t.name.startsWith("W1/"));
  const read = (g: string) => Float32Array.from(trainer.problem.params[g]!.dataSync());
  trainer.setFrozen("W1", true);
  const [w1, e, w1Moments] = [read("W1"), read("E"), await moments()];
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) trainer.trainStep();
  assert.deepEqual(read("W1"), w1, "frozen W1 unchanged");
  assert.notDeepEqual(read("E"), e, "E keeps training");
  assert.deepEqual(await moments(), w1Moments, "W1's Adam state untouched while frozen");
  assert.equal(tf.memory().numTensors, tensors, "no tensors leak across freezing");
  trainer.setFrozen("W1", false);
  trainer.trainStep();
  assert.notDeepEqual(read("W1"), w1, "unfrozen W1 trains again");
  assert.throws(() => trainer.setFrozen("W9", true), /unknown parameter group "W9"/);
  trainer.dispose();
});
