import { test } from "node:test";
import assert from "node:assert/strict";
import { initialState, reducer } from "../lib/state/reducer.ts";

test("an inspection answer replaces the last one, as matrices, and settles its request", () => {
  let s = reducer(initialState("ws://x"), { type: "request", id: "i1", kind: "inspect", runId: "r", purpose: "inspect" });
  const tensors = [{ name: "attention_layer1", shape: [2, 2], values: [1, 0, 0.25, 0.75] }];
  s = reducer(s, { type: "server", message: { type: "inspection", id: "i1", runId: "r", step: 7, input: "3 4", tensors } });
  assert.deepEqual(s.pending, {});
  assert.equal(s.inspection?.step, 7);
  assert.deepEqual(s.inspection?.tensors.map((t) => [t.name, t.data.shape, [...t.data.data]]), [["attention_layer1", [2, 2], [1, 0, 0.25, 0.75]]]);
  s = reducer(s, { type: "server", message: { type: "inspection", id: "i2", runId: "r", step: 9, input: "5", tensors: [] } });
  assert.deepEqual([s.inspection?.step, s.inspection?.tensors.length], [9, 0]);
});
