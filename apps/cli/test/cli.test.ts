import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunStore } from "@orrery/store";
import { parseSets, parseVary } from "../src/args.ts";

const BIN = join(import.meta.dirname, "..", "bin", "orrery.mjs");

describe("orrery CLI", () => {
  test("--set values become numbers, booleans or strings", () => {
    assert.deepEqual(parseSets(["p=29", "lr=1e-3", "w_mode=frozen_neg", "flag=true"]), {
      p: 29, lr: 0.001, w_mode: "frozen_neg", flag: true,
    });
    assert.throws(() => parseSets(["novalue"]), /key=value/);
  });

  test("--vary takes an inclusive integer range or a list", () => {
    assert.deepEqual(parseVary("N=1..4"), { key: "N", values: [1, 2, 3, 4] });
    assert.deepEqual(parseVary("w_mode=frozen_id,frozen_neg"), { key: "w_mode", values: ["frozen_id", "frozen_neg"] });
    assert.throws(() => parseVary("N=5..1"), /empty range/);
  });

  test("sweep runs one stored run per value and fits the slope", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "orrery-sweep-"));
    try {
      const out = spawnSync(process.execPath, [BIN, "sweep", "low-rank-bigram", "--vary", "N=1,2", "--set", "steps=200", "--fit", "gap", "--data-dir", dataDir, "--no-progress"], { encoding: "utf8" });
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stdout, /\| N \| loss \| gap \| run \|/);
      assert.match(out.stdout, /log-log slope of gap against N: -?\d/);
      const store = RunStore.open(join(dataDir, "orrery.sqlite"));
      assert.deepEqual(store.listRuns().map((r) => [r.config.N, r.state]).sort(), [[1, "finished"], [2, "finished"]]);
      store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("run trains headless into the same store the daemon reads", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "orrery-cli-"));
    try {
      const out = spawnSync(process.execPath, [BIN, "run", "bigram-circle", "--set", "steps=300", "--set", "snapshot_every=100", "--data-dir", dataDir, "--no-progress"], { encoding: "utf8" });
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stdout, /finished at step 300/);
      const store = RunStore.open(join(dataDir, "orrery.sqlite"));
      const [run] = store.listRuns();
      assert.equal(run?.state, "finished");
      assert.equal(run?.step, 300);
      assert.equal(store.metricSeries(run!.runId, 1000).ppl?.step.length, 300);
      assert.deepEqual(store.snapshotSteps(run!.runId), [0, 100, 200, 300]);
      store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("a bad config key fails with a message naming it", () => {
    const out = spawnSync(process.execPath, [BIN, "run", "bigram-circle", "--set", "colour=3", "--data-dir", tmpdir()], { encoding: "utf8" });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /config\.colour: unknown key/);
  });
});
