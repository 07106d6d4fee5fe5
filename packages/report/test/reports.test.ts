import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeSnapshotFrame, parseRunReport,
  type InterventionRecord, type RunSummary, type SnapshotFrame,
} from "@orrery/protocol";
import { buildRunReport, evenlySpaced, pointsOf, renderReportHtml, reportEvents, reportFileName, reportJsonFromHtml, type ReportSource } from "../src/index.ts";
import { REPORT_SCRIPT } from "../src/client-script.ts";

const run: RunSummary = {
  runId: "r1-abc", experiment: "toy", config: { lr: 0.01, steps: 600, mode: "x" }, state: "finished", reason: null,
  step: 600, totalSteps: 600, lastSeq: 999, backend: "cpu", createdAt: 1000, updatedAt: 2000,
  references: { loss: { value: 0.5, label: "L0" } }, parent: null,
};

const intervention = (seq: number, step: number): InterventionRecord => ({
  seq, step, at: 5, by: "tester", intervention: { kind: "freeze", groups: ["E"] }, summary: "froze E",
});

/** 61 snapshots (every 10 steps) of E [5×2] (with a NaN) and of a big [300×300] tensor. */
function source(over: Partial<ReportSource> = {}): ReportSource {
  const steps = Array.from({ length: 61 }, (_, i) => i * 10);
  const frame = (step: number): SnapshotFrame => ({
    runId: run.runId, seq: step + 1, step,
    tensors: [
      { name: "E", shape: [5, 2], data: Float32Array.from({ length: 10 }, (_, i) => (i === 3 ? NaN : Math.sin(step + i) / 3)) },
      { name: "big", shape: [300, 300], data: new Float32Array(90_000) },
    ],
  });
  return {
    run,
    experiment: {
      id: "toy", title: "Toy </script> <b>x</b>", description: "d", fields: [],
      metrics: [{ key: "loss", label: "Loss", logScale: true }],
      views: [{ tensor: "E", kind: "points", label: "E", cyclic: true }],
    },
    series: {
      loss: { step: [1, 2, 2, 3], value: [1, 0.5, 0.7, null] },
      acc: { step: [2, 3], value: [0.1, 0.2] },
    },
    snapshotSteps: steps,
    interventions: [intervention(40, 2), intervention(41, 2)],
    annotations: [{ seq: 50, step: 3, at: 6, by: "ann", text: "look </script><script>alert(1)</script> here" }],
    snapshotAt: (step) => frame(steps.filter((s) => s <= step).at(-1) ?? 0),
    ...over,
  };
}

