import { test } from "node:test";
import assert from "node:assert/strict";
import type { ExperimentInfo, ServerMessage } from "@orrery/protocol";
import { initialState, reducer, toRunView } from "../lib/state/reducer.ts";
import { commonMetricKeys, metricsFor } from "../lib/state/selectors.ts";
import { spectrumRows, spectrumTensors } from "../lib/state/spectrum.ts";
import { emptyRunData } from "../lib/state/reducer.ts";

const runView = (config: Record<string, number>) =>
  toRunView({
    runId: "r1", experiment: "x", config, state: "running", reason: null, step: 0, totalSteps: 10, lastSeq: 0,
    backend: "cpu", createdAt: 0, updatedAt: 0, references: {},
  });

test("sharpness is charted once a run has recorded it or its config schedules it, after the experiment's metrics", () => {
  const experiment: ExperimentInfo = { id: "x", title: "x", description: "", fields: [], views: [], metrics: [{ key: "loss", label: "Loss" }] };
  const run = runView({ sharpness_every: 0 });
  const data = emptyRunData();
  assert.equal(commonMetricKeys(run, data), "");
  assert.deepEqual(metricsFor(experiment, run, commonMetricKeys(run, data)).map((m) => m.key), ["loss"]);
  const measured = { ...data, series: { sharpness: { step: [40], value: [3.2] } } };
  assert.equal(commonMetricKeys(run, measured), "sharpness");
  assert.deepEqual(metricsFor(experiment, run, "sharpness").map((m) => m.key), ["loss", "sharpness"]);
  assert.equal(commonMetricKeys(runView({ sharpness_every: 100 }), data), "sharpness");
});

test("a spectrum answer lands in state and clears its pending request", () => {
  let s = reducer(initialState("ws://x"), { type: "request", id: "q1", kind: "spectrum", runId: "r1", purpose: "spectrum" });
  const message: ServerMessage = { type: "spectrum", id: "q1", runId: "r1", tensor: "E", steps: [0, 50], values: [[3, 1], [4, 0.5]] };
  s = reducer(s, { type: "server", message });
  assert.deepEqual(s.spectrum, { runId: "r1", tensor: "E", steps: [0, 50], values: [[3, 1], [4, 0.5]] });
  assert.equal(s.pending.q1, undefined);
});

test("spectrum rows: top k lines per step; values ≤ 0 are gaps on a log axis; only matrices are offered", () => {
  const spectrum = { runId: "r", tensor: "E", steps: [0, 10], values: [[3, 2, 0], [4, 1, 1e-9]] };
  assert.deepEqual(spectrumRows(spectrum, 2, false), { rows: [{ step: 0, s0: 3, s1: 2 }, { step: 10, s0: 4, s1: 1 }], lines: 2 });
  assert.deepEqual(spectrumRows(spectrum, 16, true).rows[0], { step: 0, s0: 3, s1: 2, s2: null });
  const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  assert.deepEqual(spectrumTensors({ E: t([8, 2]), sv: t([1, 8]), v: t([8]), W: t([4, 4]) }), ["E", "W"]);
});
