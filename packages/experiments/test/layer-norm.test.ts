import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { layerNorm, opsLayerNorm } from "../src/models/transformer/layer-norm.ts";
import { Rng } from "../src/random.ts";

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ["cpu", "wasm"]) {
  for (const d of [32, 6]) { // 6: not a multiple of 4, the JS loop on wasm too
    test(`${backend}: the fused LayerNorm equals the tfjs-ops one, value and gradients in x, gain and bias (d ${d})`, async () => {
      assert.ok(await tf.setBackend(backend));
      const rng = new Rng(d);
      const rows = 10;
      const x = tf.tensor2d(Float32Array.from(rng.normals(rows * d, 3), (v, i) => v + (i % d) * 0.5), [rows, d]);
      const [gain, bias] = [tf.tensor1d(rng.normals(d)), tf.tensor1d(rng.normals(d))];
      const dy = tf.tensor2d(rng.normals(rows * d), [rows, d]);
      const before = tf.memory().numTensors;
      const grads = (f: typeof layerNorm) => tf.grads((a, b, c) => tf.sum(tf.mul(f(a as tf.Tensor2D, b, c), dy)))([x, gain, bias]);
      const [fused, ops] = [grads(layerNorm), grads(opsLayerNorm)];
      const [yf, yo] = tf.tidy(() => [layerNorm(x, gain, bias), opsLayerNorm(x, gain, bias)]);
      assert.ok(maxDiff(yf!, yo!) < 1e-5, "value");
      ["x", "gain", "bias"].forEach((name, i) => assert.ok(maxDiff(fused[i]!, ops[i]!) < 1e-4, `d${name}: ${maxDiff(fused[i]!, ops[i]!)}`));
      tf.dispose([...fused, ...ops, yf!, yo!]);
      assert.equal(tf.memory().numTensors, before, "nothing left behind");
      tf.dispose([x, gain, bias, dy]);
    });
  }
}
