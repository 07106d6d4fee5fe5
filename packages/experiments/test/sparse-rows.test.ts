import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { sparseRowsMatMul } from "../src/models/sparse-rows.ts";
import { Rng } from "../src/random.ts";

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the sparse-rows product equals X·W and its gradient Xᵀ·dy (one-hot, weighted and empty rows)`, async () => {
    assert.ok(await tf.setBackend(backend));
    const rng = new Rng(5);
    const [n, k, m] = [9, 6, 5];
    const x = new Float32Array(n * k);
    for (let r = 0; r < 6; r++) x[r * k + (r % k)] = 1; // one-hot rows, token r mod k
    x[6 * k + 1] = 0.5; // a weighted row with two entries
    x[6 * k + 4] = -2;
    // rows 7 and 8: empty
    const X = tf.tensor2d(x, [n, k]);
    const W = tf.variable(tf.tensor2d(rng.normals(k * m), [k, m]));
    const dy = tf.tensor2d(rng.normals(n * m), [n, m]);
    const before = tf.memory().numTensors;
    for (let repeat = 0; repeat < 2; repeat++) { // the second reads X's non-zeros from the cache
      const sparse = tf.variableGrads(() => tf.sum(tf.mul(sparseRowsMatMul(X, W), dy)), [W]);
      const dense = tf.variableGrads(() => tf.sum(tf.mul(tf.matMul(X, W), dy)), [W]);
      assert.ok(Math.abs(sparse.value.dataSync()[0]! - dense.value.dataSync()[0]!) < 1e-5, "value");
      assert.ok(maxDiff(sparse.grads[W.name]!, dense.grads[W.name]!) < 1e-6, "gradient");
      tf.dispose([sparse.value, dense.value, ...Object.values(sparse.grads), ...Object.values(dense.grads)]);
    }
    assert.equal(tf.memory().numTensors, before, "nothing left behind");
    tf.dispose([X, W, dy]);
  });
}
