import { test } from "node:test";
import assert from "node:assert/strict";
import { PROTOCOL_VERSION, type RunSummary, type ServerMessage, type SnapshotFrame } from "@orrery/protocol";
import { compactSeries, initialState, reducer, toRunView } from "../lib/state/reducer.ts";
import {
  chartBuckets,
  chartPoints,
  connectionLabel,
  DEFAULT_CHART_BUCKETS,
  controlsFor,
  currentStep,
  displayedSnapshot,
  isLive,
  lastValue,
  matrixRows,
  metricsFor,
  positiveOnly,
  runList,
} from "../lib/state/selectors.ts";
import type { Action, UiState } from "../lib/state/types.ts";

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  runId: "r1",
  experiment: "bigram-circle",
  config: { p: 4 },
  state: "running",
  reason: null,
  step: 0,
  totalSteps: 1000,
  lastSeq: 0,
  backend: "cpu",
  createdAt: 1000,
  updatedAt: 1000,
  references: {},
  ...over,
});

const welcome = (runs: RunSummary[] = []): ServerMessage => ({
  type: "welcome",
  protocol: PROTOCOL_VERSION,
  serverVersion: "0.1.0",
  backend: { name: "wasm", reason: "fastest available", tried: [] },
  experiments: [
    {
      id: "bigram-circle",
      title: "Bigram 4",
      description: "",
      fields: [],
      metrics: [{ key: "ppl", label: "Perplexity", reference: { value: 2, label: "optimum 2" } }],
      views: [],
    },
  ],
  runs,
});

const server = (message: ServerMessage): Action => ({ type: "server", message, at: 5000 });
const run = (...actions: Action[]): UiState => actions.reduce(reducer, initialState("ws://x"));

const metrics = (runId: string, ...pts: [seq: number, step: number, ppl: number | null][]): Action =>
  server({ type: "metrics", runId, points: pts.map(([seq, step, ppl]) => ({ seq, step, values: { ppl, loss: ppl === null ? null : Math.log(ppl) } })) });

const frame = (runId: string, seq: number, step: number, requestId?: string): SnapshotFrame => ({
  runId,
  seq,
  step,
  ...(requestId ? { requestId } : {}),
  tensors: [
    { name: "E", shape: [2, 2], data: new Float32Array([seq, step, -1, 0.5]) },
    { name: "W1", shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) },
  ],
});

test("welcome: connected, backend, experiments and runs", () => {
  const s = run({ type: "connection", status: "handshaking" }, server(welcome([summary()])));
  assert.equal(s.connection.status, "connected");
  assert.equal(s.connection.everConnected, true);
  assert.equal(s.backend?.name, "wasm");
  assert.equal(s.experiments.length, 1);
  assert.deepEqual(Object.keys(s.runs), ["r1"]);
  assert.equal(s.runs.r1!.state, "running");
});

test("welcome forgets a remembered run the daemon does not know", () => {
  const s = run({ type: "reset", url: "ws://x", selectedRunId: "gone" }, server(welcome([summary()])));
  assert.equal(s.selectedRunId, null);
  const kept = run({ type: "reset", url: "ws://x", selectedRunId: "r1" }, server(welcome([summary()])));
  assert.equal(kept.selectedRunId, "r1");
});

test("ack of our start selects the new run; other acks do not", () => {
  const s = run(
    server(welcome()),
    { type: "request", id: "a", kind: "start", runId: null, purpose: "command" },
    server({ type: "ack", id: "a", run: summary({ runId: "new" }) }),
  );
  assert.equal(s.selectedRunId, "new");
  assert.deepEqual(s.pending, {});
  assert.ok(s.data.new);
  const t = run(
    server(welcome([summary()])),
    { type: "request", id: "b", kind: "subscribe", runId: "r1", purpose: "subscription" },
    server({ type: "ack", id: "b", run: summary({ runId: "r1" }) }),
  );
  assert.equal(t.selectedRunId, null);
});

test("run broadcasts keep the list live; a step never goes backwards", () => {
  let s = run(server(welcome([summary({ step: 10 })])), server({ type: "run", run: summary({ runId: "r2", createdAt: 2000 }) }));
  assert.deepEqual(runList(s).map((r) => r.id), ["r2", "r1"]);
  s = reducer(s, metrics("r1", [50, 40, 3]));
  assert.equal(s.runs.r1!.step, 40);
  s = reducer(s, server({ type: "run", run: summary({ step: 12, state: "paused", updatedAt: 3000 }) }));
  assert.equal(s.runs.r1!.state, "paused");
  assert.equal(s.runs.r1!.step, 40);
});

