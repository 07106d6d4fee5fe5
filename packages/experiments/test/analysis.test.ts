import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { circleOrderScore } from "../src/analysis/index.ts";
import { Rng } from "../src/random.ts";

const circle = (order: number[], radius = 3, phase = 0.4, dim = 2) => {
  const p = order.length;
  const pts = new Float32Array(p * dim);
  order.forEach((token, k) => {
    pts[token * dim] = 5 + radius * Math.cos(phase + (2 * Math.PI * k) / p);
    pts[token * dim + 1] = -2 + radius * Math.sin(phase + (2 * Math.PI * k) / p);
  });
  return pts;
};

describe("circleOrderScore", () => {
  const p = 29;
  const identity = Array.from({ length: p }, (_, i) => i);

  test("an ordered circle scores 1 in either orientation, wherever it sits and however large", () => {
    assert.equal(circleOrderScore(circle(identity), p, 2), 1);
    assert.equal(circleOrderScore(circle([...identity].reverse(), 0.01, 2.0), p, 2), 1);
    assert.equal(circleOrderScore(circle(identity, 3, 0.4, 4), p, 4), 1, "extra dimensions are ignored");
  });

  test("the diag(-1,-1) arrangement (consecutive tokens ~14/29 of a turn apart) is a circle, not an ordered one", () => {
    const stride = Array.from({ length: p }, (_, k) => (k * 2) % p); // token at angular slot k
    assert.ok(circleOrderScore(circle(stride), p, 2) < 0.2);
  });

  test("a random arrangement scores low", () => {
    const rng = new Rng(3);
    const shuffled = [...identity].sort(() => rng.next() - 0.5);
    assert.ok(circleOrderScore(circle(shuffled), p, 2) < 0.3);
  });
});
