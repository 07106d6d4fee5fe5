import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { effectiveDimension } from "../src/analysis/effective-dimension.ts";
import { symmetricPart } from "../src/analysis/symmetric-part.ts";
import { bigramSource, entropy, samplePairs, zipfProbabilities } from "../src/datasets/bigram-source.ts";
import { Rng } from "../src/random.ts";
import { Trainer } from "../src/training/trainer.ts";

describe("bigram sources", () => {
  test("Zipf entropy at V = 50304, α = 1 is 7.57 nats (the unigram post's check value)", () => {
    assert.ok(Math.abs(entropy(zipfProbabilities(50304, 1)) - 7.57) < 0.005);
  });

  test("optimum losses: walk ln 2, drift 0, zipf the entropy of p", () => {
    assert.ok(Math.abs(bigramSource("walk", 10, 1).entropy - Math.LN2) < 1e-12);
    assert.equal(bigramSource("drift", 10, 1).entropy, 0);
    assert.ok(Math.abs(bigramSource("zipf", 10, 1).entropy - entropy(zipfProbabilities(10, 1))) < 1e-12);
  });

  test("sampled pairs follow the source: drift always x+1, zipf inputs by frequency", () => {
    const drift = samplePairs(bigramSource("drift", 7, 1), 500, new Rng(1));
    drift.inputs.forEach((x, i) => assert.equal(drift.targets[i], (x + 1) % 7));
    const zipf = samplePairs(bigramSource("zipf", 10, 1), 20_000, new Rng(2));
    const first = zipf.inputs.filter((x) => x === 0).length / 20_000;
    assert.ok(Math.abs(first - zipfProbabilities(10, 1)[0]!) < 0.02, `token 0 frequency ${first}`);
  });
});

describe("bigram analysis", () => {
  test("effective dimension: 1 for points on a line, d for an isotropic cloud", () => {
    const line = Float64Array.from({ length: 20 }, (_, k) => (k % 2 ? 2 : 1) * Math.floor(k / 2));
    assert.ok(Math.abs(effectiveDimension(line, 10, 2) - 1) < 1e-9);
    const square = [1, 0, -1, 0, 0, 1, 0, -1];
    assert.ok(Math.abs(effectiveDimension(square, 4, 2) - 2) < 1e-9);
  });

  test("symmetric part: negative eigenvalues counted, asymmetry 0 for symmetric A", () => {
    const { negatives, asymmetry, eigen } = symmetricPart([1, 2, 2, 1], 2);
    assert.equal(negatives, 1);
    assert.equal(asymmetry, 0);
    assert.deepEqual(Array.from(eigen.values).map((v) => Math.round(v)), [3, -1]);
  });
});

describe("warmup-decay schedule", () => {
  test("constant, then linear to lr·minLrFactor over the last decaySteps (2000 at 0.01, then to 0.001)", () => {
    const trainer = new Trainer(
      { params: {}, frozen: [], loss: () => { throw new Error("unused"); }, metrics: () => ({}), snapshot: () => [], dispose() {} },
      { lr: 0.01, schedule: "warmup-decay", totalSteps: 3000, decaySteps: 1000, minLrFactor: 0.1, warmupSteps: 10 },
    );
    assert.ok(Math.abs(trainer.learningRateAt(0) - 0.001) < 1e-12);
    assert.equal(trainer.learningRateAt(1999), 0.01);
    assert.ok(Math.abs(trainer.learningRateAt(2499) - 0.0055) < 1e-12);
    assert.ok(Math.abs(trainer.learningRateAt(2999) - 0.001) < 1e-12);
  });
});
