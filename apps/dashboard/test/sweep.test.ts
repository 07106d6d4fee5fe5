import { test } from "node:test";
import assert from "node:assert/strict";
import { sweepOf, variedKeys } from "../lib/sweep.ts";
import type { RunView } from "../lib/state/types.ts";

const run = (id: string, config: RunView["config"]): RunView => ({
  id,
  experiment: "low-rank-bigram",
  config,
  state: "finished",
  reason: null,
  step: 100,
  totalSteps: 100,
  backend: "cpu",
  createdAt: 0,
  updatedAt: 0,
  references: {},
  parent: null,
});

const near = (a: number | null, b: number, tol = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("gap ∝ N^-2 over N = 1, 2, 4, 8 gives slope -2; seeds are separate points, averaged geometrically per N", () => {
  const runs: RunView[] = [];
  const finals: Record<string, Record<string, number | null>> = {};
  for (const N of [1, 2, 4, 8]) {
    for (const seed of [0, 1]) {
      const id = `N${N}s${seed}`;
      runs.push(run(id, { V: 100, R: 20, N, seed }));
      // The seeds scatter by ×2 and ÷2 around 3/N²: their geometric mean is exactly 3/N².
      finals[id] = { gap: (3 / N ** 2) * (seed ? 2 : 0.5), loss: 1 };
    }
  }
  const sweep = sweepOf(runs, finals, "gap", "N");
  assert.equal(sweep.series.length, 1);
  const [s] = sweep.series;
  assert.equal(s!.label, "");
  assert.equal(s!.runs.length, 8);
  assert.deepEqual(s!.means.map((m) => m.x), [1, 2, 4, 8]);
  assert.deepEqual(s!.means.map((m) => m.replicates), [2, 2, 2, 2]);
  near(s!.means[1]!.geoMean, 3 / 4);
  near(s!.means[1]!.mean, (3 / 4) * 1.25);
  near(s!.slope, -2);
  near(s!.intercept, Math.log(3));
  assert.equal(sweep.skipped, 0);
  assert.equal(sweep.pending, 0);
});

test("runs that differ in another key form separate series, labelled by what differs", () => {
  const runs = [1, 2, 4].flatMap((N) => [run(`a${N}`, { R: 5, V: 10, N }), run(`b${N}`, { R: 20, V: 10, N })]);
  const finals = Object.fromEntries(runs.map((r) => [r.id, { gap: (r.config.R as number) * (r.config.N as number) }]));
  const sweep = sweepOf(runs, finals, "gap", "N");
  assert.deepEqual(sweep.series.map((s) => s.label), ["R=5", "R=20"]);
  for (const s of sweep.series) near(s.slope, 1);
});

test("missing finals are pending; non-finite or absent values are skipped; ≤ 0 values are kept but not fitted", () => {
  const runs = [run("a", { N: 1 }), run("b", { N: 2 }), run("c", { N: 4 }), run("d", { N: 8 }), run("e", { other: 1 }), run("f", { N: 16 })];
  const finals = { a: { gap: 1 }, b: { gap: 0.5 }, c: { gap: null }, d: { gap: -1 }, e: { gap: 1 } };
  const sweep = sweepOf(runs, finals, "gap", "N");
  assert.equal(sweep.pending, 1);
  assert.equal(sweep.skipped, 2);
  const [s] = sweep.series;
  assert.deepEqual(s!.runs.map((r) => r.x), [1, 2, 8]);
  assert.equal(s!.means[2]!.geoMean, null);
  near(s!.slope, -1);
});

test("a single x cannot be fitted", () => {
  const sweep = sweepOf([run("a", { N: 3, seed: 0 }), run("b", { N: 3, seed: 1 })], { a: { gap: 1 }, b: { gap: 2 } }, "gap", "N");
  assert.equal(sweep.series[0]!.slope, null);
});

test("variedKeys: numeric keys with two or more values, most values first, seeds excluded", () => {
  const runs = [run("a", { N: 1, V: 10, seed: 0, mode: "x" }), run("b", { N: 2, V: 10, seed: 1, mode: "y" }), run("c", { N: 3, V: 20, seed: 2 })];
  assert.deepEqual(variedKeys(runs), ["N", "V"]);
});
