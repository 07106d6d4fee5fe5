import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { decodeSnapshotFrame, encodeSnapshotFrame, type MetricPoint } from "@orrery/protocol";
import { RunStore, type NewRun } from "../src/index.ts";

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "orrery-store-"));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));
let files = 0;
// "nested" also checks that open() creates missing parent directories.
const tempFile = () => path.join(tempDir, `db${++files}`, "nested", "runs.db");

const newRun = (runId: string, createdAt: number): NewRun => ({
  runId,
  experiment: "bigram",
  config: { lr: 0.1, optimizer: "adam", clip: true },
  totalSteps: 500,
  backend: "cpu",
  createdAt,
});

const frame = (seq: number, step: number) =>
  encodeSnapshotFrame({ runId: "r", seq, step, tensors: [{ name: "w", shape: [2], data: new Float32Array([step, -step]) }] });

test("runs: create, update, get, list newest first, and survive reopening", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  const a = store.createRun(newRun("a", 1000));
  assert.deepEqual(a, {
    runId: "a", experiment: "bigram", config: { lr: 0.1, optimizer: "adam", clip: true }, state: "created",
    reason: null, step: 0, totalSteps: 500, lastSeq: 0, backend: "cpu", createdAt: 1000, updatedAt: 1000, references: {}, parent: null,
  });
  const b = store.createRun({ ...newRun("b", 2000), references: { loss: { value: 0.5, label: "L0" } } });
  assert.deepEqual(b.references, { loss: { value: 0.5, label: "L0" } });
  const before = Date.now();
  const a2 = store.updateRun("a", { state: "paused", reason: "NaN loss", step: 42, lastSeq: 7 });
  assert.equal(a2.state, "paused");
  assert.equal(a2.reason, "NaN loss");
  assert.ok(a2.updatedAt >= before);
  assert.deepEqual(store.getRun("a"), a2);
  assert.equal(store.updateRun("a", { state: "running", reason: null }).step, 42, "unpatched fields are kept");
  assert.equal(store.getRun("missing"), undefined);
  assert.deepEqual(store.listRuns().map((r) => r.runId), ["b", "a"]);
  const listed = store.listRuns();
  store.close();

  const reopened = RunStore.open(file);
  assert.deepEqual(reopened.listRuns(), listed);
  assert.equal(reopened.getRun("a")?.reason, null);
  reopened.close();
});

test("updateRun on an unknown run throws", () => {
  const store = RunStore.open(":memory:");
  assert.throws(() => store.updateRun("nope", { state: "running" }), /unknown run/);
  store.close();
});

test("eventsAfter interleaves metrics, states and snapshots in seq order, flushed or not", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  store.createRun(newRun("r", 1));
  store.createRun(newRun("other", 2));
  store.appendState("r", { seq: 1, step: 0, state: "running", reason: null });
  store.appendMetrics("r", [
    { seq: 2, step: 1, values: { loss: 2.5, acc: 0.1 } },
    { seq: 3, step: 2, values: { loss: 2.0, acc: 0.2 } },
  ]);
  store.appendSnapshot("r", { seq: 4, step: 2, bytes: frame(4, 2) });
  store.appendMetrics("other", [{ seq: 1, step: 1, values: { loss: 9 } }]);
  store.flush();
  // Not flushed: eventsAfter must still see these.
  store.appendMetrics("r", [{ seq: 5, step: 3, values: { loss: 1.5, acc: 0.3 } }]);
  store.appendState("r", { seq: 6, step: 3, state: "paused", reason: "user" });

  const all = store.eventsAfter("r", 0);
  assert.deepEqual(all.map((e) => e.kind), ["state", "metrics", "metrics", "snapshot", "metrics", "state"]);
  assert.deepEqual(all[1], { kind: "metrics", point: { seq: 2, step: 1, values: { loss: 2.5, acc: 0.1 } } });
  assert.deepEqual(all[5], { kind: "state", seq: 6, step: 3, state: "paused", reason: "user" });
  const snap = all[3];
  assert.ok(snap?.kind === "snapshot");
  assert.ok(snap.bytes instanceof Uint8Array);
  assert.deepEqual(decodeSnapshotFrame(snap.bytes).tensors[0]?.data, new Float32Array([2, -2]));

  for (let n = 0; n <= 6; n++) {
    const seqs = store.eventsAfter("r", n).map((e) => (e.kind === "metrics" ? e.point.seq : e.seq));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6].filter((s) => s > n), `afterSeq ${n}`);
  }
  assert.deepEqual(store.eventsAfter("r", 1, 2).map((e) => e.kind), ["metrics", "metrics"], "limit counts events");
  assert.deepEqual(store.eventsAfter("missing", 0), []);
  store.close();

  const reopened = RunStore.open(file);
  assert.deepEqual(reopened.eventsAfter("r", 0), all, "close() flushed the pending events");
  reopened.close();
});

test("auto-flush above 1000 pending rows lands on disk without an explicit flush", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  const points: MetricPoint[] = Array.from({ length: 1001 }, (_, i) => ({ seq: i + 1, step: i, values: { loss: i } }));
  store.appendMetrics("r", points);
  const reader = RunStore.open(file); // a second connection sees only committed rows
  assert.equal(reader.eventsAfter("r", 0).length, 1001);
  reader.close();
  store.close();
});

