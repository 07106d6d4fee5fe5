import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeSafetensors } from "@orrery/protocol";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("checkpoints");
const client = () => fixture.client();
const httpBase = () => fixture.daemon().url.replace(/^ws/, "http");
const token = "checkpoints-token";

async function pausedRun(experiment: string, config: Record<string, unknown>) {
  const run = runOf(await client().request({ type: "start", experiment, config: { steps: 1_000_000, ...config }, paused: true }));
  await client().request({ type: "subscribe", runId: run.runId });
  return run.runId;
}

/** n more steps of a paused run; resolves with their losses (from the stream). */
async function lossesOf(runId: string, n: number, from = Math.max(0, ...client().metricSteps(runId))): Promise<number[]> {
  await client().request({ type: "step", runId, n });
  await client().waitFor(() => (client().metricSteps(runId).includes(from + n) ? true : undefined), 60_000);
  const points = client().jsonMessages().flatMap((m) => (m.type === "metrics" && m.runId === runId ? m.points : []));
  const byStep = new Map(points.filter((p) => "loss" in p.values).map((p) => [p.step, p.values.loss as number]));
  return Array.from({ length: n }, (_, i) => byStep.get(from + i + 1)!);
}

async function save(runId: string, name: string) {
  const reply = await client().request({ type: "saveCheckpoint", runId, name });
  assert.ok(reply.type === "checkpointSaved", JSON.stringify(reply));
  return reply.entry;
}

