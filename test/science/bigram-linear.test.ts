import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { bigramLinear, createTrainer, trainToEnd } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

/**
 * EXPERIMENTS.md §1, the Bigram-1/2 and unigram presets, at the posts' sizes (V = 10) with fewer steps, through
 * the daemon's path: the experiment's config and problem, the Trainer. Perplexities are of the exact expected loss.
 */
const run = (config: Record<string, number | string | boolean>, steps: number): Record<string, number> & { ppl: number } => {
  let evaluated: Record<string, number> = {};
  const { last } = trainToEnd(bigramLinear, bigramLinear.resolveConfig({ ...config, steps, eval_every: steps }), (r) => {
    if (r.metrics.exact_loss !== undefined) evaluated = r.metrics;
  });
  return { ...last.metrics, ...evaluated, ppl: Math.exp(evaluated.exact_loss ?? last.loss) };
};
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(4)).join(", ");

describe("Bigram-1/2 and unigram: embed, A, unembed", () => {
  before(async () => {
    await selectBackend("auto");
  });

  test("Bigram-1, n_embd = 4: the circle walk reaches perplexity < 2.1 (post: 2)", () => {
    const ppl = [0, 1].map((seed) => run({ a_mode: "attention", n_embd: 4, seed }, 1500).ppl);
    console.log(`  n_embd 4: ppl ${fmt(ppl)}`);
    assert.ok(ppl.every((x) => x < 2.1), `every seed below 2.1, got ${ppl}`);
  });

  test("Bigram-1, n_embd = 2: stays clearly above 2 (post: ≈ 3)", () => {
    const ppl = [0, 1, 2].map((seed) => run({ a_mode: "attention", n_embd: 2, seed }, 1500).ppl);
    console.log(`  n_embd 2: ppl ${fmt(ppl)}`);
    assert.ok(ppl.every((x) => x > 2.5), `every seed above 2.5, got ${ppl}`);
    assert.ok(ppl.some((x) => Math.abs(x - 3) < 0.15), `some seed near 3, got ${ppl}`);
  });

  // Not every seed does (2/6 within 3000 steps in the reproduction; the rest sit at 1.15–1.3 with one negative
  // eigenvalue): the test asserts that the 2-D solution is reachable by training, from a seed that reaches it.
  test("Bigram-1, right-only drift: n_embd = 2 reaches perplexity 1", () => {
    const ppl = [1].map((seed) => run({ a_mode: "attention", n_embd: 2, data: "drift", seed }, 3000).ppl);
    console.log(`  drift, n_embd 2: ppl ${fmt(ppl)}`);
    assert.ok(ppl.some((x) => x < 1.01), `a seed below 1.01, got ${ppl}`);
  });

  test("Bigram-2: a trainable A reaches 2 with negative eigenvalues; A frozen at I stays far above 2", () => {
    const free = run({ a_mode: "trainable", n_embd: 4, seed: 0 }, 1000);
    const frozen = run({ a_mode: "identity", n_embd: 4, seed: 0 }, 1000);
    console.log(`  trainable A: ppl ${free.ppl.toFixed(4)}, ${free.neg_eigs} negative eigenvalues; A = I: ppl ${frozen.ppl.toFixed(4)}`);
    assert.ok(free.ppl < 2.05 && free.neg_eigs! >= 1);
    assert.ok(frozen.ppl > 3, `A = I: ppl ${frozen.ppl}`);
  });

  test("Unigram (V 10, α 1, D 1, tied, online batches of 128): the loss converges to the entropy", () => {
    const tied = run({ data: "zipf", a_mode: "none", n_embd: 1, loss: "batch", batch_size: 128 }, 2000);
    const ln = run({ data: "zipf", a_mode: "none", n_embd: 1, loss: "batch", batch_size: 128, layer_norm: true }, 1000);
    console.log(`  gap to the entropy: tied ${tied.gap!.toFixed(5)}, with LayerNorm ${ln.gap!.toFixed(5)}; n_eff ${tied.n_eff}`);
    assert.ok(tied.gap! < 0.02, `tied gap ${tied.gap}`);
    assert.ok(ln.gap! < 0.005, `LayerNorm gap ${ln.gap}`);
  });

  test("training leaks no tensors (sampled batches, attention with residual, LN, untied)", () => {
    const config = bigramLinear.resolveConfig({ a_mode: "residual", loss: "batch", layer_norm: true, tied: false, eval_every: 5 });
    const trainer = createTrainer(bigramLinear, config);
    trainer.trainStep();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) trainer.trainStep();
    trainer.problem.snapshot();
    assert.equal(tf.memory().numTensors, before);
    trainer.dispose();
  });
});