describe("static run report", () => {
  test("evenly spaced steps keep the first and the last", () => {
    const steps = Array.from({ length: 101 }, (_, i) => i);
    const picked = evenlySpaced(steps, 25);
    assert.equal(picked.length, 25);
    assert.deepEqual([picked[0], picked.at(-1)], [0, 100]);
    assert.deepEqual(evenlySpaced([3, 5], 25), [3, 5]);
    assert.deepEqual(evenlySpaced([3, 5, 9], 1), [9]);
  });

  test("build: 24 evenly spaced snapshots plus the last, float32 values exact, NaN as null, a too-large tensor left out and said so", () => {
    const src = source();
    const report = buildRunReport(src, {}, 12345);
    assert.equal(report.exportedAt, 12345);
    assert.equal(report.snapshots.length, 25);
    assert.deepEqual([report.snapshots[0]!.step, report.snapshots.at(-1)!.step], [0, 600]);
    assert.deepEqual(report.snapshotSteps, src.snapshotSteps);
    for (const snap of report.snapshots) assert.deepEqual(snap.tensors.map((t) => t.name), ["E"]);
    const original = src.snapshotAt(600)!.tensors[0]!.data;
    const embedded = report.snapshots.at(-1)!.tensors[0]!.values;
    assert.equal(embedded[3], null);
    embedded.forEach((v, i) => i !== 3 && assert.equal(Math.fround(v!), original[i]));
    assert.ok(report.omitted.some((o) => /tensor big \[300×300\]: 90000 values/.test(o)), report.omitted.join("\n"));
    assert.ok(report.omitted.some((o) => /25 of the run's 61 stored steps/.test(o)));
    assert.deepEqual(report.series, src.series);
    assert.equal(report.interventions.length, 2);
  });

  test("build: a small value budget embeds fewer snapshots, always the last", () => {
    const report = buildRunReport(source(), { totalValues: 35 });
    assert.deepEqual(report.snapshots.map((s) => s.step), [0, 300, 600]);
    assert.ok(report.omitted.some((o) => /each holds 10 values; the report keeps at most 35/.test(o)));
    assert.deepEqual(buildRunReport(source({ snapshotSteps: [] })).snapshots, []);
  });

  test("parse: a report's JSON round-trips; foreign or inconsistent JSON is refused naming why", () => {
    const report = buildRunReport(source());
    const back = parseRunReport(JSON.stringify(report));
    assert.ok(back.ok);
    assert.deepEqual(back.report, report);
    const bad = (value: unknown) => {
      const r = parseRunReport(typeof value === "string" ? value : JSON.stringify(value));
      assert.ok(!r.ok);
      return r.message;
    };
    assert.match(bad("{nope"), /not valid JSON/);
    assert.match(bad({ format: "other" }), /not an Orrery report/);
    assert.match(bad({ ...report, version: 9 }), /report version 9/);
    assert.match(bad({ ...report, series: { loss: { step: [1, 2], value: [1] } } }), /series\.loss: 2 steps but 1 values/);
    const snapshots = [{ step: 0, tensors: [{ name: "E", shape: [2, 2], values: [1, 2, 3] }] }];
    assert.match(bad({ ...report, snapshots }), /snapshots\.0\.tensors\.0: E: 3 values do not fill shape \[2,2\]/);
  });

  test("events: the curves, snapshots, log and comments as one stream numbered 1..n in step order, ending finished", () => {
    const report = buildRunReport(source(), { snapshots: 2 });
    const { events, lastSeq } = reportEvents(report, "new-run", "finished", "imported");
    const seqs = events.map((e) => (e.kind === "metrics" ? e.point.seq : e.seq));
    assert.deepEqual(seqs, Array.from({ length: events.length }, (_, i) => i + 1));
    assert.equal(lastSeq, events.length);
    const stepOf = (e: (typeof events)[number]) => (e.kind === "metrics" ? e.point.step : e.kind === "intervention" ? e.record.step : e.kind === "annotation" ? e.annotation.step : e.step);
    const steps = events.map(stepOf);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), "ascending by step");
    assert.deepEqual(events.at(-1), { kind: "state", seq: lastSeq, step: 600, state: "finished", reason: "imported" });

    // The metric points give back each series exactly (a value recorded twice at one step too).
    const rebuilt: Record<string, { step: number[]; value: (number | null)[] }> = {};
    for (const e of events) {
      if (e.kind !== "metrics") continue;
      for (const [k, v] of Object.entries(e.point.values)) {
        rebuilt[k] ??= { step: [], value: [] };
        rebuilt[k].step.push(e.point.step);
        rebuilt[k].value.push(v);
      }
    }
    assert.deepEqual(rebuilt, report.series);
    assert.deepEqual(pointsOf({ a: { step: [1, 1], value: [3, 4] } }), [{ step: 1, values: { a: 3 } }, { step: 1, values: { a: 4 } }]);

    const frames = events.flatMap((e) => (e.kind === "snapshot" ? [decodeSnapshotFrame(e.bytes)] : []));
    assert.deepEqual(frames.map((f) => [f.runId, f.step]), [["new-run", 0], ["new-run", 300], ["new-run", 600]]);
    const values = frames.at(-1)!.tensors[0]!.data;
    assert.ok(Number.isNaN(values[3]));
    assert.deepEqual(Array.from(values).filter((_, i) => i !== 3), report.snapshots.at(-1)!.tensors[0]!.values.filter((_, i) => i !== 3).map((v) => Math.fround(v!)));
    const records = events.flatMap((e) => (e.kind === "intervention" ? [e.record] : []));
    assert.deepEqual(records.map((r) => r.seq), events.filter((e) => e.kind === "intervention").map((e) => (e as { seq: number }).seq));
  });

  test("html: one self-contained page (nothing fetched), the report embedded intact, no text able to close its script tag", () => {
    const report = buildRunReport(source());
    const html = renderReportHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /<link|\bsrc=|\bhref=|@import|url\(/i);
    assert.deepEqual(html.match(/https?:\/\/[^\s"')]+/g), ["http://www.w3.org/2000/svg"], "the only URL is the SVG namespace name");
    assert.equal(html.match(/<\/script>/g)?.length, 2, "only the two script tags close");
    assert.match(html, /<title>Toy &#60;\/script&#62; &#60;b&#62;x&#60;\/b&#62; — run r1-abc — Orrery report<\/title>/);
    const json = reportJsonFromHtml(html);
    assert.ok(json);
    const back = parseRunReport(json);
    assert.ok(back.ok);
    assert.deepEqual(back.report, report);
    assert.doesNotThrow(() => new Function(REPORT_SCRIPT), "the inline script parses");
    assert.equal(reportJsonFromHtml("<html></html>"), null);
  });

  test("file names are safe", () => {
    assert.equal(reportFileName({ runId: "a/b c", experiment: "x..y" }, "html"), "orrery-x..y-a_b_c.html");
  });
});