test("metrics: appended in order, deduped by seq on replay, NaN kept as a gap", () => {
  let s = run(server(welcome([summary()])), metrics("r1", [1, 1, 4], [2, 2, 3.5]));
  s = reducer(s, metrics("r1", [2, 2, 3.5], [3, 3, null], [4, 4, 3]));
  // Replay of everything again changes nothing.
  const again = reducer(s, metrics("r1", [1, 1, 4], [2, 2, 3.5], [3, 3, null], [4, 4, 3]));
  assert.equal(again, s);
  const ppl = s.data.r1!.series.ppl!;
  assert.deepEqual(ppl.step, [1, 2, 3, 4]);
  assert.deepEqual(ppl.value, [4, 3.5, null, 3]);
  assert.equal(s.data.r1!.seq.metrics, 4);
  assert.equal(currentStep(s, "r1"), 4);
  assert.equal(lastValue(ppl), 3);
});

test("history replaces the series; later streamed points stay; subscription replay adds only new ones", () => {
  let s = run(server(welcome([summary()])), { type: "select", runId: "r1" });
  // A point streamed (e.g. in flight) before the history arrived, past the history's end.
  s = reducer(s, metrics("r1", [30, 25, 2.5]));
  s = reducer(
    s,
    server({
      type: "history",
      id: "h",
      runId: "r1",
      series: { ppl: { step: [0, 10, 20], value: [8, 5, 3] } },
      snapshotSteps: [0, 10, 20],
      lastSeq: 29,
    }),
  );
  const d = s.data.r1!;
  assert.equal(d.historyLoaded, true);
  assert.deepEqual(d.series.ppl!.step, [0, 10, 20, 25]);
  assert.deepEqual(d.snapshotSteps, [0, 10, 20]);
  assert.equal(d.seq.metrics, 30);
  // The subscription replays from afterSeq=29: seq 30 is a duplicate, 31 is new.
  s = reducer(s, metrics("r1", [30, 25, 2.5], [31, 26, 2.4]));
  assert.deepEqual(s.data.r1!.series.ppl!.step, [0, 10, 20, 25, 26]);
});

test("state events: reason shown, stale seq ignored", () => {
  let s = run(server(welcome([summary()])));
  s = reducer(s, server({ type: "state", runId: "r1", seq: 9, step: 123, state: "paused", reason: "loss became NaN at step 123" }));
  assert.equal(s.runs.r1!.state, "paused");
  assert.equal(s.runs.r1!.reason, "loss became NaN at step 123");
  assert.equal(currentStep(s, "r1"), 123);
  const stale = reducer(s, server({ type: "state", runId: "r1", seq: 5, step: 100, state: "running", reason: null }));
  assert.equal(stale.runs.r1!.state, "paused");
});

test("snapshots: streamed frames update the latest and the scrubber steps; duplicates ignored", () => {
  let s = run(server(welcome([summary()])), { type: "select", runId: "r1" });
  s = reducer(s, { type: "frame", frame: frame("r1", 3, 50) });
  s = reducer(s, { type: "frame", frame: frame("r1", 7, 100) });
  const dup = reducer(s, { type: "frame", frame: frame("r1", 7, 100) });
  assert.equal(dup, s);
  assert.deepEqual(s.data.r1!.snapshotSteps, [50, 100]);
  assert.equal(displayedSnapshot(s)?.step, 100);
  assert.deepEqual([...(displayedSnapshot(s)?.tensors.E?.data ?? [])], [7, 100, -1, 0.5]);
  assert.deepEqual(matrixRows(displayedSnapshot(s)?.tensors.W1), [
    [1, 0],
    [0, 1],
  ]);
  assert.equal(currentStep(s, "r1"), 100);
});

test("scrubbing pins the view to the requested snapshot; stale answers and live mode", () => {
  let s = run(server(welcome([summary()])), { type: "select", runId: "r1" }, { type: "frame", frame: frame("r1", 7, 100) });
  s = reducer(s, { type: "request", id: "s1", kind: "snapshot", runId: "r1", purpose: "scrub" });
  s = reducer(s, { type: "scrub", runId: "r1", step: 10, requestId: "s1" });
  s = reducer(s, { type: "request", id: "s2", kind: "snapshot", runId: "r1", purpose: "scrub" });
  s = reducer(s, { type: "scrub", runId: "r1", step: 50, requestId: "s2" });
  assert.equal(isLive(s), false);
  // The answer to the superseded request is ignored.
  s = reducer(s, { type: "frame", frame: frame("r1", 2, 10, "s1") });
  assert.equal(s.scrub?.snapshot, null);
  s = reducer(s, { type: "frame", frame: frame("r1", 3, 50, "s2") });
  assert.equal(displayedSnapshot(s)?.step, 50);
  assert.equal(s.scrub?.requestId, null);
  // Live frames keep arriving but the view stays pinned.
  s = reducer(s, { type: "frame", frame: frame("r1", 9, 150) });
  assert.equal(displayedSnapshot(s)?.step, 50);
  s = reducer(s, { type: "live" });
  assert.equal(isLive(s), true);
  assert.equal(displayedSnapshot(s)?.step, 150);
});

