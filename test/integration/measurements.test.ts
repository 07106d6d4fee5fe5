import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { RunSummary } from "@orrery/protocol";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("measure");

/** Starts a run and resolves once it has finished (all `steps` taken). */
async function finishedRun(experiment: string, config: Record<string, unknown>): Promise<RunSummary> {
  const run = runOf(await fixture.client().request({ type: "start", experiment, config }));
  await fixture.client().request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
  await fixture.client().waitForJson((m) => m.type === "state" && m.runId === run.runId && m.state === "finished", 30_000);
  return run;
}

const history = async (runId: string) => {
  const h = await fixture.client().request({ type: "history", runId, maxPoints: 1000 });
  assert.ok(h.type === "history");
  return h;
};

describe("measure and spectrum against the real daemon", () => {
  test("measure sharpness: acked, recorded at the current step, streamed; training goes on", async () => {
    const started = runOf(await fixture.client().request({ type: "start", experiment: "bigram-circle", config: { steps: 100_000, w_mode: "trainable" } }));
    await fixture.client().request({ type: "subscribe", runId: started.runId });
    const { step } = runOf(await fixture.client().request({ type: "pause", runId: started.runId }));
    const acked = runOf(await fixture.client().request({ type: "measure", runId: started.runId, what: "sharpness" }));
    assert.equal(acked.step, step, "measured between steps: the paused run did not move");
    const streamed = await fixture.client().waitForJson(
      (m) => m.type === "metrics" && m.runId === started.runId && m.points.some((p) => "sharpness" in p.values),
    );
    assert.ok(streamed.type === "metrics");
    const point = streamed.points.find((p) => "sharpness" in p.values)!;
    assert.equal(point.step, step);
    assert.ok(typeof point.values.sharpness === "number" && point.values.sharpness > 0, `sharpness ${point.values.sharpness}`);
    const stored = (await history(started.runId)).series.sharpness;
    assert.deepEqual(stored?.step, [step]);
    assert.deepEqual(stored?.value, [point.values.sharpness]);

    runOf(await fixture.client().request({ type: "step", runId: started.runId, n: 5 }));
    await fixture.client().waitFor(() => (fixture.client().metricSteps(started.runId).includes(step + 5) ? true : undefined));
    await assert.rejects(fixture.client().request({ type: "measure", runId: started.runId, what: "curvature" }), /bad_message: .*what/);
    await assert.rejects(fixture.client().request({ type: "measure", runId: "no-such-run", what: "sharpness" }), /not_found/);
    await fixture.client().request({ type: "stop", runId: started.runId });
    await assert.rejects(fixture.client().request({ type: "measure", runId: started.runId, what: "sharpness" }), /bad_state/);
  });

  test("a measurement runs in pieces: the daemon answers others meanwhile, training waits, stopping abandons it", async () => {
    // Small enough to finish well within the request timeout, large enough to take many event-loop turns.
    const config = { steps: 100_000, d_model: 16, sharpness_batch: 32 };
    const run = runOf(await fixture.client().request({ type: "start", experiment: "induction-heads", config }));
    let measured = false;
    const measuring = fixture.client().request({ type: "measure", runId: run.runId, what: "sharpness" }).then((m) => ((measured = true), m));
    const { step } = runOf(await fixture.client().request({ type: "pause", runId: run.runId }));
    const runs = await fixture.client().request({ type: "listRuns" });
    assert.ok(runs.type === "runs");
    assert.equal(measured, false, "listRuns was answered while the measurement was still going");
    assert.equal(runOf(await measuring).step, step, "no step was taken during the measurement");

    const again = fixture.client().request({ type: "measure", runId: run.runId, what: "sharpness" });
    await assert.rejects(fixture.client().request({ type: "measure", runId: run.runId, what: "sharpness" }), /bad_state: .*already measuring/);
    await fixture.client().request({ type: "stop", runId: run.runId });
    await assert.rejects(again, /bad_state: .*abandoned: the run stopped/);
  });

  test("sharpness_every records the metric on schedule", async () => {
    const run = await finishedRun("bigram-circle", { steps: 20, w_mode: "trainable", sharpness_every: 10 });
    assert.deepEqual((await history(run.runId)).series.sharpness?.step, [10, 20]);
  });

  test("spectrum: singular values of a snapshot matrix at each stored snapshot; unknown and non-matrix tensors refused", async () => {
    const run = await finishedRun("low-rank-bigram", { steps: 40, V: 12, R: 3, N: 6, snapshot_every: 10 });
    const reply = await fixture.client().request({ type: "spectrum", runId: run.runId, tensor: "E", maxPoints: 3 });
    assert.ok(reply.type === "spectrum");
    assert.deepEqual(reply.steps, [0, 20, 40], "first, every second, last of 0, 10, …, 40");
    assert.equal(reply.values.length, 3);
    for (const values of reply.values) {
      assert.equal(values.length, 6, "min(12, 6) singular values");
      assert.ok(values.every((v, i) => i === 0 || v <= values[i - 1]!), "descending");
    }
    assert.notDeepEqual(reply.values[0], reply.values[2], "the spectrum moves as E trains");
    await assert.rejects(fixture.client().request({ type: "spectrum", runId: run.runId, tensor: "nope" }), /not_found: .*no tensor "nope" \(matrices: E, U\)/);
    await assert.rejects(fixture.client().request({ type: "spectrum", runId: run.runId, tensor: "E_singular_values" }), /bad_message: .*not a matrix/);
  });
});
