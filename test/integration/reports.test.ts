import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { experiments } from "@orrery/experiments";
import { parseRunReport, type RunReport, type RunSummary } from "@orrery/protocol";
import { reportJsonFromHtml } from "@orrery/report";
import { RunManager } from "@orrery/trainer";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("reports");
const client = () => fixture.client();
const http = () => fixture.daemon().url.replace(/^ws/, "http");
const OWNER = "reports-token";

async function link(role: "viewer" | "controller", runIds?: string[]): Promise<string> {
  const reply = await client().request({ type: "createLink", role, ...(runIds && { runIds }) });
  assert.ok(reply.type === "link");
  return reply.token;
}

/** A bigram-circle run of 60 steps with a snapshot every 10, an intervention and a comment at step 30: finished. */
async function trainedRun(): Promise<string> {
  const { runId } = runOf(await client().request({ type: "start", experiment: "bigram-circle", config: { steps: 60, snapshot_every: 10, seed: 3 }, paused: true }));
  await client().request({ type: "subscribe", runId });
  await client().request({ type: "step", runId, n: 30 });
  await client().waitFor(() => (client().metricSteps(runId).includes(30) ? true : undefined), 30_000);
  await client().request({ type: "intervene", runId, intervention: { kind: "freeze", groups: ["W1"] } });
  await client().request({ type: "annotate", runId, step: 30, text: "froze W1 </script> here" });
  await client().request({ type: "resume", runId });
  await client().waitForJson((m) => m.type === "state" && m.runId === runId && m.state === "finished", 60_000);
  return runId;
}

const getReport = (runId: string, ext: "json" | "html", token: string) => fetch(`${http()}/runs/${runId}/report.${ext}?token=${encodeURIComponent(token)}`);
const importBody = (body: string, token: string) => fetch(`${http()}/runs/import?token=${encodeURIComponent(token)}`, { method: "POST", body });

function parsed(text: string): RunReport {
  const r = parseRunReport(text);
  assert.ok(r.ok, r.ok ? "" : r.message);
  return r.report;
}

let sourceId = "";
let report: RunReport;

