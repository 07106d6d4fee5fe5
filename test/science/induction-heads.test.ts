import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createTrainer, inductionHeads, oodCurve, Rng, type OodCurve } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";
// The model's internals are not part of the package's API; the tests reach into the source for them.
import { AttentionOnlyTransformer } from "../../packages/experiments/src/models/transformer/attention-only.ts";
import { layerNorm } from "../../packages/experiments/src/models/transformer/layer-norm.ts";
import { attentionMix, attentionScores, linear } from "../../packages/experiments/src/models/transformer/matmul.ts";
import { crossEntropy } from "../../packages/experiments/src/models/cross-entropy.ts";
import { timeMajorOneHot } from "../../packages/experiments/src/models/transformer/sequence-batch.ts";

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/**
 * The CPU variant (V = d = 32, AdamW at lr 3e-3, batch 32, burn-in 2) with shorter sequences: T = 24, ID
 * L ∈ [4, 8], OOD L = 10 (floor 1/8). The transition then comes at ~600–900 steps instead of ~1200–1700, so
 * both models fit in about 30 s. Seeds 0, 1, 2 gave 2-layer OOD errors 0.45, 0.26, 0.47 at step 900 and
 * 0.33, 0.22, 0.31 at step 1000; the 1-layer model stayed at 0.93–0.97 throughout.
 */
const TEST_SIZE = { T: 24, min_len: 4, max_len: 8, ood_len: 10, eval_every: 100, eval_size: 256, seed: 0 };
const STEPS = 1100;

const at = (curve: OodCurve, step: number) => curve.points.find((p) => p.step === step)!;
const show = (curve: OodCurve) =>
  curve.points
    .filter((p, i, all) => p.step % 200 === 0 || i === all.length - 1)
    .map((p) => `${p.step}: ${p.oodError.toFixed(2)} (ind ${p.inductionScore.toFixed(2)}, prev ${p.previousTokenScore.toFixed(2)})`)
    .join(", ");

/**
 * Zhong's copying task (EXPERIMENTS.md §4) through the daemon's path: backend selection, the experiment's
 * problem, the Trainer. The model's matrix products carry hand-written gradients (wasm lacks or slows the
 * stock ones), so they are checked against tf.matMul first.
 */