test("non-finite metric values round-trip as null", () => {
  const store = RunStore.open(":memory:");
  store.appendMetrics("r", [
    { seq: 1, step: 1, values: { loss: NaN, grad: Infinity, lr: null, acc: 0.5 } },
    { seq: 2, step: 2, values: { loss: -Infinity, grad: 1, lr: 0.1, acc: 0.6 } },
  ]);
  const events = store.eventsAfter("r", 0);
  assert.deepEqual(events[0], { kind: "metrics", point: { seq: 1, step: 1, values: { loss: null, grad: null, lr: null, acc: 0.5 } } });
  assert.deepEqual(store.metricSeries("r", 100).loss, { step: [1, 2], value: [null, null] });
  store.close();
});

test("snapshotAt returns the nearest snapshot at or before the step, else the earliest", () => {
  const store = RunStore.open(":memory:");
  assert.equal(store.snapshotAt("r", 10), undefined);
  assert.deepEqual(store.snapshotSteps("r"), []);
  for (const [seq, step] of [[3, 10], [7, 20], [12, 30]] as const) store.appendSnapshot("r", { seq, step, bytes: frame(seq, step) });
  assert.deepEqual(store.snapshotSteps("r"), [10, 20, 30]);
  const stepAt = (s: number) => store.snapshotAt("r", s)?.step;
  assert.equal(stepAt(5), 10, "before the first: the earliest");
  assert.equal(stepAt(10), 10);
  assert.equal(stepAt(19), 10);
  assert.equal(stepAt(20), 20);
  assert.equal(stepAt(29), 20);
  assert.equal(stepAt(1_000), 30);
  const at = store.snapshotAt("r", 25)!;
  assert.equal(at.seq, 7);
  assert.equal(decodeSnapshotFrame(at.bytes).step, 20);
  store.close();
});

test("metricSeries returns short series whole and shows a divergence to NaN", () => {
  const store = RunStore.open(":memory:");
  store.appendMetrics("r", Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, step: i * 10, values: { loss: 10 - i } })));
  assert.deepEqual(store.metricSeries("r", 10).loss, {
    step: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],
    value: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
  });

  // 100 steps into 5 buckets of 20 steps; bucket 3 (steps 60..79) turns NaN at step 65.
  const s = RunStore.open(":memory:");
  s.appendMetrics("r", Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, step: i, values: { loss: i >= 65 ? NaN : 1 + (i % 7) } })));
  const loss = s.metricSeries("r", 10).loss!;
  assert.ok(loss.step.length <= 10 + 1, `${loss.step.length} points`);
  assert.deepEqual(loss.step, [...loss.step].sort((a, b) => a - b), "step order");
  const firstNull = loss.value.indexOf(null);
  assert.equal(loss.step[firstNull], 65, "a null at the first non-finite step");
  assert.deepEqual(loss.value.slice(firstNull), [null, null], "one null per bucket after the divergence");
  assert.deepEqual(loss.step.slice(firstNull), [65, 80]);
  store.close();
  s.close();
});

test("downsampling 1,000,000 rows keeps a single-step spike", () => {
  const store = RunStore.open(tempFile());
  const N = 1_000_000;
  const spikeStep = 654_321;
  for (let start = 0; start < N; start += 10_000) {
    const points: MetricPoint[] = [];
    for (let step = start; step < start + 10_000; step++) {
      points.push({ seq: step + 1, step, values: { loss: step === spikeStep ? 1e3 : 1 + 0.01 * Math.sin(step) } });
    }
    store.appendMetrics("big", points);
  }
  store.flush();

  const maxPoints = 2000;
  const t0 = performance.now();
  const loss = store.metricSeries("big", maxPoints).loss!;
  const ms = performance.now() - t0;
  console.log(`metricSeries over ${N.toLocaleString("en")} rows -> ${loss.step.length} points in ${ms.toFixed(0)} ms`);

  assert.ok(loss.step.length <= maxPoints, `${loss.step.length} points`);
  assert.ok(loss.step.length > maxPoints / 2);
  assert.equal(loss.value[loss.step.indexOf(spikeStep)], 1e3, "the spike survives");
  assert.deepEqual(loss.step, [...loss.step].sort((a, b) => a - b));
  store.close();
});

test("checkpoints: the latest per run survives reopening; rewinding drops the events after it", () => {
  const file = tempFile();
  let store = RunStore.open(file);
  store.createRun(newRun("c", 1));
  store.appendMetrics("c", [1, 2, 3, 4, 5].map((step) => ({ seq: step, step, values: { loss: step } })));
  store.saveCheckpoint("c", { seq: 2, step: 2, meta: "{}", bytes: new Uint8Array([1]) });
  store.saveCheckpoint("c", { seq: 3, step: 3, meta: '{"x":1}', bytes: new Uint8Array([2, 3]) });
  store.appendSnapshot("c", { seq: 6, step: 5, bytes: frame(6, 5) });
  store.close();

  store = RunStore.open(file);
  const c = store.checkpoint("c")!;
  assert.deepEqual({ seq: c.seq, step: c.step, meta: c.meta, bytes: [...c.bytes] }, { seq: 3, step: 3, meta: '{"x":1}', bytes: [2, 3] });
  const run = store.rewindTo("c", c.seq, c.step);
  assert.equal(run.step, 3);
  assert.equal(run.lastSeq, 3);
  assert.deepEqual(store.eventsAfter("c", 0).map((e) => (e.kind === "metrics" ? e.point.seq : -1)), [1, 2, 3]);
  assert.deepEqual(store.snapshotSteps("c"), []);
  assert.equal(store.checkpoint("missing"), undefined);
  store.close();
});
