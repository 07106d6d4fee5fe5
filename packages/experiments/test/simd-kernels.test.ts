import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { generatedSource, OUTPUT_PATH } from "../../../scripts/build-wasm-kernels.ts";
import { shareIdentityOnWasm } from "../src/training/shared-identity.ts";
import { simdKernelsOn } from "../src/training/simd/simd-kernels.ts";
import { Rng } from "../src/random.ts";

test("the committed SIMD kernels binary is kernels.wat compiled (run `npm run build:kernels` after editing it)", async () => {
  assert.equal(readFileSync(OUTPUT_PATH, "utf8"), await generatedSource());
});

test("wasm: the SIMD kernels instantiate on the backend's own memory and work on tensors in place", async () => {
  assert.ok(await tf.setBackend("wasm"));
  const backend = tf.backend() as unknown as { wasm: { asm: { memory: object } }; typedArrayFromHeap(t: tf.TensorInfo): Float32Array };
  const simd = simdKernelsOn(backend.wasm.asm.memory);
  assert.ok(simd, "wasm SIMD available in Node 20");
  // Adam's first step from m = v = 0 moves each weight by −lr·sign(g) (up to ε), whatever |g|; 7 floats: the tail too.
  const x = tf.tensor1d([1, 2, 3, 4, 5, 6, 7]);
  const g = tf.tensor1d([0.5, -2, 3, -4e-3, 5, -6, 70]);
  const zeros = tf.zeros([7]);
  const [ox, om, ov] = [tf.zeros([7]), tf.zeros([7]), tf.zeros([7])].map((t) => tf.add(t, 0));
  const at = (t: tf.Tensor) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).byteOffset;
  simd.adam(at(x), at(g), at(zeros), at(zeros), at(ox!), at(om!), at(ov!), 7, 0.9, 0.999, 0.1, 0.001, 0.1, 0.001, 1e-8, -0.01, 1);
  const moved = Array.from(ox!.dataSync(), (v, i) => v - (i + 1));
  assert.deepEqual(moved.map((d) => Math.round(d * 1e4) / 1e4), [-0.01, 0.01, -0.01, 0.01, -0.01, 0.01, -0.01]);
  assert.deepEqual(Array.from(om!.dataSync()), Array.from(g.dataSync(), (v) => Math.fround(Math.fround(v) * Math.fround(0.1))));
  tf.dispose([x, g, zeros, ox!, om!, ov!]);
});

test("wasm: Identity shares its input's data instead of copying it, and the copy outlives the original", async () => {
  assert.ok(await tf.setBackend("wasm"));
  shareIdentityOnWasm();
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const buffers = tf.backend().numDataIds();
  const y = tf.clone(x);
  assert.equal(tf.backend().numDataIds(), buffers, "no new buffer for the clone");
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
  y.dispose();
  assert.equal(tf.backend().numDataIds(), buffers - 1, "the buffer is freed with its last tensor");
});

test("wasm: the SIMD GEMM equals tf.matMul (4×8 blocks, leftover rows and columns)", async () => {
  assert.ok(await tf.setBackend("wasm"));
  const backend = tf.backend() as unknown as { wasm: { asm: { memory: object } }; typedArrayFromHeap(t: tf.TensorInfo): Float32Array };
  const simd = simdKernelsOn(backend.wasm.asm.memory)!;
  const at = (t: tf.Tensor) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).byteOffset;
  const rng = new Rng(10);
  for (const [M, K, N] of [[15, 128, 128], [4, 4, 4], [17, 9, 12], [3, 5, 8]] as const) {
    const [a, b, c] = [tf.tensor2d(rng.normals(M * K), [M, K]), tf.tensor2d(rng.normals(K * N), [K, N]), tf.zeros([M, N]).add(0)];
    simd.gemm(at(a), at(b), at(c), M, K, N);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(c, tf.matMul(a, b)))).dataSync()[0]!);
    assert.ok(gap < 1e-4, `[${M},${K}]·[${K},${N}]: off by ${gap}`);
    tf.dispose([a, b, c]);
  }
});
