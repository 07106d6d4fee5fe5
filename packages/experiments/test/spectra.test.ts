import { test } from "node:test";
import assert from "node:assert/strict";
import { matrixProblem, matrixSingularValues, subsampleSteps } from "../src/analysis/index.ts";

test("subsampleSteps keeps first and last, fits maxPoints, and is stable as steps are appended", () => {
  const steps = (n: number) => Array.from({ length: n }, (_, i) => i * 50);
  assert.deepEqual(subsampleSteps(steps(5), 10), steps(5));
  for (const n of [11, 100, 101, 1000, 4097]) {
    for (const max of [2, 3, 10, 200]) {
      const picked = subsampleSteps(steps(n), max);
      assert.ok(picked.length <= max, `${n} → ${picked.length} ≤ ${max}`);
      assert.equal(picked[0], 0);
      assert.equal(picked.at(-1), (n - 1) * 50);
      assert.ok(picked.every((s, i) => i === 0 || s > picked[i - 1]!), "increasing");
    }
  }
  // Between 201 and 399 snapshots the stride stays 2: the earlier picks (all but the last) are unchanged.
  const a = subsampleSteps(steps(300), 200);
  const b = subsampleSteps(steps(351), 200);
  assert.deepEqual(b.slice(0, a.length - 1), a.slice(0, -1));
  assert.throws(() => subsampleSteps(steps(3), 1), /at least 2/);
});

test("matrixSingularValues: either orientation, descending", () => {
  // [[3,0,0],[0,-4,0]] (2×3) and its transpose: singular values 4, 3.
  const wide = [3, 0, 0, 0, -4, 0];
  assert.deepEqual([...matrixSingularValues(wide, 2, 3)].map((x) => +x.toFixed(9)), [4, 3]);
  assert.deepEqual([...matrixSingularValues([3, 0, 0, -4, 0, 0], 3, 2)].map((x) => +x.toFixed(9)), [4, 3]);
  assert.throws(() => matrixSingularValues(wide, 3, 3), /expected 9 entries/);
});

test("matrixProblem names what makes a tensor unsuitable", () => {
  assert.equal(matrixProblem("E", [32, 8]), null);
  assert.match(matrixProblem("sv", [1, 32])!, /"sv" is \[1×32\], not a matrix/);
  assert.match(matrixProblem("v", [32])!, /not a matrix/);
  assert.match(matrixProblem("W", [4, 8, 8])!, /not a matrix/);
  assert.match(matrixProblem("big", [1000, 300])!, /exceeds 256/);
});