test("a 'latest' snapshot answer fills the view of a paused run", () => {
  let s = run(server(welcome([summary({ state: "paused" })])), { type: "select", runId: "r1" });
  s = reducer(s, { type: "request", id: "l", kind: "snapshot", runId: "r1", purpose: "latest" });
  s = reducer(s, { type: "frame", frame: frame("r1", 40, 200, "l") });
  assert.equal(displayedSnapshot(s)?.step, 200);
  assert.equal(isLive(s), true);
});

test("errors name the request that failed; pending requests are dropped when the socket is lost", () => {
  let s = run(server(welcome([summary()])), { type: "request", id: "p", kind: "pause", runId: "r1", purpose: "command" });
  s = reducer(s, server({ type: "error", id: "p", code: "bad_state", message: "cannot pause run r1: it is paused" }));
  assert.equal(s.errors.length, 1);
  assert.equal(s.errors[0]!.code, "bad_state");
  assert.match(s.errors[0]!.message, /^pause r1: cannot pause/);
  assert.deepEqual(s.pending, {});
  s = reducer(s, { type: "dismissError", key: s.errors[0]!.key });
  assert.equal(s.errors.length, 0);
  s = reducer(s, { type: "request", id: "q", kind: "stop", runId: "r1", purpose: "command" });
  s = reducer(s, { type: "connection", status: "reconnecting", attempt: 1, retryAt: 9000, detail: "closed" });
  assert.deepEqual(s.pending, {});
  assert.equal(s.connection.status, "reconnecting");
  assert.equal(s.connection.everConnected, true);
  for (let i = 0; i < 10; i++) s = reducer(s, { type: "localError", code: "x", message: `e${i}` });
  assert.equal(s.errors.length, 5);
  assert.equal(s.errors.at(-1)!.message, "e9");
});

test("batch applies in order", () => {
  const s = run({
    type: "batch",
    actions: [server(welcome([summary()])), metrics("r1", [1, 1, 4]), metrics("r1", [2, 2, 3])],
  });
  assert.deepEqual(s.data.r1!.series.ppl!.value, [4, 3]);
});

test("the reducer does not mutate its input", () => {
  const s0 = run(server(welcome([summary()])), metrics("r1", [1, 1, 4]));
  const before = JSON.stringify(s0);
  reducer(s0, metrics("r1", [2, 2, 3]));
  reducer(s0, { type: "frame", frame: frame("r1", 3, 3) });
  reducer(s0, server({ type: "run", run: summary({ state: "stopped" }) }));
  assert.equal(JSON.stringify(s0), before);
});

test("compactSeries bounds long series and keeps extremes", () => {
  const n = 10_000;
  const step = Array.from({ length: n }, (_, i) => i);
  const value: (number | null)[] = step.map((i) => Math.sin(i / 50));
  value[1234] = 99;
  value[2345] = null;
  const c = compactSeries({ step, value }, 6000);
  assert.ok(c.step.length < 7000, `kept ${c.step.length}`);
  assert.ok(c.value.includes(99));
  assert.ok(c.value.includes(null));
  assert.equal(c.step.at(-1), n - 1);
  for (let i = 1; i < c.step.length; i++) assert.ok(c.step[i]! > c.step[i - 1]!);
});

test("chartPoints downsamples with min/max and keeps gaps", () => {
  const n = 5000;
  const s = { step: Array.from({ length: n }, (_, i) => i), value: Array.from({ length: n }, (_, i) => (i === 777 ? -50 : i === 2000 ? null : 1)) };
  const pts = chartPoints(s, 200);
  assert.ok(pts.length <= 400);
  assert.ok(pts.some((p) => p.value === -50));
  assert.ok(pts.some((p) => p.value === null));
  assert.deepEqual(chartPoints({ step: [1, 2], value: [1, Number.NaN] }), [
    { step: 1, value: 1 },
    { step: 2, value: null },
  ]);
});

test("chartPoints keeps every single-step spike and dip of a 1M-step series in ≤ 2 points a bucket", () => {
  // As the store's downsampling hands a 1M-step run to the dashboard: 2000 points, a few outliers among them.
  const n = 2000;
  const step = Array.from({ length: n }, (_, i) => i * 500);
  const value = Array.from({ length: n }, (_, i) => 3 - i / n + 0.01 * Math.sin(i));
  const outliers = new Map([
    [17, 14.4],
    [503, 0.3],
    [504, 11.8],
    [1999, 9.1],
  ]);
  for (const [i, v] of outliers) value[i] = v;
  const pts = chartPoints({ step, value });
  assert.ok(pts.length <= 2 * DEFAULT_CHART_BUCKETS, `${pts.length} points`);
  for (const [i, v] of outliers) assert.ok(pts.some((p) => p.step === step[i] && p.value === v), `step ${step[i]} (${v}) plotted`);
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i]!.step > pts[i - 1]!.step, "in step order");
});

