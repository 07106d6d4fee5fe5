import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createInductionHeads, inductionHeads } from "../src/index.ts";

test("induction heads: bridge cosines in every snapshot and as metrics at eval steps, without leaks", () => {
  const config = inductionHeads.resolveConfig({ V: 8, T: 16, d_model: 8, min_len: 3, max_len: 5, ood_len: 6, eval_size: 8, eval_every: 2, bridge_k: 2 });
  const problem = createInductionHeads(config);
  problem.snapshot(); // these build the probe's and the test sets' RoPE tables once
  problem.evaluate!(2);
  const tensors = tf.memory().numTensors;
  const snapshot = new Map(problem.snapshot().map((t) => [t.name, t]));
  // V = d = 8 splits 1 / 4 / 3; a rank-2 bridge has min(2, n) cosines against each part.
  assert.deepEqual(["top", "medium", "bottom"].map((p) => snapshot.get(`bridge_cos_${p}`)?.shape), [[1, 1], [1, 2], [1, 2]]);
  for (const p of ["top", "medium", "bottom"]) {
    assert.ok(snapshot.get(`bridge_cos_${p}`)!.data.every((c) => c >= 0 && c <= 1));
  }
  assert.deepEqual(problem.evaluate!(3), {});
  const metrics = problem.evaluate!(4);
  assert.equal(metrics.bridge_k, 2);
  for (const p of ["top", "medium", "bottom"]) assert.ok(metrics[`bridge_cos_${p}`]! >= 0 && metrics[`bridge_cos_${p}`]! <= 1);
  assert.equal(tf.memory().numTensors, tensors, "no tensors leak");
  problem.dispose();
});
