import { test } from "node:test";
import assert from "node:assert/strict";
import { initialState, reducer } from "../lib/state/reducer.ts";

test("finalMetrics answers merge into state.finals by run and settle their request", () => {
  let s = reducer(initialState("ws://x"), { type: "request", id: "q1", kind: "finalMetrics", runId: null, purpose: "finals" });
  s = reducer(s, { type: "server", message: { type: "finalMetrics", id: "q1", values: { a: { gap: 0.5, loss: null } } } });
  s = reducer(s, { type: "server", message: { type: "finalMetrics", id: "q2", values: { b: { gap: 0.25 } } } });
  assert.deepEqual(s.finals, { a: { gap: 0.5, loss: null }, b: { gap: 0.25 } });
  assert.deepEqual(s.pending, {});
});
