import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { gelu, plainGelu } from "../src/models/transformer/gelu.ts";
import { Rng } from "../src/random.ts";

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ["cpu", "wasm"]) {
  for (const cols of [8, 7]) { // 7: not a multiple of 4, the JS loop on wasm too
    test(`${backend}: the fused GELU equals the tfjs-ops GELU and its gradient (${cols} columns, |x| up to 40)`, async () => {
      assert.ok(await tf.setBackend(backend));
      const x = tf.tensor2d(Float32Array.from(new Rng(2).normals(6 * cols, 10), (v, i) => (i === 0 ? 40 : i === 1 ? -40 : v)), [6, cols]);
      const dy = tf.tensor2d(new Rng(3).normals(6 * cols), [6, cols]);
      const before = tf.memory().numTensors;
      const fused = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t as tf.Tensor2D), dy)))(x);
      const plain = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(plainGelu(t as tf.Tensor2D), dy)))(x);
      const [yf, yp] = tf.tidy(() => [gelu(x), plainGelu(x)]);
      assert.ok(maxDiff(yf!, yp!) < 2e-5, `value ${maxDiff(yf!, yp!)}`);
      assert.ok(maxDiff(fused, plain) < 1e-5, `gradient ${maxDiff(fused, plain)}`);
      tf.dispose([fused, plain, yf!, yp!]);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, dy]);
    });
  }
}
