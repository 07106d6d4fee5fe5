import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("inspect");

describe("inspect a live model with a typed input", () => {
  test("induction heads: each layer's attention on the tokens, causal rows that sum to 1; the run does not move", async () => {
    const run = runOf(await fixture.client().request({ type: "start", experiment: "induction-heads", config: { steps: 100_000, V: 16, d_model: 16 } }));
    const { step } = runOf(await fixture.client().request({ type: "pause", runId: run.runId }));
    const reply = await fixture.client().request({ type: "inspect", runId: run.runId, input: "3 7 1 3 7 1" });
    assert.ok(reply.type === "inspection", JSON.stringify(reply));
    assert.equal(reply.step, step);
    assert.deepEqual(reply.tensors.map((t) => [t.name, t.shape]), [
      ["attention_layer1", [6, 6]],
      ["attention_layer2", [6, 6]],
    ]);
    for (const { values } of reply.tensors) {
      for (let q = 0; q < 6; q++) {
        const row = values.slice(q * 6, (q + 1) * 6);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, `row ${q} sums to 1`);
        assert.ok(row.slice(q + 1).every((v) => v < 1e-6), `row ${q} attends only backwards`);
      }
    }
    const runs = await fixture.client().request({ type: "listRuns" });
    assert.ok(runs.type === "runs");
    assert.equal(runs.runs.find((r) => r.runId === run.runId)?.step, step, "inspecting does not train");
  });

  test("a malformed input, a run without a probe and an unknown run get clear errors", async () => {
    const run = runOf(await fixture.client().request({ type: "start", experiment: "graph-transformer", config: { star_degree: 4, path_length: 3, pauses: 4, d_model: 8, steps: 100_000 } }));
    runOf(await fixture.client().request({ type: "pause", runId: run.runId }));
    const ok = await fixture.client().request({ type: "inspect", runId: run.runId, input: "[PATH] 4 [PAUSE] pause PAUSE PAUSE 0" });
    assert.ok(ok.type === "inspection" && ok.tensors.length === 2 && ok.tensors[0]!.shape[0] === 7, JSON.stringify(ok).slice(0, 200));

    await assert.rejects(fixture.client().request({ type: "inspect", runId: run.runId, input: "PATH 99" }), /^Error: bad_message: token 2 \("99"\): expected an integer 0…8 or one of EDGE/);
    await assert.rejects(fixture.client().request({ type: "inspect", runId: run.runId, input: "0 ".repeat(50) }), /bad_message: 50 tokens: at most 9/);

    const circle = runOf(await fixture.client().request({ type: "start", experiment: "bigram-circle", config: { steps: 100_000 } }));
    await assert.rejects(fixture.client().request({ type: "inspect", runId: circle.runId, input: "1" }), /^Error: bad_state: .* has nothing to inspect/);
    await assert.rejects(fixture.client().request({ type: "inspect", runId: "no-such-run", input: "1" }), /^Error: not_found/);
    await fixture.client().request({ type: "stop", runId: circle.runId });
  });
});
