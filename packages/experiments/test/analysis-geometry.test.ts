import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  cosineMatrix, fiedlerDirectionCoordinates, geometricLevel, geometricMargin, gram, graphSpectrum, principalCoordinates,
  skewedLogits, topKRecovery, topKRows, topOneCeiling, twoHopCosine,
} from "../src/analysis/index.ts";
import { cycle, pathStar } from "../src/datasets/graphs.ts";
import { directedPairs, outNeighbours } from "../src/datasets/graphs-edges.ts";
import { Rng } from "../src/random.ts";

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;
const n = 15;
const g = cycle(n);
const pairs = directedPairs(g, "both", false);

/** Node i at angle 2πi/n·step on a circle of radius r, in d dimensions (the rest zero). */
function circle(d: number, r = 2, step = 1): Float64Array {
  const E = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    E[i * d] = r * Math.cos((2 * Math.PI * i * step) / n);
    E[i * d + 1] = r * Math.sin((2 * Math.PI * i * step) / n);
  }
  return E;
}

const identity = (d: number, sign = 1) => Float64Array.from({ length: d * d }, (_, k) => (k % (d + 1) === 0 ? sign : 0));
const dist = (pts: ArrayLike<number>, dim: number, a: number, b: number, cols = dim) =>
  Math.hypot(...Array.from({ length: cols }, (_, j) => pts[a * dim + j]! - pts[b * dim + j]!));

describe("geometry of an embedding", () => {
  test("a circle in graph order: edge cosine cos(2π/n), 2-hop cosine cos(4π/n)", () => {
    const cos = cosineMatrix(circle(3), n, 3);
    for (let i = 0; i < n; i++) assert.ok(close(cos[i * n + i]!, 1));
    assert.ok(close(geometricLevel(cos, g), Math.cos((2 * Math.PI) / n)));
    assert.ok(close(twoHopCosine(cos, g), Math.cos((4 * Math.PI) / n)));
  });

  test("the zig-zag (i at angle ≈ π·i): negative edge cosine, positive 2-hop cosine", () => {
    const cos = cosineMatrix(circle(2, 1, (n - 1) / 2), n, 2);
    assert.ok(geometricLevel(cos, g) < -0.9);
    assert.ok(twoHopCosine(cos, g) > 0.9);
  });

  test("top-k edge recovery from E·Eᵀ: top-1 hits half the directed edges, top-5 all of them", () => {
    const scores = gram(circle(2), n, 2);
    assert.equal(topKRecovery(scores, n, pairs, 1, true), 50);
    assert.equal(topKRecovery(scores, n, pairs, 5, true), 100);
    assert.equal(topKRecovery(scores, n, pairs, 1, false), 0, "with self allowed, every node ranks itself first");
    assert.equal(topOneCeiling(pairs), 50);
    assert.ok(close(topOneCeiling(directedPairs(pathStar(4, 5), "both", false)), (100 * 17) / 32));
  });
});

describe("geometric margin", () => {
  const neighbours = outNeighbours(n, pairs);

  test("W = I keeps E·Eᵀ (positive margin); W = −I flips it (negative margin)", () => {
    const d = 4;
    const E = circle(d);
    const skewed = skewedLogits(E, identity(d), n, d);
    const direct = gram(E, n, d);
    direct.forEach((x, k) => assert.ok(close(skewed[k]!, x, 1e-9)));
    const plus = geometricMargin(E, identity(d), n, d, neighbours);
    assert.ok(close(plus.margin, 4 * (Math.cos((2 * Math.PI) / n) - Math.cos((4 * Math.PI) / n)), 1e-9));
    assert.equal(plus.top1, 100);
    assert.ok(geometricMargin(E, identity(d, -1), n, d, neighbours).margin < 0);
  });

  test("only W's action along E's singular directions counts", () => {
    const d = 4;
    const W = identity(d);
    W[2 * d + 2] = -50; // a direction E does not use
    assert.ok(close(geometricMargin(circle(d), W, n, d, neighbours).margin, geometricMargin(circle(d), identity(d), n, d, neighbours).margin));
  });
});

describe("embedding views", () => {
  test("principal coordinates keep the distances of a rank-2 embedding, wherever it sits", () => {
    const d = 6;
    const rng = new Rng(2);
    const E = circle(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) E[i * d + j]! += j === 4 ? 7 : 0; // offset
    const shuffled = new Float64Array(n * d); // rotate: swap coordinate 1 into 3
    for (let i = 0; i < n; i++) (shuffled[i * d] = E[i * d]!), (shuffled[i * d + 3] = E[i * d + 1]!), (shuffled[i * d + 4] = E[i * d + 4]!);
    const pc = principalCoordinates(shuffled, n, d, 3);
    for (let k = 0; k < 10; k++) {
      const a = rng.int(n);
      const b = rng.int(n);
      assert.ok(close(dist(pc, 3, a, b), dist(shuffled, d, a, b), 1e-5));
    }
    for (let i = 0; i < n; i++) assert.ok(Math.abs(pc[i * 3 + 2]!) < 1e-5, "third axis empty");
  });

  test("Fiedler-direction coordinates of a Fiedler embedding draw the cycle's circle", () => {
    const d = 3;
    const E = circle(d);
    const xyz = fiedlerDirectionCoordinates(E, d, graphSpectrum(g));
    for (let a = 0; a < n; a++) assert.ok(close(dist(xyz, 3, a, (a + 1) % n, 2), dist(E, d, a, (a + 1) % n), 1e-5));
  });
});

test("topKRows picks what a full sort by score (ties: lower id first) would, for every k and with self excluded", () => {
  const rng = new Rng(11);
  const n = 23;
  const scores = Float32Array.from({ length: n * n }, () => rng.int(6)); // many ties
  for (const excludeSelf of [false, true]) {
    for (const k of [0, 1, 2, 5, n]) {
      const sorted = Array.from({ length: n }, (_, u) =>
        Array.from({ length: n }, (_, v) => v).filter((v) => !(excludeSelf && v === u))
          .sort((a, b) => scores[u * n + b]! - scores[u * n + a]! || a - b).slice(0, k));
      assert.deepEqual(topKRows(scores, n, k, excludeSelf), sorted, `k ${k}, excludeSelf ${excludeSelf}`);
    }
  }
});
