import { test } from "node:test";
import assert from "node:assert/strict";
import { ShardSchedule } from "../src/training/shards.ts";

/** Runs `steps` steps with the given per-mode times; returns how each step ran. */
function run(schedule: ShardSchedule, steps: number, ms: (split: boolean, step: number) => number): boolean[] {
  return Array.from({ length: steps }, (_, i) => {
    const split = schedule.next();
    schedule.record(split, ms(split, i));
    return split;
  });
}

test("probes one thread, then split steps, and keeps the faster; probes again every period", () => {
  const s = new ShardSchedule(100, 5);
  const modes = run(s, 100, (split) => (split ? 6 : 10));
  assert.deepEqual(modes.slice(0, 10), [false, false, false, false, false, true, true, true, true, true]);
  assert.ok(modes.slice(10).every(Boolean), "split steps were faster: kept");
  // The machine got busy: split steps now take longer than one thread's.
  const later = run(s, 200, (split) => (split ? 25 : 12));
  assert.deepEqual(later.slice(0, 10), [false, false, false, false, false, true, true, true, true, true], "the next probe");
  assert.ok(later.slice(10, 100).every((m) => !m), "one thread from then on");
  assert.ok(later.slice(110).every((m) => !m), "and after the following probe too");
});

test("a medians' choice: one slow outlier (a first step's compile) does not decide", () => {
  const s = new ShardSchedule(1000, 5);
  const modes = run(s, 20, (split, i) => (i === 0 ? 500 : split ? 9 : 8));
  assert.ok(modes.slice(10).every((m) => !m), "one thread was faster apart from its first step");
});

test("probe 0: every step split", () => {
  assert.ok(run(new ShardSchedule(1, 0), 10, () => 1).every(Boolean));
});
