// A long stored run opened through a real daemon: its history is downsampled server-side (min/max per bucket),
// so it stays under the client's point cap while every single-step spike and dip of the loss survives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Series } from "@orrery/protocol";
import { RunStore } from "@orrery/store";
import { experiments } from "@orrery/experiments";
import { startDaemon, storeFile, type Daemon } from "@orrery/trainer";
import { DaemonClient } from "../helpers/daemon-client.ts";
import { rng, writeStoredRun, type Spike } from "../helpers/stored-run.ts";

const TOKEN = "history-spikes-token";
const STEPS = 250_000;
const MAX_POINTS = 1000;
const runId = "stored-250k";
const dataDir = mkdtempSync(join(tmpdir(), "orrery-history-spikes-"));
let daemon: Daemon | undefined;
let client: DaemonClient | undefined;
let spikes: Spike[] = [];
let lastSeq = 0;

before(async () => {
  const random = rng(42);
  const draw = () => 1 + Math.floor(random() * STEPS);
  // Random steps, plus the edges: the first and last step, and a spike and a dip in the same bucket.
  const spikeSteps = [1, STEPS, 123_456, ...Array.from({ length: 5 }, draw)];
  const dipSteps = [123_457, ...Array.from({ length: 2 }, draw)];
  const store = RunStore.open(storeFile(dataDir));
  ({ spikes, lastSeq } = writeStoredRun(store, { runId, steps: STEPS, spikeSteps, dipSteps, snapshotEvery: 1000, sharpnessEvery: 100 }));
  store.close();
  daemon = await startDaemon({ port: 0, dataDir, token: TOKEN, experiments });
  ({ client } = await DaemonClient.connect(daemon.url, TOKEN));
});

after(async () => {
  await client?.close();
  await daemon?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a 250k-step stored run's history is capped and keeps every single-step spike and dip", async () => {
  const listed = await client!.request({ type: "listRuns" });
  assert.ok(listed.type === "runs" && listed.runs.some((r) => r.runId === runId && r.state === "finished" && r.step === STEPS));
  const history = await client!.request({ type: "history", runId, maxPoints: MAX_POINTS });
  assert.ok(history.type === "history");
  assert.deepEqual(Object.keys(history.series).sort(), ["loss", "ppl", "sharpness"]);
  assert.equal(spikes.length, 11);
  for (const name of ["loss", "ppl"] as const) {
    const s: Series = history.series[name]!;
    assert.ok(s.step.length <= MAX_POINTS, `${name}: ${s.step.length} points > ${MAX_POINTS}`);
    assert.ok(s.step.length > MAX_POINTS / 2, `${name}: ${s.step.length} points`);
    assert.deepEqual(s.step, [...s.step].sort((a, b) => a - b), `${name}: step order`);
    for (const spike of spikes) {
      const i = s.step.indexOf(spike.step);
      assert.ok(i >= 0, `${name}: the ${spike.kind} at step ${spike.step} is missing`);
      assert.equal(s.value[i], spike[name], `${name}: the ${spike.kind} at step ${spike.step} has its value`);
    }
  }
  // The sparse series (2,500 points) is downsampled too, on the same bucket edges.
  assert.ok(history.series.sharpness!.step.length <= MAX_POINTS);
  assert.equal(history.snapshotSteps.length, STEPS / 1000 + 1);
  assert.equal(history.lastSeq, lastSeq);
});