test("chartBuckets: about one bucket per 2 px of plot, a power of two, the default when the width is unknown", () => {
  assert.equal(chartBuckets(null), DEFAULT_CHART_BUCKETS);
  assert.equal(chartBuckets(undefined), DEFAULT_CHART_BUCKETS);
  assert.equal(chartBuckets(0), DEFAULT_CHART_BUCKETS);
  assert.equal(chartBuckets(-5), DEFAULT_CHART_BUCKETS);
  assert.equal(chartBuckets(Number.NaN), DEFAULT_CHART_BUCKETS);
  // The dashboard's two-charts-a-row plot at 1500 px (a 522 px chart less its 60 px value axis and 12 px margin).
  assert.equal(chartBuckets(450), DEFAULT_CHART_BUCKETS);
  assert.equal(chartBuckets(512), 256);
  assert.equal(chartBuckets(513), 512);
  assert.equal(chartBuckets(1000), 512);
  assert.equal(chartBuckets(10), 32);
  assert.equal(chartBuckets(1e6), 4096);
  for (const w of [100, 257, 450, 700, 1333, 2000]) {
    const b = chartBuckets(w);
    assert.ok(b >= w / 2 && b < w, `${w} px: ${b} buckets, 1 to 2 points a pixel`);
    assert.equal(Math.log2(b) % 1, 0);
  }
});

test("controls follow the run state", () => {
  const base = summary();
  const s = run(server(welcome([base])));
  const r = s.runs.r1!;
  assert.deepEqual(controlsFor(r, true, true), { start: true, pause: true, resume: false, step: false, stop: true, measure: true });
  assert.deepEqual(controlsFor({ ...r, state: "paused" }, true, true), { start: true, pause: false, resume: true, step: true, stop: true, measure: true });
  assert.deepEqual(controlsFor({ ...r, state: "finished" }, true, true), { start: true, pause: false, resume: false, step: false, stop: false, measure: false });
  assert.deepEqual(controlsFor(r, false, true), { start: false, pause: false, resume: false, step: false, stop: false, measure: false });
});

test("connection label says 'connected' only when connected", () => {
  const c = initialState("ws://x").connection;
  for (const status of ["idle", "connecting", "handshaking", "reconnecting"] as const) {
    assert.doesNotMatch(connectionLabel({ ...c, status, retryAt: 3000 }, 1000), /connected/);
  }
  assert.equal(connectionLabel({ ...c, status: "connected" }), "connected");
  assert.equal(connectionLabel({ ...c, status: "reconnecting", retryAt: 3000 }, 1000), "offline, retrying in 2s");
});

test("a run's own reference lines override the experiment's", () => {
  const experiment = {
    id: "x", title: "x", description: "", fields: [], views: [],
    metrics: [{ key: "loss", label: "Loss", reference: { value: 1, label: "generic" } }, { key: "gap", label: "Gap" }],
  };
  const view = toRunView(summary({ references: { loss: { value: 0.42, label: "L0" } } }));
  assert.deepEqual(metricsFor(experiment, view).map((m) => m.reference), [{ value: 0.42, label: "L0" }, undefined]);
  assert.deepEqual(metricsFor(experiment, null).map((m) => m.reference?.label), ["generic", undefined]);
});

test("a log axis hides values ≤ 0 as gaps and counts them", () => {
  const pts = [{ step: 1, value: 0.5 }, { step: 2, value: -4e-7 }, { step: 3, value: null }, { step: 4, value: 0 }];
  const { points, hidden } = positiveOnly(pts);
  assert.equal(hidden, 2);
  assert.deepEqual(points.map((p) => p.value), [0.5, null, null, null]);
  assert.equal(positiveOnly([{ step: 1, value: 1 }]).hidden, 0);
});

test("presence: the watchers of a run replace the last list; welcome says who this connection is", () => {
  const you = { id: "a1", name: "Alice", role: "owner" as const };
  let s = run(server({ ...(welcome([summary()]) as Extract<ServerMessage, { type: "welcome" }>), you }));
  assert.deepEqual(s.you, you);
  s = reducer(s, server({ type: "presence", runId: "r1", watchers: [you, { id: "b2", name: "guest-b2", role: "viewer" }] }));
  assert.deepEqual(s.data.r1!.watchers.map((w) => w.name), ["Alice", "guest-b2"]);
  s = reducer(s, server({ type: "presence", runId: "r1", watchers: [you] }));
  assert.deepEqual(s.data.r1!.watchers, [you]);
});
