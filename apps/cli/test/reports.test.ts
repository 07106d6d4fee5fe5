import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunReport } from "@orrery/protocol";
import { RunStore } from "@orrery/store";

const BIN = join(import.meta.dirname, "..", "bin", "orrery.mjs");
const orrery = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

test("orrery export writes a run's report (JSON or one HTML file) and orrery import brings it back as a read-only run", () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-cli-report-"));
  try {
    const [a, b] = [join(dir, "a"), join(dir, "b")];
    assert.equal(orrery("run", "bigram-circle", "--set", "steps=40", "--set", "snapshot_every=10", "--data-dir", a, "--no-progress").status, 0);
    const store = RunStore.open(join(a, "orrery.sqlite"));
    const [source] = store.listRuns();
    const series = store.metricSeries(source!.runId, 2000);
    store.close();

    const json = join(dir, "r.json");
    const out = orrery("export", source!.runId, "--format", "json", "--out", json, "--data-dir", a);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /wrote .*r\.json/);
    const report = parseRunReport(readFileSync(json, "utf8"));
    assert.ok(report.ok);
    assert.deepEqual(report.report.series, series);
    assert.deepEqual(report.report.snapshots.map((s) => s.step), [0, 10, 20, 30, 40]);

    const imported = orrery("import", json, "--data-dir", b);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(`imported from run ${source!.runId}: bigram-circle, step 40/40, read-only`));
    const other = RunStore.open(join(b, "orrery.sqlite"));
    const [run] = other.listRuns();
    assert.deepEqual([run?.state, run?.imported?.runId], ["finished", source!.runId]);
    assert.deepEqual(other.metricSeries(run!.runId, 2000), series);
    other.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
