import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sampleCopying, tokenProbabilities, type CopyingBatch, type CopyingSpec } from "../src/datasets/copying.ts";
import { errorFloor, errorMask, maskedError } from "../src/datasets/copying-error.ts";
import { Rng } from "../src/random.ts";

const cpu: CopyingSpec = { V: 32, T: 32, minLen: 5, maxLen: 9, probs: tokenProbabilities("zipf", 32) };
const oodSpec = (L: number, T = 32, V = 32): CopyingSpec => ({ V, T, minLen: L, maxLen: L, probs: tokenProbabilities("uniform", V) });
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

/** What a perfect induction head predicts at position j: the token after the earlier occurrence of token j. */
function perfectCopier(batch: CopyingBatch): Int32Array {
  const { n, T, tokens, starts } = batch;
  const predictions = new Int32Array(n * T);
  for (let s = 0; s < n; s++) {
    const shift = starts[2 * s + 1]! - starts[2 * s]!;
    for (let j = starts[2 * s + 1]!; j < T; j++) predictions[s * T + j] = tokens[s * T + j - shift + 1]!;
  }
  return predictions;
}

describe("copying task: token distributions", () => {
  test("zipf p_i ∝ 1/(i + 2.7) for i = 1..V, most frequent first; two-level and uniform", () => {
    const zipf = tokenProbabilities("zipf", 64);
    assert.ok(Math.abs(sum(zipf) - 1) < 1e-12);
    assert.ok(Math.abs(zipf[0]! / zipf[1]! - 4.7 / 3.7) < 1e-12);
    for (let i = 1; i < 64; i++) assert.ok(zipf[i]! < zipf[i - 1]!);
    const twoLevel = tokenProbabilities("two-level", 64);
    assert.deepEqual([twoLevel[0], twoLevel[3], twoLevel[4]], [1 / 8, 1 / 8, 1 / 120]);
    assert.ok(Math.abs(sum(twoLevel) - 1) < 1e-12);
    assert.ok(tokenProbabilities("uniform", 10).every((p) => p === 0.1));
  });

  test("sampled background tokens follow the distribution", () => {
    const batch = sampleCopying(cpu, 2000, new Rng(1));
    const counts = new Float64Array(32);
    for (const t of batch.tokens) counts[t]!++;
    const p = cpu.probs;
    for (const i of [0, 1, 5, 31]) {
      const freq = counts[i]! / batch.tokens.length;
      assert.ok(Math.abs(freq - p[i]!) < 0.01, `token ${i}: ${freq.toFixed(4)} vs ${p[i]!.toFixed(4)}`);
    }
  });
});

describe("copying task: sequences", () => {
  test("one pattern of length L ∈ [min, max] written twice at g0 and g1 + L with g0 < g1 < T − 2L", () => {
    const batch = sampleCopying(cpu, 500, new Rng(2));
    const seen = new Set<number>();
    for (let s = 0; s < batch.n; s++) {
      const L = batch.lengths[s]!;
      const [start1, start2] = [batch.starts[2 * s]!, batch.starts[2 * s + 1]!];
      seen.add(L);
      const [g0, g1] = [start1, start2 - L];
      assert.ok(g0 >= 0 && g0 < g1 && g1 < cpu.T - 2 * L, `gaps ${g0}, ${g1} at L = ${L}`);
      for (let i = 0; i < L; i++) assert.equal(batch.tokens[s * 32 + start1 + i], batch.tokens[s * 32 + start2 + i]);
      assert.ok(start2 + L <= cpu.T - 1, "a background token follows the second copy");
    }
    assert.deepEqual([...seen].sort(), [5, 6, 7, 8, 9]);
  });

  test("reproducible from the seed; a fresh batch on every call", () => {
    const a = sampleCopying(cpu, 8, new Rng(3));
    const b = sampleCopying(cpu, 8, new Rng(3));
    assert.deepEqual(a, b);
    const rng = new Rng(3);
    sampleCopying(cpu, 8, rng);
    assert.notDeepEqual(sampleCopying(cpu, 8, rng).tokens, a.tokens);
  });

  test("refuses sequences too short for two copies", () => {
    assert.throws(() => sampleCopying(oodSpec(16, 33), 1, new Rng(0)), /too short/);
    assert.doesNotThrow(() => sampleCopying(oodSpec(16, 34), 1, new Rng(0)));
  });
});

describe("copying task: the source's error mask and its floor", () => {
  test("the mask covers start2 + burn … start2 + L − 1", () => {
    const batch = sampleCopying(cpu, 50, new Rng(4));
    const mask = errorMask(batch, 2);
    for (let s = 0; s < batch.n; s++) {
      const start2 = batch.starts[2 * s + 1]!;
      const L = batch.lengths[s]!;
      const row = Array.from(mask.subarray(s * 32, s * 32 + 32));
      assert.deepEqual(row, row.map((_, j) => (j >= start2 + 2 && j < start2 + L ? 1 : 0)));
    }
  });

  test("the floor is 1/(L − burn): 1/21 at the source's OOD (L = 25, burn 4, T = 64), 1/10 for the CPU variant", () => {
    const source = sampleCopying(oodSpec(25, 64, 64), 100, new Rng(5));
    assert.ok(Math.abs(errorFloor(source, errorMask(source, 4)) - 1 / 21) < 1e-12);
    const variant = sampleCopying(oodSpec(12), 100, new Rng(6));
    assert.ok(Math.abs(errorFloor(variant, errorMask(variant, 2)) - 0.1) < 1e-12);
  });

  test("quirk kept: a perfect copier scores the floor (less the lucky guesses), the true next token scores 0", () => {
    const batch = sampleCopying(oodSpec(12), 400, new Rng(7));
    const mask = errorMask(batch, 2);
    const copier = maskedError(batch, mask, perfectCopier(batch));
    const floor = errorFloor(batch, mask);
    assert.ok(copier <= floor && copier > floor * 0.9, `copier ${copier}, floor ${floor}`);
    const truth = Int32Array.from(batch.tokens, (_, i) => batch.tokens[i + 1] ?? 0);
    assert.equal(maskedError(batch, mask, truth), 0);
    assert.equal(maskedError(batch, mask, new Int32Array(batch.tokens.length).fill(-1)), 1);
  });
});