describe("static run reports over the daemon's HTTP API", () => {
  test("report.json and report.html for a viewer link: config, curves, snapshots, log and comments; wrong token 401, another run's link 403", async () => {
    sourceId = await trainedRun();
    const viewer = await link("viewer", [sourceId]);
    const res = await getReport(sourceId, "json", viewer);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(res.headers.get("content-disposition"), `attachment; filename="orrery-bigram-circle-${sourceId}.json"`);
    assert.ok(res.headers.get("access-control-allow-origin"), "readable from the dashboard's origin");
    report = parsed(await res.text());

    const history = await client().request({ type: "history", runId: sourceId, maxPoints: 2000 });
    assert.ok(history.type === "history");
    assert.equal(report.run.runId, sourceId);
    assert.deepEqual([report.run.state, report.run.step, report.run.config.steps], ["finished", 60, 60]);
    assert.equal(report.experiment?.id, "bigram-circle");
    assert.deepEqual(report.series, history.series);
    assert.equal(report.series.loss?.step.length, 60);
    assert.deepEqual(report.snapshots.map((s) => s.step), [0, 10, 20, 30, 40, 50, 60]);
    assert.deepEqual(report.snapshotSteps, history.snapshotSteps);
    const E = report.snapshots.at(-1)!.tensors.find((t) => t.name === "E")!;
    assert.deepEqual(E.shape, [29, 2]);
    assert.deepEqual(report.interventions.map((r) => [r.step, r.intervention.kind]), [[30, "freeze"]]);
    assert.deepEqual(report.annotations.map((a) => [a.step, a.text]), [[30, "froze W1 </script> here"]]);

    const page = await getReport(sourceId, "html", viewer);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-disposition") ?? "", /attachment; filename="orrery-bigram-circle-.*\.html"/);
    const html = await page.text();
    const embedded = parsed(reportJsonFromHtml(html)!);
    assert.deepEqual({ ...embedded, exportedAt: 0 }, { ...report, exportedAt: 0 });

    assert.equal((await getReport(sourceId, "json", "wrong")).status, 401);
    assert.equal((await getReport(sourceId, "json", "")).status, 401);
    const other = runOf(await client().request({ type: "start", experiment: "bigram-circle", paused: true }));
    const otherLink = await link("viewer", [other.runId]);
    const refused = await getReport(sourceId, "html", otherLink);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /does not grant run/);
    await client().request({ type: "stop", runId: other.runId });
    assert.equal((await getReport("no-such-run", "json", OWNER)).status, 404);
  });

  test("POST /runs/import: a new finished, read-only run, announced and listed; its history is the report's; resume, step, intervene and fork are refused", async () => {
    assert.ok(report, "needs the first test's report");
    const from = client().received.length;
    const res = await importBody(JSON.stringify(report), OWNER);
    assert.equal(res.status, 201);
    const run = (await res.json()) as RunSummary;
    assert.notEqual(run.runId, sourceId);
    assert.deepEqual([run.state, run.step, run.totalSteps, run.experiment], ["finished", 60, 60, "bigram-circle"]);
    assert.equal(run.imported?.runId, sourceId);
    assert.equal(run.imported?.exportedAt, report.exportedAt);
    assert.deepEqual(run.config, report.run.config);
    assert.match(run.reason ?? "", /imported from a report of run .*read-only/);
    await client().waitForJson((m) => m.type === "run" && m.run.runId === run.runId, 5000, from);
    const list = await client().request({ type: "listRuns" });
    assert.ok(list.type === "runs" && list.runs.some((r) => r.runId === run.runId && r.imported?.runId === sourceId));

    const history = await client().request({ type: "history", runId: run.runId, maxPoints: 2000 });
    assert.ok(history.type === "history");
    assert.deepEqual(history.series, report.series);
    assert.deepEqual(history.snapshotSteps, report.snapshots.map((s) => s.step));
    assert.deepEqual(history.interventions?.map((r) => [r.step, r.summary]), report.interventions.map((r) => [r.step, r.summary]));
    assert.deepEqual(history.annotations?.map((a) => [a.step, a.by, a.text]), report.annotations.map((a) => [a.step, a.by, a.text]));

    const at = client().received.length;
    client().sendRaw({ type: "snapshot", id: "snap-imported", runId: run.runId, step: 30 });
    const frame = await client().waitFor(() => client().received.slice(at).find((r) => r.kind === "snapshot" && r.frame.requestId === "snap-imported"));
    assert.ok(frame.kind === "snapshot");
    const want = report.snapshots.find((s) => s.step === 30)!.tensors;
    assert.deepEqual(frame.frame.tensors.map((t) => [t.name, t.shape, Array.from(t.data)]), want.map((t) => [t.name, t.shape, t.values.map((v) => Math.fround(v ?? NaN))]));

    for (const msg of [
      { type: "resume", runId: run.runId },
      { type: "step", runId: run.runId, n: 1 },
      { type: "intervene", runId: run.runId, intervention: { kind: "freeze", groups: ["E"] } },
      { type: "fork", from: { runId: run.runId, step: 10 } },
    ]) {
      await assert.rejects(client().request(msg), /bad_state: run .* was imported from a report .*read-only/, msg.type);
    }
    const again = parsed(await (await getReport(run.runId, "json", OWNER)).text());
    assert.deepEqual(again.series, report.series, "an imported run exports the same curves");
    assert.equal(again.run.imported?.runId, sourceId);

    // A daemon restarting over this store leaves it alone: nothing rebuilds a model for it.
    const manager = new RunManager(fixture.daemon().store, "cpu", experiments);
    await manager.recover();
    assert.deepEqual(manager.get(run.runId), fixture.daemon().manager.get(run.runId));
    await manager.shutdown("test");
  });

  test("import: viewers and run-scoped links are refused; a body that is not a report is refused naming why; an exported HTML page imports too", async () => {
    assert.ok(report, "needs the first test's report");
    const body = JSON.stringify(report);
    const viewer = await importBody(body, await link("viewer"));
    assert.equal(viewer.status, 403);
    assert.match(((await viewer.json()) as { error: string }).error, /viewer may not import/);
    assert.equal((await importBody(body, await link("controller", [sourceId]))).status, 403);
    assert.equal((await importBody(body, "wrong")).status, 401);
    const bad = await importBody(JSON.stringify({ ...report, series: { loss: { step: [1], value: [] } } }), OWNER);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /series\.loss: 1 steps but 0 values/);
    assert.equal((await importBody("{", OWNER)).status, 400);

    const html = await (await getReport(sourceId, "html", OWNER)).text();
    const fromHtml = await importBody(html, await link("controller"));
    assert.equal(fromHtml.status, 201);
    assert.equal(((await fromHtml.json()) as RunSummary).imported?.runId, sourceId);
  });
});
