import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { rotatePairs, rotatePairsAvailable } from "../src/models/transformer/rotate.ts";
import { pairSwap, ropeTables } from "../src/models/transformer/rope.ts";
import { Rng } from "../src/random.ts";

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the fused RoPE rotation equals x ⊙ cos + (x·S) ⊙ sin, value and gradient`, async () => {
    assert.ok(await tf.setBackend(backend));
    assert.ok(rotatePairsAvailable());
    const [T, d] = [6, 8];
    const { cos, sin } = ropeTables(T, d, 10_000);
    const [C, S, swap] = [tf.tensor2d(cos, [T, d]), tf.tensor2d(sin, [T, d]), tf.tensor2d(pairSwap(d), [d, d])];
    const rng = new Rng(4);
    const [x, dy] = [tf.tensor2d(rng.normals(T * d), [T, d]), tf.tensor2d(rng.normals(T * d), [T, d])];
    const reference = (v: tf.Tensor) => tf.add(tf.mul(v, C), tf.mul(tf.matMul(v as tf.Tensor2D, swap), S));
    const [yf, yr] = tf.tidy(() => [rotatePairs(x, C, S), reference(x)]);
    assert.ok(maxDiff(yf!, yr!) < 1e-6, "value");
    const gf = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(rotatePairs(v as tf.Tensor2D, C, S), dy)))(x);
    const gr = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(reference(v), dy)))(x);
    assert.ok(maxDiff(gf, gr) < 1e-6, "gradient");
    tf.dispose([C, S, swap, x, dy, yf!, yr!, gf, gr]);
  });
}
