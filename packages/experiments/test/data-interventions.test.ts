import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { Intervention } from "@orrery/protocol";
import {
  applyIntervention, bigramCircle, bigramLinear, createTrainer, graphTransformer, inductionHeads, InterventionError, lowRankBigram, node2vec,
  tinyNN, type Experiment, type Trainer,
} from "@orrery/experiments";

type Settings = Record<string, string | number | boolean>;
const make = (experiment: Experiment<any>, config: Settings) => createTrainer(experiment, experiment.resolveConfig(config));
const train = (trainer: Trainer, steps: number) => Array.from({ length: steps }, () => trainer.trainStep().loss);
const data = (patch: Omit<Extract<Intervention, { kind: "data" }>, "kind">): Intervention => ({ kind: "data", ...patch });
const refused = (pattern: RegExp) => (e: unknown) => e instanceof InterventionError && pattern.test(e.message);

const smallTiny: Settings = { graph: "cycle", cycle_nodes: 10, d: 16, lr: 0.05, eval_every: 1, steps: 100 };

describe("data interventions", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  test("tiny-nn on the cycle: self-edges on mid-run adds n pairs, moves the loss optimum (ln 2 → ln 3) and the top-1 ceiling; no leaks", () => {
    const trainer = make(tinyNN, smallTiny);
    train(trainer, 5);
    const refs = trainer.problem.references!;
    assert.ok(Math.abs(refs.loss!.value - Math.log(2)) < 1e-12);
    const tensors = tf.memory().numTensors;
    const summary = applyIntervention(trainer, data({ self_edges: true }));
    assert.match(summary, /^self-edges off → on: 20 → 30 training pairs; /);
    assert.match(summary, /loss reference 0\.6931 → 1\.099/);
    assert.match(summary, /top1 reference 50 → 33\.33/);
    assert.equal(tf.memory().numTensors, tensors, "the old targets are disposed, the new ones replace them");
    const after = trainer.problem.references!;
    assert.ok(Math.abs(after.loss!.value - Math.log(3)) < 1e-12, "uniform over {u−1, u, u+1}");
    assert.ok(Math.abs(after.top1!.value - 100 / 3) < 1e-9);

    // Training goes on toward the new optimum, above ln 2's old floor; no tensors leak across steps and evals.
    const losses = train(trainer, 60);
    assert.ok(losses.at(-1)! > Math.log(3) - 1e-3, `loss ${losses.at(-1)} is bounded below by ln 3`);
    assert.equal(tf.memory().numTensors, tensors);
    const metrics = trainer.problem.evaluate!(100);
    assert.ok(metrics.top1! <= 100 / 3 + 1e-9, `top-1 ${metrics.top1} is measured on the 30 pairs (ceiling 33.3%)`);

    // Back off: the pair set and the references return.
    assert.match(applyIntervention(trainer, data({ self_edges: false, direction: "forward" })), /^self-edges on → off, direction both → forward: 30 → 10 training pairs/);
    assert.ok(Math.abs(trainer.problem.references!.loss!.value) < 1e-12, "one neighbour each: optimum 0");
    assert.equal(tf.memory().numTensors, tensors);
    trainer.dispose();
  });

  test("refusals name the key and why, and change nothing", () => {
    const tiny = make(tinyNN, smallTiny);
    const state = tiny.problem.dataState!();
    assert.throws(() => applyIntervention(tiny, data({ self_edges: true, batch_size: 8 })), refused(/^batch_size: this experiment trains on the exact full-batch loss/));
    assert.throws(() => applyIntervention(tiny, data({})), refused(/^data: nothing to change/));
    assert.deepEqual(tiny.problem.dataState!(), state, "self-edges still off: the refused patch changed nothing");
    tiny.dispose();

    const circle = make(bigramCircle, { data: "exact" });
    assert.throws(() => applyIntervention(circle, data({ batch_size: 64 })), refused(/^batch_size: this run trains on the exact full-batch loss \(data = exact\)/));
    assert.throws(() => applyIntervention(circle, data({ self_edges: true })), refused(/^self_edges: /));
    circle.dispose();
    const linear = make(bigramLinear, { loss: "exact" });
    assert.throws(() => applyIntervention(linear, data({ batch_size: 64 })), refused(/^batch_size: this run trains on the exact expected loss/));
    linear.dispose();
    const induction = make(inductionHeads, { eval_size: 4, sharpness_batch: 2, batch_size: 4 });
    assert.throws(() => applyIntervention(induction, data({ direction: "forward" })), refused(/^direction: this experiment's data are copying sequences/));
    assert.throws(() => applyIntervention(induction, data({ batch_size: 5000 })), refused(/^batch_size: 5000 is outside this experiment's range 1…4096/));
    assert.match(applyIntervention(induction, data({ batch_size: 8 })), /^batch size 4 → 8$/);
    induction.dispose();
  });

  test("node2vec and the graph transformer rebuild their pair data (and references) without leaking", () => {
    const n2v = make(node2vec, { graph: "cycle", cycle_nodes: 15, d: 8, eval_every: 1 });
    train(n2v, 2);
    assert.equal(n2v.problem.references!.loss?.value, 1.435, "the plain 15-cycle's plateau");
    const count = tf.memory().numTensors;
    const summary = applyIntervention(n2v, data({ direction: "forward" }));
    assert.match(summary, /^direction both → forward: 30 → 15 training pairs; /);
    assert.match(summary, /top1 reference 50 → 100/);
    assert.match(summary, /loss reference 1\.435 → none/);
    assert.equal(n2v.problem.references!.loss, undefined, "the plateau is the plain cycle's only");
    train(n2v, 3);
    n2v.problem.evaluate!(1);
    assert.equal(tf.memory().numTensors, count);
    n2v.dispose();

    const gt = make(graphTransformer, { graph: "cycle", cycle_nodes: 8, task: "edges", layers: 1, heads: 1, d_model: 8, eval_every: 1 });
    const before = train(gt, 3);
    const countGt = tf.memory().numTensors;
    assert.match(applyIntervention(gt, data({ self_edges: true })), /^self-edges off → on: 16 → 24 training pairs/);
    assert.equal(tf.memory().numTensors, countGt, "the old edge batch is disposed, the new one replaces it");
    // The first step at the new batch size adds the model's tables for that size (a cache, kept until dispose).
    const after = train(gt, 1);
    const warm = tf.memory().numTensors;
    after.push(...train(gt, 3));
    gt.problem.evaluate!(1);
    assert.equal(tf.memory().numTensors, warm, "stable across steps and evaluations after the change");
    assert.ok(after.every(Number.isFinite) && before.every(Number.isFinite));
    gt.dispose();
  });

  test("replay: the same data changes at the same steps reproduce the losses exactly; the data stream continues", () => {
    const runs: [Experiment<any>, Settings, [number, Intervention][]][] = [
      [tinyNN, smallTiny, [[10, data({ self_edges: true })], [20, data({ direction: "backward" })]]],
      [bigramCircle, { data: "batch", batch_size: 16, seed: 3 }, [[10, data({ batch_size: 64 })], [20, data({ batch_size: 8 })]]],
      [bigramLinear, { loss: "batch", batch_size: 16, seed: 3 }, [[10, data({ batch_size: 40 })]]],
      [lowRankBigram, { data: "batch", batch_size: 16, seed: 3 }, [[10, data({ batch_size: 40 })]]],
      [inductionHeads, { eval_size: 4, sharpness_batch: 2, batch_size: 4, T: 24, min_len: 3, max_len: 5, ood_len: 6, burn: 1 }, [[5, data({ batch_size: 6 })]]],
    ];
    for (const [experiment, config, log] of runs) {
      const steps = 30;
      const execute = () => {
        const trainer = make(experiment, config);
        const losses: number[] = [];
        for (let step = 0; step < steps; step++) {
          for (const [at, iv] of log) if (at === step) applyIntervention(trainer, iv);
          losses.push(trainer.trainStep().loss);
        }
        trainer.dispose();
        return losses;
      };
      const a = execute();
      assert.deepEqual(execute(), a, `${experiment.info.id}: replay is bit-identical`);
      const plain = make(experiment, config);
      const baseline = train(plain, steps);
      plain.dispose();
      const first = log[0]![0];
      assert.deepEqual(baseline.slice(0, first), a.slice(0, first), `${experiment.info.id}: identical before the first change`);
      assert.notDeepEqual(baseline.slice(first), a.slice(first), `${experiment.info.id}: and different after it`);
    }
  });

  test("a checkpoint keeps what a data intervention changed: save → restore → continue equals continuing", async () => {
    const cases: [Experiment<any>, Settings, Intervention][] = [
      [tinyNN, smallTiny, data({ self_edges: true, direction: "forward" })],
      [graphTransformer, { graph: "cycle", cycle_nodes: 8, task: "edges", layers: 1, heads: 1, d_model: 8 }, data({ self_edges: true })],
      [bigramCircle, { data: "batch", batch_size: 16, seed: 3 }, data({ batch_size: 48 })],
    ];
    for (const [experiment, config, iv] of cases) {
      const trainer = make(experiment, config);
      train(trainer, 4);
      applyIntervention(trainer, iv);
      train(trainer, 2);
      const state = await trainer.saveState();
      const restored = make(experiment, config);
      const fresh = restored.problem.dataState!();
      await restored.loadState(state);
      const count = tf.memory().numTensors;
      restored.problem.restoreDataState!(fresh);
      restored.problem.restoreDataState!(state.data!);
      assert.equal(tf.memory().numTensors, count, `${experiment.info.id}: restoring the data swaps tensors, leaks none`);
      assert.deepEqual(train(restored, 5), train(trainer, 5), `${experiment.info.id}: the restored run trains on the changed data`);
      trainer.dispose();
      restored.dispose();
    }
  });

  test("a fork whose edited config sets a data key keeps its own; other edits keep the checkpoint's changed data", async () => {
    const trainer = make(tinyNN, smallTiny);
    applyIntervention(trainer, data({ self_edges: true }));
    const state = await trainer.saveState();
    const edited = make(tinyNN, { ...smallTiny, direction: "forward" });
    await edited.loadState(state);
    assert.equal(edited.problem.references!.top1!.value, 100, "forward, no self-edges: the fork's own 10 pairs");
    const other = make(tinyNN, { ...smallTiny, lr: 0.01 });
    await other.loadState(state);
    assert.equal(other.problem.references!.top1!.value, 100 / 3, "the checkpoint's self-edges carried on");
    [trainer, edited, other].forEach((t) => t.dispose());

    const circle = make(bigramCircle, { data: "batch", batch_size: 16 });
    applyIntervention(circle, data({ batch_size: 48 }));
    const saved = await circle.saveState();
    const fork = make(bigramCircle, { data: "batch", batch_size: 32 });
    await fork.loadState(saved);
    assert.equal(fork.problem.dataState!().at(-1), 32, "the fork's edited batch size wins");
    [circle, fork].forEach((t) => t.dispose());
  });
});
