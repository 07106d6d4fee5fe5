import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { Intervention } from "@orrery/protocol";
import { applyIntervention, bigramCircle, createTrainer, InterventionError, parameterValue, type Trainer } from "@orrery/experiments";

const train = (trainer: Trainer, steps: number) => Array.from({ length: steps }, () => trainer.trainStep().loss);
const circle = (config: Record<string, string | number | boolean>) => createTrainer(bigramCircle, bigramCircle.resolveConfig(config));

describe("parameter values", () => {
  const current = Float32Array.from([1, 2, 3, 4]);
  test("presets build the value the shape asks for", () => {
    assert.deepEqual([...parameterValue("W", [2, 2], current, { preset: "identity" })], [1, 0, 0, 1]);
    assert.deepEqual([...parameterValue("W", [2, 2], current, { preset: "diag", values: [-1, -1] })], [-1, 0, 0, -1]);
    assert.deepEqual([...parameterValue("W", [2, 2], current, { preset: "scale", factor: 2 })], [2, 4, 6, 8]);
    const r = parameterValue("W", [2, 2], current, { preset: "rotation", theta: Math.PI / 2 });
    assert.ok(Math.abs(r[0]!) < 1e-7 && r[1] === -1 && r[2] === 1);
    const noisy = (seed: number) => [...parameterValue("W", [2, 2], current, { preset: "add_noise", scale: 0.1, seed })];
    assert.deepEqual(noisy(3), noisy(3), "seeded: the same seed gives the same noise");
    assert.notDeepEqual(noisy(3), noisy(4));
  });

  test("low_rank: full rank gives the matrix back, rank 1 its best rank-1 approximation", () => {
    const full = parameterValue("W", [2, 2], current, { preset: "low_rank", rank: 2 });
    full.forEach((x, i) => assert.ok(Math.abs(x - current[i]!) < 1e-5));
    const one = parameterValue("W", [2, 2], current, { preset: "low_rank", rank: 1 });
    assert.ok(Math.abs(one[0]! * one[3]! - one[1]! * one[2]!) < 1e-4, "determinant 0");
  });

  test("a shape mismatch is refused, naming both shapes", () => {
    assert.throws(() => parameterValue("W1", [2, 2], current, { preset: "diag", values: [1, 2, 3] }), /diag has 3 values; W1 is \[2×2\]/);
    assert.throws(() => parameterValue("E", [29, 2], new Float32Array(58), { preset: "identity" }), /square matrix; E is \[29×2\]/);
    assert.throws(
      () => parameterValue("W1", [2, 2], current, { preset: "values", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }),
      (e: unknown) => e instanceof InterventionError && /values are \[3×2\]; W1 is \[2×2\]/.test(e.message),
    );
  });
});