describe("Induction heads: copying task (Zhong)", () => {
  before(async () => {
    await selectBackend("auto");
  });

  test("hand-written gradients match tfjs's own (matMul, logSoftmax, LayerNorm by hand) on this backend", () => {
    tf.tidy(() => {
      const rng = new Rng(1);
      const r = (...shape: number[]) => tf.tensor(rng.normals(shape.reduce((a, b) => a * b)), shape);
      // Time-major [T, B, d] operands against the batch-major tf.matMul reference.
      const batchMajor = (t: tf.Tensor) => tf.transpose(t, [1, 0, 2]) as tf.Tensor3D;
      const [Q, K, P, V] = [r(5, 3, 4), r(7, 3, 4), r(5, 3, 7), r(7, 3, 4)] as tf.Tensor3D[];
      const [wS, wO] = [r(5, 3, 7), r(5, 3, 4)];
      const ours = tf.grads((q, k, p, v) =>
        tf.add(tf.sum(tf.mul(attentionScores(q as tf.Tensor3D, k as tf.Tensor3D), wS)), tf.sum(tf.mul(attentionMix(p as tf.Tensor3D, v as tf.Tensor3D), wO))),
      )([Q!, K!, P!, V!]);
      const reference = tf.grads((q, k, p, v) =>
        tf.add(
          tf.sum(tf.mul(batchMajor(tf.matMul(batchMajor(q), batchMajor(k), false, true)), wS)),
          tf.sum(tf.mul(batchMajor(tf.matMul(batchMajor(p), batchMajor(v))), wO)),
        ),
      )([Q!, K!, P!, V!]);
      ours.forEach((g, i) => assert.ok(maxDiff(g, reference[i]!) < 1e-5, `attention operand ${i}`));

      const [x, W, b, wy] = [r(6, 4), r(4, 3), r(3), r(6, 3)];
      const lin = tf.grads((x, W, b) => tf.sum(tf.mul(linear(x as tf.Tensor2D, W, b), wy)))([x!, W!, b!]);
      const linRef = tf.grads((x, W, b) => tf.sum(tf.mul(tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b), wy)))([x!, W!, b!]);
      lin.forEach((g, i) => assert.ok(maxDiff(g, linRef[i]!) < 1e-5, `linear operand ${i}`));

      const [g, beta] = [r(3), r(3)];
      const lnRef = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const centred = tf.sub(x, tf.mean(x, -1, true));
        return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5))), g), b);
      };
      const ln = tf.grads((x, g, b) => tf.sum(tf.mul(layerNorm(x as tf.Tensor2D, g, b), wy)))([wy!, g!, beta!]);
      const lnGrads = tf.grads((x, g, b) => tf.sum(tf.mul(lnRef(x, g, b), wy)))([wy!, g!, beta!]);
      ln.forEach((grad, i) => assert.ok(maxDiff(grad, lnGrads[i]!) < 1e-5, `layerNorm operand ${i}`));

      const targets = tf.concat([tf.oneHot([2, 0, 1, 2, 1], 3).toFloat(), tf.zeros([1, 3])]) as tf.Tensor2D;
      const ce = tf.grad((l) => crossEntropy(l as tf.Tensor2D, targets, 5))(wy!);
      const ceRef = tf.grad((l) => tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(l)))), 5))(wy!);
      assert.ok(maxDiff(ce, ceRef) < 1e-6, "cross-entropy (a target-less row gets no gradient)");
    });
  });

  test("causal: the logits at position t ignore every later token", () => {
    const T = 16;
    const model = new AttentionOnlyTransformer({ V: 8, d: 8, layers: 2, T, ropeTheta: 1e4 }, new Rng(2));
    const a = Int32Array.from({ length: T }, (_, i) => (i * 3) % 8);
    const b = a.slice();
    b[10] = (b[10]! + 1) % 8;
    const [la, lb] = [a, b].map((tokens) => tf.tidy(() => model.forward(timeMajorOneHot(tokens, 1, T, 8), 1).logits));
    assert.ok(maxDiff(la!.slice([0, 0], [10, 8]), lb!.slice([0, 0], [10, 8])) === 0, "positions before 10 unchanged");
    assert.ok(maxDiff(la!.slice([10, 0], [1, 8]), lb!.slice([10, 0], [1, 8])) > 0, "position 10 sees its own token");
    tf.dispose([la!, lb!]);
    model.dispose();
  });

  test("a step moves every parameter group, runs are reproducible, and no tensors leak", () => {
    const config = inductionHeads.resolveConfig({ eval_every: 5, eval_size: 16, batch_size: 8 });
    const losses = [0, 1].map(() => {
      const trainer = createTrainer(inductionHeads, config);
      const before = Object.fromEntries(Object.entries(trainer.problem.params).map(([k, v]) => [k, v.dataSync().slice()]));
      const first = trainer.trainStep();
      for (const [group, v] of Object.entries(trainer.problem.params)) {
        assert.ok(v.dataSync().some((x, i) => x !== before[group]![i]), `group ${group} moved`);
      }
      assert.ok(["id_error", "ood_error", "id_loss", "ood_loss"].every((k) => Number.isFinite(first.metrics[k])), "evaluated at step 1");
      trainer.trainStep();
      trainer.problem.snapshot(); // the first snapshot builds its batch-of-one RoPE tables, kept for later ones
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) trainer.trainStep();
      trainer.problem.snapshot();
      assert.equal(tf.memory().numTensors, tensors, "steady tensor count across steps, evaluations and snapshots");
      const loss = trainer.trainStep().loss;
      trainer.dispose();
      return loss;
    });
    assert.equal(losses[0], losses[1], "same seed, same loss");
  });

  test("a checkpointed run resumes bit-identically (parameters, Adam state, data and dropout streams)", async () => {
    const config = inductionHeads.resolveConfig({ batch_size: 8, eval_size: 16, dropout: 0.1, seed: 5 });
    const original = createTrainer(inductionHeads, config);
    const losses: number[] = [];
    let saved = null;
    for (let i = 0; i < 8; i++) {
      losses.push(original.trainStep().loss);
      if (i === 3) saved = await original.saveState();
    }
    original.dispose();
    const resumed = createTrainer(inductionHeads, config);
    await resumed.loadState(saved!);
    assert.deepEqual(Array.from({ length: 4 }, () => resumed.trainStep().loss), losses.slice(4));
    resumed.dispose();
  });

  test("snapshots carry the views Zhong plots, and the OOD chart's floor", () => {
    const trainer = createTrainer(inductionHeads, inductionHeads.resolveConfig({ eval_size: 16 }));
    const byName = new Map(trainer.problem.snapshot().map((t) => [t.name, t]));
    assert.deepEqual(byName.get("attention")?.shape, [32, 32]);
    for (const name of ["E", "W_qk", "W_ov"]) assert.deepEqual(byName.get(name)?.shape, [32, 32], name);
    assert.deepEqual(byName.get("embedding_singular_values")?.shape, [1, 32]);
    assert.deepEqual(byName.get("qk_ov_matching")?.shape, [1, 32]);
    const attention = byName.get("attention")!.data;
    for (let q = 0; q < 32; q++) {
      const row = attention.subarray(q * 32, q * 32 + 32);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4 && row.subarray(q + 1).every((p) => p === 0), `row ${q}`);
    }
    assert.ok(Math.abs(trainer.problem.references!.ood_error!.value - 0.1) < 1e-12, "floor 1/(12 − 2)");
    trainer.dispose();
  });

  test("2 layers form an induction head and copy longer uniform patterns; 1 layer stays at chance", () => {
    const two = oodCurve({ ...TEST_SIZE, layers: 2 }, STEPS);
    const one = oodCurve({ ...TEST_SIZE, layers: 1 }, STEPS);
    console.log(`  2 layers, OOD error: ${show(two)}`);
    console.log(`  1 layer,  OOD error: ${show(one)}`);
    assert.ok(at(two, 300).oodError > 0.85, "a plateau at chance first");
    const end = at(two, STEPS);
    assert.ok(end.oodError < 0.5, `2 layers: OOD error ${end.oodError} at step ${STEPS}`);
    assert.ok(end.oodError > two.floor - 0.05, "never below the floor of the source's mask");
    assert.ok(end.inductionScore > 0.5 && end.previousTokenScore > 0.3, "an induction head on top of a previous-token head");
    for (const p of one.points) assert.ok(p.oodError > 0.8, `1 layer: OOD error ${p.oodError} at step ${p.step}`);
    assert.ok(at(one, STEPS).inductionScore < 0.3, "1 layer: no induction attention");
  });
});
