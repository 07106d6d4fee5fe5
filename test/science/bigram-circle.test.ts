import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { bigramCircle, createTrainer, trainToEnd } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

/**
 * Seed 000 (Bigram 4), EXPERIMENTS.md §1(e), at the seed's size (p = 29, n_embd = 2, Adam 1e-2, exact loss)
 * but fewer steps. Runs the daemon's own path: backend selection, the experiment's problem, the Trainer.
 */
const finalPerplexity = (config: Record<string, number | string>, steps: number) =>
  trainToEnd(bigramCircle, bigramCircle.resolveConfig({ ...config, steps })).last.metrics.ppl!;

const SEEDS = [0, 1, 2];

describe("Bigram 4: walk on a circle (seed 000)", () => {
  before(async () => {
    await selectBackend("auto");
  });

  test("W frozen at diag(-1,-1) reaches perplexity below 2.2 (post: 2.01)", () => {
    const ppl = SEEDS.map((seed) => finalPerplexity({ w_mode: "frozen_neg", seed }, 3000));
    console.log(`  frozen diag(-1,-1): ppl ${ppl.map((x) => x.toFixed(4)).join(", ")}`);
    assert.ok(ppl.filter((x) => x < 2.2).length >= 2, `most seeds below 2.2, got ${ppl}`);
  });

  test("W frozen at diag(1,1) settles near 4.15, far from the optimum", () => {
    const ppl = SEEDS.map((seed) => finalPerplexity({ w_mode: "frozen_id", seed }, 2000));
    console.log(`  frozen diag(1,1): ppl ${ppl.map((x) => x.toFixed(4)).join(", ")}`);
    assert.ok(ppl.filter((x) => Math.abs(x - 4.15) <= 0.02).length >= 2, `most seeds within 4.15 ± 0.02, got ${ppl}`);
  });

  test("training leaks no tensors: tf.memory().numTensors is stable across steps", () => {
    const config = bigramCircle.resolveConfig({ data: "batch", batch_size: 64 });
    const trainer = createTrainer(bigramCircle, config);
    trainer.trainStep(); // the optimizer creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) trainer.trainStep();
    assert.equal(tf.memory().numTensors, before);
    trainer.dispose();
  });
});
