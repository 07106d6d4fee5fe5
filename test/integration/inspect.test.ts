import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDaemon, type Daemon } from "@orrery/trainer";
import { experiments } from "@orrery/experiments";
import type { RunSummary, ServerMessage } from "@orrery/protocol";
import { DaemonClient } from "../helpers/daemon-client.ts";

const TOKEN = "inspect-token";
let daemon: Daemon;
let dataDir: string;
let client: DaemonClient;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "orrery-inspect-"));
  daemon = await startDaemon({ port: 0, dataDir, token: TOKEN, experiments });
  ({ client } = await DaemonClient.connect(daemon.url, TOKEN));
});

after(async () => {
  await client.close();
  await daemon.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const runOf = (m: ServerMessage): RunSummary => {
  assert.ok(m.type === "ack" && m.run, `expected an ack with a run, got ${JSON.stringify(m)}`);
  return m.run;
};

describe("inspect a live model with a typed input", () => {
  test("induction heads: each layer's attention on the tokens, causal rows that sum to 1; the run does not move", async () => {
    const run = runOf(await client.request({ type: "start", experiment: "induction-heads", config: { steps: 100_000, V: 16, d_model: 16 } }));
    const { step } = runOf(await client.request({ type: "pause", runId: run.runId }));
    const reply = await client.request({ type: "inspect", runId: run.runId, input: "3 7 1 3 7 1" });
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
    const runs = await client.request({ type: "listRuns" });
    assert.ok(runs.type === "runs");
    assert.equal(runs.runs.find((r) => r.runId === run.runId)?.step, step, "inspecting does not train");
  });

  test("a malformed input, a run without a probe and an unknown run get clear errors", async () => {
    const run = runOf(await client.request({ type: "start", experiment: "graph-transformer", config: { star_degree: 4, path_length: 3, pauses: 4, d_model: 8, steps: 100_000 } }));
    runOf(await client.request({ type: "pause", runId: run.runId }));
    const ok = await client.request({ type: "inspect", runId: run.runId, input: "[PATH] 4 [PAUSE] pause PAUSE PAUSE 0" });
    assert.ok(ok.type === "inspection" && ok.tensors.length === 2 && ok.tensors[0]!.shape[0] === 7, JSON.stringify(ok).slice(0, 200));

    await assert.rejects(client.request({ type: "inspect", runId: run.runId, input: "PATH 99" }), /^Error: bad_message: token 2 \("99"\): expected an integer 0…8 or one of EDGE/);
    await assert.rejects(client.request({ type: "inspect", runId: run.runId, input: "0 ".repeat(50) }), /bad_message: 50 tokens: at most 9/);

    const circle = runOf(await client.request({ type: "start", experiment: "bigram-circle", config: { steps: 100_000 } }));
    await assert.rejects(client.request({ type: "inspect", runId: circle.runId, input: "1" }), /^Error: bad_state: .* has nothing to inspect/);
    await assert.rejects(client.request({ type: "inspect", runId: "no-such-run", input: "1" }), /^Error: not_found/);
    await client.request({ type: "stop", runId: circle.runId });
  });
});
