import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { mixtureNll, plainMixtureNll } from "../src/models/bigram-circle.ts";
import { MIXTURE_NLL } from "../src/models/mixture-nll-kernel.ts";
import { createTrainer, experiments } from "../src/index.ts";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, rel = 2e-5) => {
  assert.equal(a.length, b.length, what);
  const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= rel * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: Bigram 4's one-kernel loss and gradient equal the tfjs-ops path (exact and sampled batches, d = 2 and 3) and leak nothing`, async () => {
    assert.ok(await tf.setBackend(backend));
    const before = tf.memory().numTensors;
    for (const [p, d, B] of [[29, 2, 0], [7, 3, 5]] as const) {
      const E = tf.randomNormal([p, d], 0, 2, "float32", 1);
      const W1 = tf.randomNormal([d, d], 0, 1, "float32", 2);
      const W2 = tf.randomNormal([d, d], 0, 1, "float32", 3);
      const inputs = B ? tf.tidy(() => tf.oneHot(tf.tensor1d([0, 3, 3, 6, 1], "int32"), p).toFloat()) : null;
      const weights = tf.randomUniform([B || p, p], 0, 1, "float32", 4);
      const grads = (f: typeof mixtureNll) => tf.valueAndGrads((e: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => f(e, a, b, inputs, weights))([E, W1, W2]);
      const fused = grads(mixtureNll);
      const plain = grads(plainMixtureNll);
      close(fused.value.dataSync(), plain.value.dataSync(), `loss p=${p}`);
      fused.grads.forEach((g, i) => close(g.dataSync(), plain.grads[i]!.dataSync(), `grad ${["E", "W1", "W2"][i]} p=${p}`));
      tf.dispose([E, W1, W2, weights, fused.value, plain.value, ...fused.grads, ...plain.grads, ...(inputs ? [inputs] : [])]);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test(`${backend}: trained with the kernel, Bigram 4 follows the tfjs-ops path's losses`, async () => {
    assert.ok(await tf.setBackend(backend));
    const run = (fused: boolean) => {
      const kernel = tf.getKernel(MIXTURE_NLL, backend)!;
      if (!fused) tf.unregisterKernel(MIXTURE_NLL, backend);
      const ex = experiments["bigram-circle"]!;
      const trainer = createTrainer(ex, ex.resolveConfig({ data: "batch", batch_size: 64 }));
      try {
        return Array.from({ length: 40 }, () => trainer.trainStep().loss);
      } finally {
        trainer.dispose();
        if (!fused) tf.registerKernel(kernel);
      }
    };
    close(run(true), run(false), "losses", 1e-4);
  });
}
