import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { columnSums, transpose2d } from "../src/models/layout.ts";
import { Rng } from "../src/random.ts";

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: transpose2d and columnSums equal tf.transpose and tf.sum(·, 0) (SIMD tiles and the JS loop)`, async () => {
    assert.ok(await tf.setBackend(backend));
    const rng = new Rng(9);
    for (const [rows, cols] of [[8, 12], [1024, 32], [5, 7], [3, 8]] as const) {
      const x = tf.tensor2d(rng.normals(rows * cols), [rows, cols]);
      const [t, s] = [transpose2d(x), columnSums(x)];
      assert.deepEqual(t.shape, [cols, rows]);
      assert.deepEqual(Array.from(t.dataSync()), Array.from(tf.transpose(x).dataSync()), `transpose ${rows}×${cols}`);
      const ref = tf.sum(x, 0).dataSync();
      s.dataSync().forEach((v, j) => assert.ok(Math.abs(v - ref[j]!) < 1e-4, `column ${j} of ${rows}×${cols}`));
      tf.dispose([x, t, s]);
    }
  });
}

