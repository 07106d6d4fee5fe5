import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDaemon, type Daemon } from "@orrery/trainer";
import { experiments } from "@orrery/experiments";
import type { RunSummary, ServerMessage } from "@orrery/protocol";
import { DaemonClient, sleep } from "../helpers/daemon-client.ts";
import { divergingExperiment, unbuildableExperiment } from "../helpers/diverging-experiment.ts";

const TOKEN = "integration-token";
let daemon: Daemon;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "orrery-it-"));
  daemon = await startDaemon({
    port: 0,
    dataDir,
    token: TOKEN,
    experiments: { ...experiments, diverging: divergingExperiment, unbuildable: unbuildableExperiment },
  });
});

after(async () => {
  await daemon.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const runOf = (m: ServerMessage): RunSummary => {
  assert.ok(m.type === "ack" && m.run, `expected an ack with a run, got ${JSON.stringify(m)}`);
  return m.run;
};

async function startRun(client: DaemonClient, config: Record<string, unknown> = {}): Promise<RunSummary> {
  return runOf(await client.request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000, ...config } }));
}

const isState = (runId: string, state: string) => (m: ServerMessage) => m.type === "state" && m.runId === runId && m.state === state;

describe("trainer daemon over a real WebSocket", () => {
  test("refuses a wrong or missing token at the upgrade", async () => {
    await assert.rejects(DaemonClient.open(daemon.url, "wrong-token"), /401/);
    await assert.rejects(DaemonClient.open(daemon.url, ""), /401/);
  });

  test("welcome reports protocol, backend and the experiment catalog", async () => {
    const { client, welcome } = await DaemonClient.connect(daemon.url, TOKEN);
    assert.equal(welcome.backend.name, daemon.backend.name);
    assert.ok(welcome.backend.reason.length > 0);
    assert.ok(welcome.experiments.some((e) => e.id === "bigram-circle"));
    await client.close();
  });

  test("a mismatched protocol version is refused by name", async () => {
    const client = await DaemonClient.open(daemon.url, TOKEN);
    client.sendRaw({ type: "hello", protocol: 999 });
    const err = await client.waitForJson((m) => m.type === "error");
    assert.equal(err.type === "error" && err.code, "protocol_mismatch");
    await client.close();
  });

  test("start → ordered metrics → pause → no steps → step exactly one → resume → stop", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const run = await startRun(client);
    assert.equal(run.state, "running");
    await client.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
    await client.waitFor(() => (client.metricSteps(run.runId).length >= 50 ? true : undefined));

    const steps = client.metricSteps(run.runId);
    assert.deepEqual(steps, steps.map((_, i) => i + 1), "metric steps arrive in order, without gaps");
    const seqs = client.seqs(run.runId);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "seqs arrive in increasing order");

    const paused = runOf(await client.request({ type: "pause", runId: run.runId }));
    assert.equal(paused.state, "paused");
    await sleep(100); // let the last batch arrive
    const stepAtPause = Math.max(...client.metricSteps(run.runId));
    await sleep(600);
    assert.equal(Math.max(...client.metricSteps(run.runId)), stepAtPause, "no steps while paused");
    assert.equal(daemon.store.getRun(run.runId)!.state, "paused");

    const countBefore = client.metricSteps(run.runId).length;
    await client.request({ type: "step", runId: run.runId, n: 1 });
    await client.waitFor(() => (client.metricSteps(run.runId).length > countBefore ? true : undefined));
    await sleep(300);
    assert.deepEqual(client.metricSteps(run.runId).slice(countBefore), [stepAtPause + 1], "exactly one step");

    await client.request({ type: "step", runId: run.runId, n: 5 });
    await client.waitFor(() => (client.metricSteps(run.runId).length >= countBefore + 6 ? true : undefined));
    await sleep(200);
    assert.equal(Math.max(...client.metricSteps(run.runId)), stepAtPause + 6, "step n=5 takes five");

    await client.request({ type: "resume", runId: run.runId });
    await client.waitFor(() => (Math.max(...client.metricSteps(run.runId)) > stepAtPause + 20 ? true : undefined));

    const stopped = runOf(await client.request({ type: "stop", runId: run.runId }));
    assert.equal(stopped.state, "stopped");
    await client.waitForJson(isState(run.runId, "stopped"));
    await assert.rejects(client.request({ type: "resume", runId: run.runId }), /bad_state/);
    await client.close();
  });

  test("malformed, unknown and oversized messages get named errors; connection and run survive", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const run = await startRun(client);
    await client.request({ type: "subscribe", runId: run.runId });

    const errorAfter = async (from: number) => {
      const m = await client.waitForJson((x) => x.type === "error", 5000, from);
      assert.ok(m.type === "error");
      return m;
    };
    let from = client.received.length;
    client.sendRaw("{not json");
    assert.equal((await errorAfter(from)).code, "bad_json");

    from = client.received.length;
    client.sendRaw({ type: "teleport", id: "t1" });
    const unknown = await errorAfter(from);
    assert.equal(unknown.code, "unknown_type");
    assert.equal(unknown.id, "t1");
    assert.match(unknown.message, /teleport/);

    from = client.received.length;
    client.sendRaw({ type: "pause", id: "p1" });
    const invalid = await errorAfter(from);
    assert.equal(invalid.code, "bad_message");
    assert.match(invalid.message, /runId/);

    from = client.received.length;
    client.sendRaw({ type: "listRuns", id: "big", pad: "x".repeat(200_000) });
    assert.equal((await errorAfter(from)).code, "too_large");

    from = client.received.length;
    client.sendRaw({ type: "start", id: "c1", experiment: "bigram-circle", config: { p: "twenty" } });
    const badConfig = await errorAfter(from);
    assert.equal(badConfig.code, "bad_config");
    assert.match(badConfig.message, /config\.p/);

    const stepsBefore = Math.max(0, ...client.metricSteps(run.runId));
    await client.waitFor(() => (Math.max(0, ...client.metricSteps(run.runId)) > stepsBefore + 20 ? true : undefined));
    const runs = await client.request({ type: "listRuns" });
    assert.ok(runs.type === "runs" && runs.runs.some((r) => r.runId === run.runId && r.state === "running"));
    await client.request({ type: "stop", runId: run.runId });
    await client.close();
  });

  test("a reconnect with the last seen seq gets exactly the missing events", async () => {
    const { client: a } = await DaemonClient.connect(daemon.url, TOKEN);
    const run = await startRun(a, { snapshot_every: 1_000_000 });
    await a.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
    await a.waitFor(() => (a.seqs(run.runId).length >= 30 ? true : undefined));
    await a.close();
    const seenByA = a.seqs(run.runId);
    const lastSeen = Math.max(...seenByA);
    await sleep(300); // the run keeps going while nobody watches

    const { client: b } = await DaemonClient.connect(daemon.url, TOKEN);
    await b.request({ type: "subscribe", runId: run.runId, afterSeq: lastSeen });
    await b.waitFor(() => (b.seqs(run.runId).length >= 100 ? true : undefined));
    await b.request({ type: "stop", runId: run.runId });
    await b.waitForJson(isState(run.runId, "stopped"));
    const seenByB = b.seqs(run.runId);

    assert.deepEqual(seenByA, seenByA.map((_, i) => i + 1), "first client saw 1..n");
    assert.equal(seenByB[0], lastSeen + 1, "replay starts right after the last seen seq");
    assert.deepEqual(seenByB, seenByB.map((_, i) => lastSeen + 1 + i), "no gaps and no duplicates");
    await b.close();
  });

  test("several runs train at once, each on its own stream", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const runs = [await startRun(client, { seed: 1 }), await startRun(client, { seed: 2, w_mode: "frozen_neg" })];
    for (const r of runs) await client.request({ type: "subscribe", runId: r.runId, afterSeq: 0 });
    await client.waitFor(() => (runs.every((r) => client.metricSteps(r.runId).length >= 20) ? true : undefined));
    for (const r of runs) {
      const steps = client.metricSteps(r.runId);
      assert.deepEqual(steps, steps.map((_, i) => i + 1), `run ${r.runId} streams its own steps in order`);
      await client.request({ type: "stop", runId: r.runId });
    }
    await client.close();
  });

  test("a malformed user edge list is refused by line; a good one trains", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    await assert.rejects(
      client.request({ type: "start", experiment: "node2vec", config: { graph: "edge_list", edges: "0 1\n1 2 3" } }),
      /bad_config: config\.edges: line 2: expected two node ids/,
    );
    const ok = await client.request({ type: "start", experiment: "node2vec", config: { graph: "edge_list", edges: "0 1\n1 2\n2 0", steps: 20 } });
    assert.ok(ok.type === "ack" && ok.run?.state === "running");
    await client.request({ type: "subscribe", runId: ok.run.runId, afterSeq: 0 });
    await client.waitForJson(isState(ok.run.runId, "finished"), 10_000);
    await client.close();
  });

  test("live runs' progress is broadcast to every connection, subscribed or not", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const run = await startRun(client);
    const progressed = await client.waitForJson((m) => m.type === "run" && m.run.runId === run.runId && m.run.step > 0, 3000);
    assert.ok(progressed.type === "run" && progressed.run.state === "running");
    await client.request({ type: "stop", runId: run.runId });
    await client.close();
  });

  test("a start whose model cannot be built fails by name and leaves no run behind", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const before = daemon.store.listRuns().length;
    await assert.rejects(client.request({ type: "start", experiment: "unbuildable" }), /model too large/);
    assert.equal(daemon.store.listRuns().length, before);
    await client.close();
  });

  test("a NaN loss pauses the run and says why", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const run = runOf(await client.request({ type: "start", experiment: "diverging", config: { nan_at: 12 } }));
    await client.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
    const paused = await client.waitForJson(isState(run.runId, "paused"));
    assert.ok(paused.type === "state");
    assert.equal(paused.step, 12);
    assert.match(paused.reason ?? "", /NaN.*step 12/);
    const nanPoint = client.jsonMessages().flatMap((m) => (m.type === "metrics" ? m.points : [])).find((p) => p.step === 12);
    assert.equal(nanPoint?.values.loss, null, "the NaN is streamed as null");
    assert.equal(daemon.store.getRun(run.runId)!.reason, paused.reason);
    await client.close();
  });

  test("history returns stored series and snapshot steps; snapshot requests answer with a binary frame", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const run = await startRun(client, { steps: 120, snapshot_every: 25 });
    // afterSeq 0: a run this short may finish before the subscription; the replay still brings its end.
    await client.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
    await client.waitForJson(isState(run.runId, "finished"), 20_000);
    const history = await client.request({ type: "history", runId: run.runId, maxPoints: 1000 });
    assert.ok(history.type === "history");
    assert.deepEqual(history.series.loss!.step, Array.from({ length: 120 }, (_, i) => i + 1));
    assert.deepEqual(history.snapshotSteps, [0, 25, 50, 75, 100, 120]);

    client.sendRaw({ type: "snapshot", id: "s1", runId: run.runId, step: 60 });
    const reply = await client.waitFor(() =>
      client.received.find((r) => r.kind === "snapshot" && r.frame.requestId === "s1"),
    );
    assert.ok(reply.kind === "snapshot");
    assert.equal(reply.frame.step, 50);
    const E = reply.frame.tensors.find((t) => t.name === "E")!;
    assert.deepEqual(E.shape, [29, 2]);
    assert.ok(E.data.every(Number.isFinite));
    await client.close();
  });

  test("finalMetrics answers each run's last stored value per metric; an unknown run is not_found", async () => {
    const { client } = await DaemonClient.connect(daemon.url, TOKEN);
    const runs = [await startRun(client, { steps: 40 }), await startRun(client, { steps: 60 })];
    for (const run of runs) await client.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
    for (const run of runs) await client.waitForJson(isState(run.runId, "finished"), 20_000);
    const answer = await client.request({ type: "finalMetrics", runIds: runs.map((r) => r.runId) });
    assert.ok(answer.type === "finalMetrics");
    for (const run of runs) {
      const history = await client.request({ type: "history", runId: run.runId, maxPoints: 1000 });
      assert.ok(history.type === "history");
      const last = (key: string) => history.series[key]!.value.at(-1);
      assert.deepEqual(Object.keys(answer.values[run.runId]!).sort(), Object.keys(history.series).sort());
      assert.equal(answer.values[run.runId]!.loss, last("loss"));
      assert.equal(answer.values[run.runId]!.ppl, last("ppl"));
    }
    await assert.rejects(client.request({ type: "finalMetrics", runIds: [runs[0]!.runId, "no-such-run"] }), /not_found/);
    await client.close();
  });
});
