import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { crossEntropy } from "../src/models/cross-entropy.ts";
import { Rng } from "../src/random.ts";

/** The definition, in tfjs ops and autodiff: −Σ w ⊙ log softmax(z) / divisor. */
const reference = (z: tf.Tensor2D, w: tf.Tensor2D, divisor: number) => tf.div(tf.neg(tf.sum(tf.mul(w, tf.logSoftmax(z)))), divisor) as tf.Scalar;

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ["cpu", "wasm"]) {
  for (const cols of [11, 12, 16]) { // rows of 8 + 3, 8 + 4 and 2 × 8 floats: every path of the SIMD exp
    test(`${backend}: the fused cross-entropy kernels give the definition's loss and gradient (${cols} columns; soft, one-hot and missing targets, large logits)`, async () => {
      assert.ok(await tf.setBackend(backend));
      const rng = new Rng(3);
      const rows = 7;
      const z = tf.tensor2d(rng.normals(rows * cols, 30), [rows, cols]); // scale 30: a naive log(softmax) would underflow
      const w = new Float32Array(rows * cols);
      for (let c = 0; c < cols; c++) w[c] = 1 / cols; // row 0: soft, uniform
      w[cols + 4] = 1; // row 1: one-hot
      w[2 * cols + 1] = 0.25; // row 2: weighted
      w[2 * cols + 9] = 0.5;
      // rows 3–6: no target (no loss, no gradient)
      const weights = tf.tensor2d(w, [rows, cols]);
      const before = tf.memory().numTensors;
      const fused = tf.valueAndGrad((x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, weights, 3))(z);
      const plain = tf.valueAndGrad((x: tf.Tensor) => reference(x as tf.Tensor2D, weights, 3))(z);
      const [lf, lp] = [fused.value.dataSync()[0]!, plain.value.dataSync()[0]!];
      assert.ok(Number.isFinite(lf) && Math.abs(lf - lp) <= 1e-5 * Math.abs(lp), `loss ${lf} vs ${lp}`);
      assert.ok(maxDiff(fused.grad, plain.grad) < 1e-6, "gradient");
      assert.deepEqual(Array.from(fused.grad.dataSync().slice(3 * cols)), new Array(4 * cols).fill(0), "target-less rows get no gradient");
      // A scaled upstream gradient scales it (the loss inside a larger expression).
      const doubled = tf.grad((x: tf.Tensor) => tf.mul(crossEntropy(x as tf.Tensor2D, weights, 3), 2))(z);
      assert.ok(tf.tidy(() => maxDiff(doubled, tf.mul(plain.grad, 2))) < 2e-6, "chain rule through dy");
      tf.dispose([fused.value, fused.grad, plain.value, plain.grad, doubled]);
      assert.equal(tf.memory().numTensors, before, "nothing left behind");
      tf.dispose([z, weights]);
    });
  }
}
