import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { encodeSnapshotFrame } from "@orrery/protocol";
import { RunStore } from "../src/index.ts";

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "orrery-wal-"));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));

/** A 640 KB snapshot frame: the 20,001×8 embedding of the path-star scatter. */
const frame = (seq: number) =>
  encodeSnapshotFrame({ runId: "r", seq, step: seq, tensors: [{ name: "E", shape: [20_001, 8], data: new Float32Array(160_008).fill(seq) }] });

const run = { runId: "r", experiment: "scatter", config: {}, totalSteps: 100, backend: "cpu", createdAt: 1 };

test("large writes reach the database file through checkpoints off the writer's thread, and survive reopening", async () => {
  const file = path.join(tempDir, "a.sqlite");
  const store = RunStore.open(file);
  store.createRun(run);
  for (let seq = 1; seq <= 40; seq++) {
    store.appendSnapshot("r", { seq, step: seq, bytes: frame(seq) });
    if (seq % 5 === 0) store.flush(); // as the daemon's 100 ms timer does: ~3 MB a transaction
  }
  // The writer does not checkpoint (auto-checkpoint off); the worker's checkpoints copy the WAL into the file.
  const deadline = Date.now() + 20_000;
  while (fs.statSync(file).size < 20 * 2 ** 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fs.statSync(file).size >= 20 * 2 ** 20, `the database file holds the snapshots (${fs.statSync(file).size} bytes)`);
  store.close();

  const reopened = RunStore.open(file);
  const seqs = reopened.eventsAfter("r", 0).flatMap((e) => (e.kind === "snapshot" ? [e.seq] : []));
  assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i + 1));
  reopened.close();
});

test("a process killed before any checkpoint loses nothing it flushed: the next open replays its WAL", () => {
  const file = path.join(tempDir, "b.sqlite");
  // The child writes and flushes, then dies at once (SIGKILL: no close, no last checkpoint).
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { RunStore } from ${JSON.stringify(path.resolve(import.meta.dirname, "../src/index.ts"))};
    import { encodeSnapshotFrame } from "@orrery/protocol";
    const store = RunStore.open(${JSON.stringify(file)});
    store.createRun(${JSON.stringify(run)});
    for (let seq = 1; seq <= 12; seq++) {
      const data = new Float32Array(160_008).fill(seq);
      store.appendSnapshot("r", { seq, step: seq, bytes: encodeSnapshotFrame({ runId: "r", seq, step: seq, tensors: [{ name: "E", shape: [20_001, 8], data }] }) });
    }
    store.flush();
    process.kill(process.pid, "SIGKILL");
  `], { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" });
  assert.equal(child.signal, "SIGKILL", child.stderr);

  const reopened = RunStore.open(file);
  const seqs = reopened.eventsAfter("r", 0).flatMap((e) => (e.kind === "snapshot" ? [e.seq] : []));
  assert.deepEqual(seqs, Array.from({ length: 12 }, (_, i) => i + 1));
  reopened.close();
});
