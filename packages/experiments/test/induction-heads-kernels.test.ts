import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createTrainer, experiments } from "../src/index.ts";

/*
 * induction-heads' periodic evaluation as one kernel on wasm SIMD (attention-only-forward-kernel.ts) against the
 * tfjs forward pass it replaces (which the cpu backend runs), on the same parameters after some training.
 */

const experiment = experiments["induction-heads"]!;

/** Every metric of evaluate(1) with the fused evaluation (wasm) and with the tfjs forward pass (cpu). */
async function bothWays(config: Record<string, number | string>) {
  assert.ok(await tf.setBackend("wasm"));
  const trainer = createTrainer(experiment, experiment.resolveConfig({ eval_every: 1000, ...config }));
  try {
    for (let i = 0; i < 30; i++) trainer.trainStep(); // attention away from its uniform start
    const fused = trainer.problem.evaluate!(1);
    assert.ok(await tf.setBackend("cpu"));
    const plain = trainer.problem.evaluate!(1);
    return { fused, plain };
  } finally {
    trainer.dispose();
  }
}

test("wasm: induction-heads' one-kernel evaluation gives the tfjs forward pass's errors, losses and attention scores", async () => {
  for (const config of [
    {}, // 256 + 256 test sequences: 8 chunks each
    { layers: 1, eval_size: 50 }, // a partial last chunk
    { layers: 3, eval_size: 40, T: 28, d_model: 20, V: 20, distribution: "uniform" },
  ] as Record<string, number | string>[]) {
    const { fused, plain } = await bothWays(config);
    const label = JSON.stringify(config);
    assert.deepEqual(Object.keys(fused).sort(), Object.keys(plain).sort(), label);
    for (const key of ["id_loss", "ood_loss", "induction_score", "previous_token_score"]) {
      assert.ok(Math.abs(fused[key]! - plain[key]!) < 1e-5 * Math.max(1, Math.abs(plain[key]!)), `${label}: ${key} ${fused[key]} vs ${plain[key]}`);
    }
    // Argmax predictions may flip on a near tie between float orders: allow a few in the thousands scored.
    for (const key of ["id_error", "ood_error"]) assert.ok(Math.abs(fused[key]! - plain[key]!) < 3e-3, `${label}: ${key} ${fused[key]} vs ${plain[key]}`);
  }
  assert.ok(await tf.setBackend("wasm"));
});