describe("interventions on a live trainer (Bigram 4)", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  test("freezing trained W1, W2 at diag(−1, −1) mid-run takes perplexity below 2.2 (Experiment 1 by intervention)", () => {
    const trainer = circle({ w_mode: "random", seed: 0 });
    const early = train(trainer, 100).at(-1)!;
    const summary = [
      applyIntervention(trainer, { kind: "freeze", groups: ["W1", "W2"] }),
      applyIntervention(trainer, { kind: "set", group: "W1", value: { preset: "diag", values: [-1, -1] } }),
      applyIntervention(trainer, { kind: "set", group: "W2", value: { preset: "diag", values: [-1, -1] } }),
    ];
    assert.match(summary[0]!, /^freeze W1, W2/);
    assert.match(summary[1]!, /W1: \[\[.*\]\] → \[\[-1, 0\], \[0, -1\]\]/);
    const w1 = [...trainer.problem.params.W1!.dataSync()];
    const ppl = Math.exp(train(trainer, 3000).at(-1)!);
    assert.deepEqual([...trainer.problem.params.W1!.dataSync()], w1, "W1 stays frozen");
    assert.ok(ppl < 2.2, `perplexity ${ppl} (was ${Math.exp(early)} at step 100)`);
    trainer.dispose();
  });

  test("the reference solution, set and frozen, has perplexity ≈ 2 at once", () => {
    const trainer = circle({ w_mode: "trainable" });
    applyIntervention(trainer, { kind: "freeze", groups: ["E", "W1", "W2"] });
    for (const group of ["E", "W1", "W2"]) applyIntervention(trainer, { kind: "set", group, value: { preset: "reference" } });
    const ppl = Math.exp(trainer.trainStep().loss);
    assert.ok(ppl < 2.01, `perplexity ${ppl}`);
    trainer.dispose();
  });

  test("unknown groups and refused values change nothing", () => {
    const trainer = circle({});
    train(trainer, 3);
    const before = trainer.problem.params.W1!.dataSync().slice();
    assert.throws(() => applyIntervention(trainer, { kind: "freeze", groups: ["W1", "nope"] }), /unknown parameter group "nope" \(groups: E, W1, W2\)/);
    assert.equal(trainer.isFrozen("W1"), false, "nothing frozen when one group is unknown");
    assert.throws(() => applyIntervention(trainer, { kind: "set", group: "W1", value: { preset: "diag", values: [1] } }), InterventionError);
    assert.deepEqual(trainer.problem.params.W1!.dataSync(), before);
    trainer.dispose();
  });

  test("replay: the same interventions at the same steps reproduce the losses exactly; no tensor leaks", () => {
    const log: [number, Intervention][] = [
      [20, { kind: "set", group: "W1", value: { preset: "add_noise", scale: 0.5, seed: 7 } }],
      [20, { kind: "hyper", lr: 0.003 }],
      [40, { kind: "freeze", groups: ["E"] }],
      [60, { kind: "unfreeze", groups: ["E"] }],
    ];
    const execute = () => {
      const trainer = circle({ w_mode: "trainable", seed: 2 });
      const losses: number[] = [];
      for (let step = 0; step < 80; step++) {
        for (const [at, iv] of log) if (at === step) applyIntervention(trainer, iv);
        losses.push(trainer.trainStep().loss);
      }
      const tensors = tf.memory().numTensors;
      trainer.dispose();
      return { losses, tensors };
    };
    const a = execute();
    const b = execute();
    assert.deepEqual(a.losses, b.losses);
    const baseline = circle({ w_mode: "trainable", seed: 2 });
    const plain = train(baseline, 80);
    baseline.dispose();
    assert.deepEqual(plain.slice(0, 20), a.losses.slice(0, 20), "identical before the first intervention");
    assert.notDeepEqual(plain.slice(20), a.losses.slice(20), "and different after it");

    const trainer = circle({ w_mode: "trainable" });
    train(trainer, 2);
    const count = tf.memory().numTensors;
    for (const [, iv] of log) applyIntervention(trainer, iv), trainer.trainStep();
    assert.equal(tf.memory().numTensors, count, "interventions leave no tensors behind");
    trainer.dispose();
  });

  test("a checkpoint keeps what interventions changed: frozen groups and the learning rate", async () => {
    const trainer = circle({ w_mode: "trainable" });
    train(trainer, 5);
    applyIntervention(trainer, { kind: "freeze", groups: ["W2"] });
    applyIntervention(trainer, { kind: "hyper", lr: 0.02, weight_decay: 0.1, betas: [0.8, 0.99], schedule: "cosine" });
    const state = await trainer.saveState();
    const restored = circle({ w_mode: "trainable" });
    await restored.loadState(state);
    assert.deepEqual(restored.settings, { frozen: ["W2"], lr: 0.02, weightDecay: 0.1, betas: [0.8, 0.99], schedule: "cosine" });
    assert.deepEqual(train(restored, 10), train(trainer, 10), "save → restore → continue equals continuing");
    trainer.dispose();
    restored.dispose();
  });
});
