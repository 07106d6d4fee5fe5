import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  bigramCircle, createInductionHeads, createTrainer, inductionHeads, Rng, topHessianEigenvalue, Trainer, type Problem,
} from "../src/index.ts";

/** L = ½ Σ_g θ_gᵀ diag(a_g) θ_g over two groups: the Hessian is diag(a), its top eigenvalue max(a). */
function quadratic(a: Record<string, number[]>): Problem {
  const rng = new Rng(7);
  const params = Object.fromEntries(
    Object.entries(a).map(([g, diag]) => [g, tf.variable(tf.tensor1d(rng.normals(diag.length)), true, `quad_${g}`)]),
  );
  const A = Object.fromEntries(Object.entries(a).map(([g, diag]) => [g, tf.tensor1d(diag)]));
  return {
    params,
    frozen: [],
    loss: () =>
      tf.tidy(() => tf.mul(0.5, tf.addN(Object.keys(a).map((g) => tf.sum(tf.mul(A[g]!, tf.square(params[g]!))))))) as tf.Scalar,
    metrics: (loss) => ({ loss }),
    snapshot: () => [],
    dispose: () => tf.dispose([...Object.values(params), ...Object.values(A)]),
  };
}

const read = (p: Problem) => Object.fromEntries(Object.entries(p.params).map(([g, v]) => [g, Float32Array.from(v.dataSync())]));

test("a quadratic's top Hessian eigenvalue, with θ bit-identical and no tensor left behind", () => {
  const problem = quadratic({ x: [1, 2, 0.5, 3], y: [7.5, -1, 4] });
  const before = read(problem);
  const tensors = tf.memory().numTensors;
  const result = topHessianEigenvalue(problem, ["x", "y"], { iterations: 200, tolerance: 1e-7 });
  assert.ok(Math.abs(result.value - 7.5) < 1e-3, `top eigenvalue ${result.value} ≈ 7.5`);
  assert.equal(tf.memory().numTensors, tensors, "no tensors leak");
  assert.deepEqual(read(problem), before, "parameters restored bit for bit");
  // Only the listed groups count: x alone has top eigenvalue 3.
  const onlyX = topHessianEigenvalue(problem, ["x"], { iterations: 200, tolerance: 1e-7 });
  assert.ok(Math.abs(onlyX.value - 3) < 1e-3, `x alone: ${onlyX.value} ≈ 3`);
  assert.throws(() => topHessianEigenvalue(problem, ["z"]), /unknown parameter group "z"/);
  problem.dispose();
});

test("a dominant negative eigenvalue (a saddle) still yields the top one", () => {
  const problem = quadratic({ x: [1, -9, 3] });
  const before = read(problem);
  const tensors = tf.memory().numTensors;
  const result = topHessianEigenvalue(problem, ["x"], { iterations: 300, tolerance: 1e-8 });
  assert.ok(Math.abs(result.value - 3) < 1e-3, `top eigenvalue ${result.value} ≈ 3, not the dominant −9`);
  assert.equal(tf.memory().numTensors, tensors);
  assert.deepEqual(read(problem), before);
  problem.dispose();
});

test("a scheduled measurement leaves training exactly as it would have been", () => {
  const config = bigramCircle.resolveConfig({ data: "batch", batch_size: 16, seed: 3, w_mode: "trainable", steps: 12 });
  const plain = createTrainer(bigramCircle, config);
  const measured = createTrainer(bigramCircle, { ...config, sharpness_every: 4 });
  const a = Array.from({ length: 12 }, () => plain.trainStep());
  const b = Array.from({ length: 12 }, () => measured.trainStep());
  assert.deepEqual(b.map((r) => r.loss), a.map((r) => r.loss), "identical losses: θ and the data stream untouched");
  assert.deepEqual(read(measured.problem), read(plain.problem));
  assert.deepEqual(b.map((r) => "sharpness" in r.metrics), b.map((r) => r.step % 4 === 0));
  assert.ok(b.every((r) => !("sharpness" in r.metrics) || Number.isFinite(r.metrics.sharpness)));
  const again = measured.measureSharpness();
  assert.equal(measured.measureSharpness(), again, "a measurement is a pure function of θ");
  plain.dispose();
  measured.dispose();
});

test("induction heads: measured on the fixed probe batch without advancing the data or dropout streams", () => {
  const config = inductionHeads.resolveConfig({ V: 8, T: 16, d_model: 8, min_len: 3, max_len: 5, ood_len: 6, eval_size: 8, sharpness_batch: 16, dropout: 0.1 });
  const trainer = new Trainer(createInductionHeads(config), { lr: 1e-3 });
  trainer.trainStep();
  const state = trainer.problem.dataState!();
  const value = trainer.measureSharpness(); // first call also builds the probe batch's RoPE tables
  const tensors = tf.memory().numTensors;
  const params = read(trainer.problem);
  assert.equal(trainer.measureSharpness(), value);
  assert.equal(tf.memory().numTensors, tensors, "no tensors leak");
  assert.deepEqual(read(trainer.problem), params);
  assert.deepEqual(trainer.problem.dataState!(), state, "data and dropout streams where they were");
  assert.ok(Number.isFinite(value) && value > 0, `sharpness ${value}`);
  trainer.dispose();
});
