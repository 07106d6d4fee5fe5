import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { applyIntervention, bigramCircle, createTrainer } from "@orrery/experiments";
import type { InterventionRecord } from "@orrery/protocol";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("interventions");
const client = () => fixture.client();

async function pausedRun(config: Record<string, unknown>, experiment = "bigram-circle") {
  const run = runOf(await client().request({ type: "start", experiment, config: { steps: 1_000_000, ...config }, paused: true }));
  await client().request({ type: "subscribe", runId: run.runId });
  return run.runId;
}

/** Takes n more steps of a paused, subscribed run and waits until their metrics arrived. */
async function stepBy(runId: string, n: number) {
  const before = Math.max(0, ...client().metricSteps(runId));
  await client().request({ type: "step", runId, n });
  await client().waitFor(() => (client().metricSteps(runId).includes(before + n) ? true : undefined), 60_000);
}

async function intervene(runId: string, intervention: unknown): Promise<InterventionRecord> {
  const reply = await client().request({ type: "intervene", runId, intervention });
  assert.ok(reply.type === "intervention", JSON.stringify(reply));
  return reply.record;
}

describe("interventions against the real daemon", () => {
  test("Experiment 1 by intervention: freeze W1, W2 at diag(−1, −1) mid-run and perplexity falls below 2.2", async () => {
    const runId = await pausedRun({ w_mode: "random", seed: 1 });
    await stepBy(runId, 200);
    const params = await client().request({ type: "parameters", runId });
    assert.ok(params.type === "parameters");
    assert.deepEqual(params.groups, [
      { name: "E", shape: [29, 2], frozen: false },
      { name: "W1", shape: [2, 2], frozen: false },
      { name: "W2", shape: [2, 2], frozen: false },
    ]);
    const freeze = await intervene(runId, { kind: "freeze", groups: ["W1", "W2"] });
    const at = freeze.step;
    await intervene(runId, { kind: "set", group: "W1", value: { preset: "diag", values: [-1, -1] } });
    const set = await intervene(runId, { kind: "set", group: "W2", value: { preset: "diag", values: [-1, -1] } });
    assert.match(set.summary, /W2: .* → \[\[-1, 0\], \[0, -1\]\]/);
    const streamed = await client().waitForJson((m) => m.type === "intervention" && m.id === null && m.record.seq === set.seq);
    assert.ok(streamed.type === "intervention", "subscribers get the record too");

    await stepBy(runId, 3000);
    const history = await client().request({ type: "history", runId, maxPoints: 20_000 });
    assert.ok(history.type === "history");
    const ppl = history.series.ppl!.value.at(-1)!;
    assert.ok(ppl !== null && ppl < 2.2, `perplexity ${ppl}`);
    assert.deepEqual(history.interventions?.map((r) => [r.step, r.intervention.kind]), [[at, "freeze"], [at, "set"], [at, "set"]]);
    const after = await client().request({ type: "parameters", runId });
    assert.ok(after.type === "parameters" && after.groups.filter((g) => g.frozen).length === 2);
    await client().request({ type: "stop", runId });
  });

  test("Experiment 2 by intervention: W frozen at I plateaus at 4.15; noise plus unfreezing takes perplexity to 2", async () => {
    const runId = await pausedRun({ w_mode: "frozen_id", seed: 0 });
    await stepBy(runId, 1500);
    const pplNow = async () => {
      const h = await client().request({ type: "history", runId, maxPoints: 20_000 });
      assert.ok(h.type === "history");
      return h.series.ppl!.value.at(-1)!;
    };
    const plateau = await pplNow();
    assert.ok(Math.abs(plateau - 4.15) < 0.02, `plateau ${plateau}`);
    const started = performance.now();
    await intervene(runId, { kind: "set", group: "W1", value: { preset: "add_noise", scale: 1e-3 } });
    const roundTrip = performance.now() - started;
    await intervene(runId, { kind: "set", group: "W2", value: { preset: "add_noise", scale: 1e-3 } });
    await intervene(runId, { kind: "unfreeze", groups: ["W1", "W2"] });
    await stepBy(runId, 1500);
    const after = await pplNow();
    console.log(`  plateau ${plateau.toFixed(3)} → ${after.toFixed(3)}; intervene round trip ${roundTrip.toFixed(1)} ms`);
    assert.ok(after < 2.02, `perplexity ${after}`);
    await client().request({ type: "stop", runId });
  });

  test("the associative control by intervention on a graph run: E frozen before the first step, memorized in 2 steps with no geometry", async () => {
    const created = runOf(await client().request({ type: "start", experiment: "tiny-nn", paused: true, config: { graph: "cycle", d: 512, lr: 0.1, eval_every: 1, steps: 1000 } }));
    assert.equal(created.state, "created");
    const runId = created.runId;
    await client().request({ type: "subscribe", runId });
    await intervene(runId, { kind: "freeze", groups: ["E"] });
    await stepBy(runId, 2);
    const h = await client().request({ type: "history", runId, maxPoints: 20_000 });
    assert.ok(h.type === "history");
    const top5 = h.series.top5!.value.at(-1);
    const level = h.series.geo_level!.value.at(-1)!;
    console.log(`  associative by intervention: top-5 ${top5}% and geometric level ${level.toFixed(3)} two steps after`);
    assert.equal(top5, 100);
    assert.ok(Math.abs(level) < 0.05, `geometric level ${level}`);
    await client().request({ type: "stop", runId });
  });

  test("refused interventions say why and change nothing; a finished run cannot be changed", async () => {
    const runId = await pausedRun({});
    await assert.rejects(intervene(runId, { kind: "freeze", groups: ["W9"] }), /bad_message: unknown parameter group "W9" \(groups: E, W1, W2\)/);
    await assert.rejects(intervene(runId, { kind: "set", group: "E", value: { preset: "identity" } }), /bad_message: identity needs a square matrix; E is \[29×2\]/);
    await assert.rejects(
      intervene(runId, { kind: "set", group: "W1", value: { preset: "values", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] } }),
      /bad_message: the values are \[3×2\]; W1 is \[2×2\]/,
    );
    await assert.rejects(intervene(runId, { kind: "hyper", lr: -1 }), /bad_message/);
    await assert.rejects(
      intervene(runId, { kind: "data", batch_size: 64 }),
      /bad_message: batch_size: this run trains on the exact full-batch loss \(data = exact\)/,
    );
    const history = await client().request({ type: "history", runId, maxPoints: 100 });
    assert.ok(history.type === "history" && history.interventions?.length === 0, "nothing logged");
    await client().request({ type: "stop", runId });
    await assert.rejects(intervene(runId, { kind: "freeze", groups: ["W1"] }), /bad_state/);
  });

  test("replay: re-executing the config, seed and stored intervention log reproduces the stored losses exactly", async () => {
    const config = { w_mode: "trainable", seed: 3 } as const;
    const runId = await pausedRun(config);
    await stepBy(runId, 30);
    await intervene(runId, { kind: "set", group: "W1", value: { preset: "add_noise", scale: 0.3 } }); // seed drawn by the daemon
    await intervene(runId, { kind: "hyper", lr: 0.03 });
    await stepBy(runId, 30);
    await intervene(runId, { kind: "freeze", groups: ["E"] });
    await stepBy(runId, 40);
    const history = await client().request({ type: "history", runId, maxPoints: 20_000 });
    assert.ok(history.type === "history");
    const log = history.interventions ?? [];
    assert.equal(log.length, 3);
    const noise = log[0]!.intervention;
    assert.ok(noise.kind === "set" && noise.value.preset === "add_noise" && typeof noise.value.seed === "number", "the drawn seed is logged");

    const trainer = createTrainer(bigramCircle, bigramCircle.resolveConfig({ ...config, steps: 1_000_000 }));
    const stored = history.series.loss!;
    const total = stored.step.length;
    assert.deepEqual(stored.step, Array.from({ length: total }, (_, i) => i + 1), "every step stored");
    const losses: number[] = [];
    for (let step = 0; step < total; step++) {
      for (const r of log) if (r.step === step) applyIntervention(trainer, r.intervention);
      losses.push(trainer.trainStep().loss);
    }
    trainer.dispose();
    assert.deepEqual(stored.value, losses);
    await client().request({ type: "stop", runId });
  });
});
