import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunSummary } from "@orrery/protocol";
import { toRunView } from "../lib/state/reducer.ts";
import { importUrl, reportUrl } from "../lib/reports.ts";

test("report links point at the daemon's HTTP API beside its socket, the token escaped", () => {
  assert.equal(reportUrl("ws://127.0.0.1:8787", "a&b=c", "r 1", "html"), "http://127.0.0.1:8787/runs/r%201/report.html?token=a%26b%3Dc");
  assert.equal(reportUrl("wss://lab.example/", "t", "r1", "json"), "https://lab.example/runs/r1/report.json?token=t");
  assert.equal(importUrl("ws://[::1]:9000", "t"), "http://[::1]:9000/runs/import?token=t");
});

test("a run imported from a report keeps its mark in the UI state; other runs carry none", () => {
  const summary: RunSummary = {
    runId: "r1", experiment: "x", config: {}, state: "finished", reason: null, step: 5, totalSteps: 5, lastSeq: 9,
    backend: "cpu", createdAt: 0, updatedAt: 0, references: {},
  };
  assert.equal("imported" in toRunView(summary), false);
  const imported = { runId: "r0", exportedAt: 1, importedAt: 2 };
  assert.deepEqual(toRunView({ ...summary, imported }).imported, imported);
});
