import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { Triangle, simdKernelsOn, type SimdKernels } from "../src/training/simd/simd-kernels.ts";
import { causalBias } from "../src/models/transformer/rope.ts";
import { Rng } from "../src/random.ts";

/*
 * The SIMD kernels the attention-only transformer's fused step uses (attention-only-kernel.ts) against tfjs ops:
 * the strided GEMM (strides, accumulation, causal shortcuts), causal softmax and its backward pass, bias and sums.
 */

interface Heap {
  simd: SimdKernels;
  /** A tensor's pointer on the wasm heap. */
  at(t: tf.Tensor): number;
}

async function heap(): Promise<Heap> {
  assert.ok(await tf.setBackend("wasm"));
  const backend = tf.backend() as unknown as { wasm: { asm: { memory: object } }; typedArrayFromHeap(t: tf.TensorInfo): Float32Array };
  const simd = simdKernelsOn(backend.wasm.asm.memory);
  assert.ok(simd, "wasm SIMD available in Node 20");
  return { simd, at: (t) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).byteOffset };
}

const rng = new Rng(11);
const random = (shape: number[]) => tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape);
/** A writable copy (tfjs may share a constant's buffer). */
const writable = (t: tf.Tensor) => tf.add(t, 0);
const gapOf = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
/** Lower-triangular mask [n, n]: 1 where column ≤ row. */
const lower = (n: number) => tf.tensor2d(Float32Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0)), [n, n]);

test("wasm: gemm_strided equals tf.matMul through strides (sub-blocks of wider matrices, Aᵀ) and accumulates", async () => {
  const { simd, at } = await heap();
  for (const [M, K, N] of [[32, 32, 32], [20, 28, 12], [7, 5, 8], [64, 1024, 32]] as const) {
    // A as the left [M, K] block of [M, K + 3], B and C as the left blocks of [K, N + 4] and [M, N + 8].
    const [aWide, bWide, c] = [random([M, K + 3]), random([K, N + 4]), writable(random([M, N + 8]))];
    const before = tf.clone(c);
    simd.gemm_strided(at(aWide), at(bWide), at(c), M, K, N, K + 3, 1, N + 4, N + 8, 0, Triangle.none);
    const [a, b] = [tf.slice(aWide, [0, 0], [M, K]), tf.slice(bWide, [0, 0], [K, N])];
    const expected = tf.matMul(a, b);
    assert.ok(gapOf(tf.slice(c, [0, 0], [M, N]), expected) < 1e-3, `[${M},${K}]·[${K},${N}] strided`);
    assert.equal(gapOf(tf.slice(c, [0, N], [M, 8]), tf.slice(before, [0, N], [M, 8])), 0, "columns past N untouched");
    // Aᵀ of a row-major [K, M] matrix, accumulated into C.
    const at_ = tf.transpose(a);
    simd.gemm_strided(at(at_), at(bWide), at(c), M, K, N, 1, M, N + 4, N + 8, 1, Triangle.none);
    assert.ok(gapOf(tf.slice(c, [0, 0], [M, N]), tf.mul(expected, 2)) < 2e-3, `[${M},${K}]ᵀ·[${K},${N}] accumulated`);
    tf.dispose([aWide, bWide, c, before, a, b, expected, at_]);
  }
});

test("wasm: gemm_strided's causal shortcuts give the full product where it is used", async () => {
  const { simd, at } = await heap();
  for (const [T, d] of [[32, 32], [28, 20], [12, 8], [4, 4], [36, 16]] as const) {
    const mask = lower(T);
    const P = tf.mul(random([T, T]), mask); // lower triangular, as attention probabilities are
    const [v, q] = [random([T, d]), random([T, d])];
    const out = writable(tf.zeros([T, d]));
    // lowerA: P·v
    simd.gemm_strided(at(P), at(v), at(out), T, T, d, T, 1, d, d, 0, Triangle.lowerA);
    assert.ok(gapOf(out, tf.matMul(P, v)) < 1e-3, `T ${T}, d ${d}: P·v`);
    // upperA: Pᵀ·v, reading P through transposed strides
    simd.gemm_strided(at(P), at(v), at(out), T, T, d, 1, T, d, d, 0, Triangle.upperA);
    assert.ok(gapOf(out, tf.matMul(P, v, true)) < 1e-3, `T ${T}, d ${d}: Pᵀ·v`);
    // lowerC: q·kᵀ where key ≤ query (the rest is not read)
    const kt = random([d, T]);
    const scores = writable(tf.zeros([T, T]));
    simd.gemm_strided(at(q), at(kt), at(scores), T, d, T, d, 1, T, T, 0, Triangle.lowerC);
    assert.ok(gapOf(tf.mul(scores, mask), tf.mul(tf.matMul(q, kt), mask)) < 1e-3, `T ${T}, d ${d}: q·kᵀ's lower triangle`);
    tf.dispose([mask, P, v, q, out, kt, scores]);
  }
});