describe("named checkpoints as safetensors: save, download, upload, inject, fork", () => {
  test("save → fork → continue equals the uninterrupted run, and the fork records its parent", async () => {
    const a = await pausedRun("bigram-circle", { w_mode: "trainable", data: "batch", seed: 4 });
    await lossesOf(a, 20);
    const entry = await save(a, "s20");
    assert.equal(entry.runId, a);
    await assert.rejects(client().request({ type: "saveCheckpoint", runId: a, name: "s20" }), /bad_message: checkpoint "s20" already exists/);
    const uninterrupted = await lossesOf(a, 30);

    const fork = runOf(await client().request({ type: "fork", from: { runId: a, name: "s20" } }));
    assert.deepEqual(fork.parent, { runId: a, name: "s20", step: entry.step });
    assert.equal(fork.state, "paused");
    await client().request({ type: "subscribe", runId: fork.runId });
    assert.equal(fork.step, entry.step);
    assert.deepEqual(await lossesOf(fork.runId, 30, fork.step), uninterrupted, "same losses, bit for bit (sampled batches too)");

    const edited = runOf(await client().request({ type: "fork", from: { runId: a, name: "s20" }, config: { lr: 0.05 } }));
    assert.equal(edited.config.lr, 0.05);
    await assert.rejects(
      client().request({ type: "fork", from: { runId: a, name: "s20" }, config: { n_embd: 3 } }),
      /bad_message: group E: file has shape \[29,2\], run has \[29,3\]/,
    );
    const list = await client().request({ type: "listCheckpoints", runId: a });
    assert.ok(list.type === "checkpoints" && list.items.some((c) => c.name === "s20" && c.step === entry.step));
  });

  test("save → inject the whole checkpoint → continue equals the uninterrupted run (parameters, Adam state, data stream)", async () => {
    const a = await pausedRun("bigram-circle", { w_mode: "trainable", data: "batch", seed: 8 });
    await lossesOf(a, 12);
    await save(a, "rewind");
    const first = await lossesOf(a, 25);
    const reply = await client().request({ type: "intervene", runId: a, intervention: { kind: "inject", from: { runId: a, name: "rewind" } } });
    assert.ok(reply.type === "intervention" && /injected the whole state from/.test(reply.record.summary), JSON.stringify(reply));
    assert.deepEqual(await lossesOf(a, 25), first, "the same 25 losses again, bit for bit");
  });

  test("fork from a stored step: the parent's config and intervention log re-executed, then the same continuation", async () => {
    const a = await pausedRun("bigram-circle", { w_mode: "trainable", data: "batch", seed: 6 });
    const start = Math.max(0, ...client().metricSteps(a));
    await lossesOf(a, 15);
    await client().request({ type: "intervene", runId: a, intervention: { kind: "set", group: "W2", value: { preset: "add_noise", scale: 0.2 } } });
    await client().request({ type: "intervene", runId: a, intervention: { kind: "freeze", groups: ["E"] } });
    await lossesOf(a, 10);
    const at = start + 25;
    const continuation = await lossesOf(a, 20);

    const fork = runOf(await client().request({ type: "fork", from: { runId: a, step: at } }));
    assert.deepEqual([fork.parent, fork.step, fork.state], [{ runId: a, step: at }, at, "paused"]);
    await client().request({ type: "subscribe", runId: fork.runId });
    assert.deepEqual(await lossesOf(fork.runId, 20, at), continuation);
    await assert.rejects(client().request({ type: "fork", from: { runId: a, step: at + 10_000 } }), /bad_state: .*cannot fork at step/);
  });

  test("download is a safetensors file PyTorch users can read; a corrupt upload is refused naming why", async () => {
    const a = await pausedRun("bigram-circle", {});
    await save(a, "for-python");
    const res = await fetch(`${httpBase()}/checkpoints/${a}/for-python.safetensors?token=${token}`);
    assert.equal(res.status, 200);
    const file = decodeSafetensors(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(file.tensors.filter((t) => !t.name.includes("/")).map((t) => [t.name, t.dtype, t.shape]), [
      ["E", "F32", [29, 2]],
      ["W1", "F32", [2, 2]],
      ["W2", "F32", [2, 2]],
    ]);
    assert.equal(file.metadata?.["orrery.experiment"], "bigram-circle");
    assert.equal((await fetch(`${httpBase()}/checkpoints/${a}/for-python.safetensors?token=wrong`)).status, 401);

    const bytes = new Uint8Array(await (await fetch(`${httpBase()}/checkpoints/${a}/for-python.safetensors?token=${token}`)).arrayBuffer());
    const put = (name: string, body: Uint8Array) => fetch(`${httpBase()}/checkpoints/uploads/${name}.safetensors?token=${token}`, { method: "PUT", body });
    const truncated = await put("broken", bytes.subarray(0, bytes.length - 5));
    assert.equal(truncated.status, 400);
    assert.match(((await truncated.json()) as { error: string }).error, /truncated|beyond|end/i);
    const ok = await put("mine", bytes);
    assert.equal(ok.status, 201);
    assert.equal(((await ok.json()) as { name: string }).name, "mine");
  });

  test("inject selected groups from another run's checkpoint; another experiment's or a wrong shape is refused, nothing changed", async () => {
    const a = await pausedRun("bigram-circle", { w_mode: "frozen_neg" });
    await save(a, "neg");
    const b = await pausedRun("bigram-circle", { w_mode: "random", seed: 9 });
    const reply = await client().request({ type: "intervene", runId: b, intervention: { kind: "inject", from: { runId: a, name: "neg" }, groups: ["W1", "W2"] } });
    assert.ok(reply.type === "intervention" && /injected W1, W2 from/.test(reply.record.summary), JSON.stringify(reply));
    await save(b, "after");
    const w = (run: string, name: string) =>
      fetch(`${httpBase()}/checkpoints/${run}/${name}.safetensors?token=${token}`)
        .then((r) => r.arrayBuffer())
        .then((buf) => decodeSafetensors(new Uint8Array(buf)).tensors.find((t) => t.name === "W1")!.bytes);
    assert.deepEqual(await w(b, "after"), await w(a, "neg"));

    const other = await pausedRun("low-rank-bigram", { V: 12, R: 3, N: 4 });
    await save(other, "lr");
    await assert.rejects(
      client().request({ type: "intervene", runId: b, intervention: { kind: "inject", from: { runId: other, name: "lr" } } }),
      /bad_message: file is of experiment low-rank-bigram, run is bigram-circle/,
    );
    await assert.rejects(
      client().request({ type: "intervene", runId: b, intervention: { kind: "inject", from: { runId: a, name: "nope" } } }),
      /bad_message: no checkpoint "nope"/,
    );
    const history = await client().request({ type: "history", runId: b, maxPoints: 10 });
    assert.ok(history.type === "history" && history.interventions?.length === 1, "only the accepted inject is logged");
  });
});
