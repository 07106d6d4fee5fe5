import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startDaemon, type Daemon } from "@orrery/trainer";
import { DaemonClient, sleep } from "../helpers/daemon-client.ts";

const TOKEN = "crash-token";
const dataDir = mkdtempSync(join(tmpdir(), "orrery-crash-"));
let child: ChildProcess | null = null;
let daemon: Daemon | null = null;

after(async () => {
  child?.kill("SIGKILL");
  await daemon?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The real daemon entry point in its own process, so it can be killed like a crashed machine. */
function spawnDaemon(): Promise<string> {
  child = spawn(
    process.execPath,
    ["--import", "tsx", "apps/trainer/src/main.ts", "--port", "0", "--data-dir", dataDir, "--checkpoint-every", "0.3"],
    { env: { ...process.env, ORRERY_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("daemon did not start")), 30_000);
    createInterface({ input: child!.stdout! }).on("line", (line) => {
      const m = line.match(/listening on (ws:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
}

const lossByStep = (client: DaemonClient, runId: string) =>
  new Map(client.jsonMessages().flatMap((m) => (m.type === "metrics" && m.runId === runId ? m.points.map((p) => [p.step, p.values.loss] as const) : [])));

test("a daemon killed mid-run comes back with the run restored from its checkpoint; resuming recomputes the same losses", async () => {
  const first = await DaemonClient.connect(await spawnDaemon(), TOKEN);
  const ack = await first.client.request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000, data: "batch", batch_size: 32 } });
  assert.ok(ack.type === "ack" && ack.run);
  const runId = ack.run.runId;
  await first.client.request({ type: "subscribe", runId, afterSeq: 0 });
  await first.client.waitFor(() => (lossByStep(first.client, runId).size >= 800 ? true : undefined), 30_000);
  child!.kill("SIGKILL");
  await new Promise((r) => child!.once("exit", r));
  const before = lossByStep(first.client, runId);
  const lastStreamed = Math.max(...before.keys());

  daemon = await startDaemon({ port: 0, dataDir, token: TOKEN });
  const { client, welcome } = await DaemonClient.connect(daemon.url, TOKEN);
  const restored = welcome.runs.find((r) => r.runId === runId)!;
  assert.equal(restored.state, "paused");
  const checkpointStep = Number(restored.reason?.match(/checkpoint at step (\d+)/)?.[1]);
  assert.ok(checkpointStep > 0 && checkpointStep <= lastStreamed, `checkpoint step ${checkpointStep} within the ${lastStreamed} streamed`);
  assert.equal(restored.step, checkpointStep);

  const history = await client.request({ type: "history", runId, maxPoints: 20_000 });
  assert.ok(history.type === "history");
  assert.deepEqual(history.series.loss!.step, Array.from({ length: checkpointStep }, (_, i) => i + 1), "stored metrics intact up to the checkpoint");
  assert.deepEqual(history.series.loss!.value, history.series.loss!.step.map((s) => before.get(s)), "and equal to what was streamed");

  await client.request({ type: "subscribe", runId, afterSeq: history.lastSeq });
  await client.request({ type: "resume", runId });
  await client.waitFor(() => (Math.max(0, ...lossByStep(client, runId).keys()) >= lastStreamed ? true : undefined), 30_000);
  const after = lossByStep(client, runId);
  for (let step = checkpointStep + 1; step <= lastStreamed; step++) {
    assert.equal(after.get(step), before.get(step), `step ${step} recomputed identically`);
  }
  await client.request({ type: "stop", runId });
  await Promise.all([client.close(), first.client.close()]);
});

test("a graceful shutdown checkpoints live runs; the next start restores them paused", async () => {
  const { client } = await DaemonClient.connect(daemon!.url, TOKEN);
  const ack = await client.request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000 } });
  assert.ok(ack.type === "ack" && ack.run);
  await sleep(300);
  await client.close();
  await daemon!.close();

  daemon = await startDaemon({ port: 0, dataDir, token: TOKEN });
  const run = daemon.store.getRun(ack.run.runId)!;
  assert.equal(run.state, "paused");
  assert.match(run.reason ?? "", /restored from the checkpoint/);
  assert.ok(run.step > 0);
});

test("a daemon shuts down cleanly with a run created paused (no step taken), and restores it paused at step 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-created-"));
  try {
    const first = await startDaemon({ port: 0, dataDir: dir, token: TOKEN });
    const created = first.manager.create("bigram-circle", {}, { start: false });
    assert.equal(created.state, "created");
    await first.close();
    const second = await startDaemon({ port: 0, dataDir: dir, token: TOKEN });
    try {
      const back = second.manager.get(created.runId);
      assert.equal(back.state, "paused");
      assert.equal(back.step, 0);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
