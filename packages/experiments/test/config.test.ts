import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bigramCircle, ConfigError, Rng } from "../src/index.ts";

describe("experiment configs", () => {
  test("defaults are the seed's (EXPERIMENTS.md §1)", () => {
    const c = bigramCircle.resolveConfig({});
    assert.equal(c.p, 29);
    assert.equal(c.n_embd, 2);
    assert.equal(c.lr, 0.01);
    assert.equal(c.steps, 20_000);
    assert.equal(c.data, "exact");
  });

  test("bad values are refused by key", () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ p: 1 }, /config\.p: 1 is below the minimum 2/],
      [{ p: 2.5 }, /config\.p: expected an integer/],
      [{ w_mode: "sideways" }, /config\.w_mode: expected one of/],
      [{ lr: "fast" }, /config\.lr: expected a finite number/],
      [{ colour: 3 }, /config\.colour: unknown key/],
    ];
    for (const [partial, message] of bad) {
      assert.throws(() => bigramCircle.resolveConfig(partial as never), (e: unknown) => e instanceof ConfigError && message.test(e.message));
    }
  });
});

describe("seeded RNG", () => {
  test("same seed, same stream; normals have mean ≈ 0 and variance ≈ 1", () => {
    assert.deepEqual(new Rng(7).normals(5), new Rng(7).normals(5));
    assert.notDeepEqual(new Rng(7).normals(5), new Rng(8).normals(5));
    const xs = new Rng(1).normals(20_000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, variance ${variance}`);
  });
});