test("wasm: softmax_causal is tf.softmax under the additive causal mask, and ignores what lies above the diagonal", async () => {
  const { simd, at } = await heap();
  for (const [B, T] of [[3, 32], [2, 12], [1, 4]] as const) {
    const s = random([B * T, T]);
    const bias = tf.tile(tf.tensor2d(causalBias(T), [T, T]), [B, 1]);
    const expected = tf.softmax(tf.add(s, bias));
    // Garbage above the diagonal, as the lowerC product leaves it: NaN must not leak in.
    const garbage = writable(tf.where(tf.less(bias, 0), tf.fill(s.shape, NaN), s));
    const p = writable(tf.zeros(s.shape));
    simd.softmax_causal(at(garbage), at(p), B * T, T);
    assert.ok(gapOf(p, expected) < 1e-6, `B ${B}, T ${T}`);
    simd.softmax_causal(at(garbage), at(garbage), B * T, T);
    assert.ok(gapOf(garbage, expected) < 1e-6, `B ${B}, T ${T}: in place`);
    tf.dispose([s, bias, expected, garbage, p]);
  }
});

test("wasm: softmax_backward is softmax's gradient (in place too); add_bias and add_to add", async () => {
  const { simd, at } = await heap();
  const [rows, cols] = [24, 12];
  const s = random([rows, cols]);
  const dp = random([rows, cols]);
  const p = tf.softmax(s);
  const expected = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.softmax(x), dp)))(s);
  const ds = writable(tf.zeros([rows, cols]));
  simd.softmax_backward(at(p), at(dp), at(ds), rows, cols);
  assert.ok(gapOf(ds, expected) < 1e-5);
  const inPlace = writable(dp);
  simd.softmax_backward(at(p), at(inPlace), at(inPlace), rows, cols);
  assert.ok(gapOf(inPlace, expected) < 1e-5, "in place");

  const [x, b] = [writable(random([rows, cols])), random([cols])];
  const xb = tf.add(x, b);
  simd.add_bias(at(x), at(b), rows, cols);
  assert.ok(gapOf(x, xb) < 1e-6, "add_bias");
  const y = writable(random([rows, cols]));
  const sum = tf.add(x, y);
  simd.add_to(at(x), at(y), rows * cols);
  assert.ok(gapOf(y, sum) < 1e-6, "add_to");
  tf.dispose([s, dp, p, expected, ds, inPlace, x, b, xb, y, sum]);
});

test("wasm: gather_rows looks rows up by float indices; scatter_add_rows adds them back, repeated indices summed", async () => {
  const { simd, at } = await heap();
  const [V, d, rows] = [6, 8, 20];
  const table = random([V, d]);
  const index = Array.from({ length: rows }, (_, r) => (r * 5) % V); // every row used, most several times
  const indices = tf.tensor1d(index);
  const out = writable(tf.zeros([rows, d]));
  simd.gather_rows(at(table), at(indices), at(out), rows, d);
  const expected = tf.gather(table, tf.tensor1d(index, "int32"));
  assert.equal(gapOf(out, expected), 0, "gather_rows");
  const x = random([rows, d]);
  const sums = writable(tf.zeros([V, d]));
  simd.scatter_add_rows(at(x), at(indices), at(sums), rows, d);
  const oneHot = tf.oneHot(tf.tensor1d(index, "int32"), V).toFloat();
  assert.ok(gapOf(sums, tf.matMul(oneHot, x, true)) < 1e-5, "scatter_add_rows");
  tf.dispose([table, indices, out, expected, x, sums, oneHot]);
});
