import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createTrainer, finalGap, lowRankBigram, lowRankChain, Rng } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

/** Seed 001 (Bigram 3), EXPERIMENTS.md §2, at V = 10, R = 3 through the daemon's Trainer. */
describe("Bigram 3: low-rank Markov chain (seed 001)", () => {
  before(async () => {
    await selectBackend("auto");
  });

  test("the generator is a stochastic matrix with a stationary π and L0 below ln V", () => {
    const chain = lowRankChain({ V: 10, R: 3, lambda: "one", alpha: 1, scale: 1 }, new Rng(0));
    for (let x = 0; x < 10; x++) {
      const row = chain.P.subarray(x * 10, x * 10 + 10).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(row - 1) < 1e-12);
    }
    for (let y = 0; y < 10; y++) {
      let piP = 0;
      for (let x = 0; x < 10; x++) piP += chain.pi[x]! * chain.P[x * 10 + y]!;
      assert.ok(Math.abs(piP - chain.pi[y]!) < 1e-9, "πP = π");
    }
    assert.ok(chain.L0 > 0 && chain.L0 < Math.log(10));
  });

  test("critical width N_c = R: a gap remains below R and closes at R", () => {
    const gaps = [1, 2, 3].map((N) => finalGap({ V: 10, R: 3, N }, 2500));
    console.log(`  gaps N=1,2,3: ${gaps.map((g) => g.toExponential(2)).join(", ")}`);
    assert.ok(gaps[0]! > gaps[1]! && gaps[1]! > 1e-3, "N < R leaves a gap, shrinking with N");
    assert.ok(gaps[2]! < 1e-4, "N = R reaches the optimum L0");
  });

  test("the run reports L0 as its loss chart's reference and leaks no tensors (sampled batches too)", () => {
    const config = lowRankBigram.resolveConfig({ data: "batch", batch_size: 64 });
    const trainer = createTrainer(lowRankBigram, config);
    assert.match(trainer.problem.references?.loss?.label ?? "", /L0/);
    trainer.trainStep();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) trainer.trainStep();
    assert.equal(tf.memory().numTensors, tensors);
    trainer.dispose();
  });
});
