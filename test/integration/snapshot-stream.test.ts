/**
 * Large snapshots streamed to viewers at different speeds: the paper's path-star G(5000, 5) embedding (20,001×8
 * float32, ~640 KB a frame) from the synthetic scatter experiment (scripts/bench-scatter.ts), one snapshot per
 * step, to a viewer that reads everything and one that stops reading. Behaviour, not speed: the reader gets every
 * snapshot, in order; training does not wait for the stalled one, which then gets the newest snapshot rather than
 * the backlog; every snapshot is stored.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { experiments } from "@orrery/experiments";
import { startDaemon, type Daemon } from "@orrery/trainer";
import { DaemonClient } from "../helpers/daemon-client.ts";
import { runOf } from "../helpers/daemon-fixture.ts";
import { SCATTER_EXPERIMENT, scatterExperiment } from "../../scripts/bench-scatter.ts";

const TOKEN = "stream-token";
let daemon: Daemon | undefined;
let dataDir: string | undefined;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "orrery-stream-"));
  daemon = await startDaemon({ port: 0, dataDir, token: TOKEN, experiments: { ...experiments, [SCATTER_EXPERIMENT]: scatterExperiment } });
});

after(async () => {
  await daemon?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Streamed (not requested) snapshot frames of `runId` received from index `from` on: seq and step. */
const snapshots = (client: DaemonClient, runId: string, from = 0) =>
  client.received.slice(from).flatMap((r) =>
    r.kind === "snapshot" && r.frame.runId === runId && r.frame.requestId === undefined ? [{ seq: r.frame.seq, step: r.frame.step }] : [],
  );

test("a viewer that reads gets every 640 KB snapshot; one that stops reading holds up nothing and then gets the newest, not the backlog", { timeout: 120_000 }, async (t) => {
  const STEPS = 90;
  const { client: owner } = await DaemonClient.connect(daemon!.url, TOKEN, "owner");
  const { client: reader } = await DaemonClient.connect(daemon!.url, TOKEN, "reader");
  const { client: stalled } = await DaemonClient.connect(daemon!.url, TOKEN, "stalled");
  // 60 snapshots a second (one per step), the pace of the dashboard's scatter benchmark.
  const run = runOf(await owner.request({ type: "start", experiment: SCATTER_EXPERIMENT, config: { hz: 60, snapshot_every: 1 }, paused: true }));
  await reader.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
  await stalled.request({ type: "subscribe", runId: run.runId, afterSeq: 0 });
  await stalled.waitFor(() => (snapshots(stalled, run.runId).length > 0 ? true : undefined)); // the initial one
  stalled.ws.pause(); // reads nothing more: the socket fills up, as with a viewer on a slow link or a busy page
  const stalledFrom = stalled.received.length;

  await owner.request({ type: "step", runId: run.runId, n: STEPS });
  // Training does not wait for the stalled viewer: all the steps are taken while it reads nothing.
  await reader.waitFor(() => (snapshots(reader, run.runId).some((s) => s.step === STEPS) ? true : undefined), 60_000);

  // Stored: the initial snapshot and one per step. The reader got each of them, in order.
  const stored = daemon!.store.eventsAfter(run.runId, 0).flatMap((e) => (e.kind === "snapshot" ? [e.seq] : []));
  assert.equal(stored.length, STEPS + 1, "every snapshot is stored");
  assert.deepEqual(snapshots(reader, run.runId).map((s) => s.seq), stored, "the reader got every snapshot, in order");
  const seqs = reader.seqs(run.runId);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "metrics and snapshots in seq order");

  // The stalled viewer reads again: what the socket held, then the newest snapshot; not the 90 it missed.
  stalled.ws.resume();
  await stalled.waitFor(() => (snapshots(stalled, run.runId, stalledFrom).some((s) => s.step === STEPS) ? true : undefined), 30_000);
  const caughtUp = snapshots(stalled, run.runId, stalledFrom);
  t.diagnostic(`after reading again, the stalled viewer got ${caughtUp.length} of the ${STEPS} snapshots taken meanwhile`);
  assert.equal(caughtUp.at(-1)!.seq, stored.at(-1), "ends on the newest snapshot");
  assert.ok(caughtUp.length < STEPS / 2, `the newest rather than the backlog: ${caughtUp.length} of ${STEPS} snapshots`);
  assert.ok(caughtUp.every((s, i) => i === 0 || s.seq > caughtUp[i - 1]!.seq), "in seq order, none twice");
  const stalledSeqs = stalled.seqs(run.runId);
  assert.deepEqual(stalledSeqs, [...stalledSeqs].sort((a, b) => a - b), "metrics and snapshots in seq order");

  await owner.request({ type: "stop", runId: run.runId });
  await Promise.all([owner.close(), reader.close(), stalled.close()]);
});
