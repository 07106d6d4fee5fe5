/**
 * The exported HTML report in a real browser: written to a file, opened from file:// in headless Chromium with
 * every network request refused, it draws the charts and the embedding scatter, and its step slider moves the
 * points. Needs no dashboard build. Screenshot: test-results/report.png.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = daemonFixture("report-html");
const client = () => fixture.client();
const dir = mkdtempSync(join(tmpdir(), "orrery-report-html-"));
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** A finished 60-step bigram-circle run with a snapshot every 10 steps, an intervention and a comment at step 30. */
async function trainedRun(): Promise<string> {
  const { runId } = runOf(await client().request({ type: "start", experiment: "bigram-circle", config: { steps: 60, snapshot_every: 10, seed: 5 }, paused: true }));
  await client().request({ type: "subscribe", runId });
  await client().request({ type: "step", runId, n: 30 });
  await client().waitFor(() => (client().metricSteps(runId).includes(30) ? true : undefined), 30_000);
  await client().request({ type: "intervene", runId, intervention: { kind: "freeze", groups: ["W1"] } });
  await client().request({ type: "annotate", runId, step: 30, text: "halfway" });
  await client().request({ type: "resume", runId });
  await client().waitForJson((m) => m.type === "state" && m.runId === runId && m.state === "finished", 60_000);
  return runId;
}

const points = (page: Page) =>
  page.$$eval('[data-testid="scatter-E"] circle[data-index]', (cs) => cs.map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]));

test("the exported HTML opens from file:// with the network blocked and shows the charts and the scatter; the slider scrubs the snapshots", { timeout: 90_000 }, async () => {
  const runId = await trainedRun();
  const res = await fetch(`${fixture.daemon().url.replace(/^ws/, "http")}/runs/${runId}/report.html?token=report-html-token`);
  assert.equal(res.status, 200);
  const file = join(dir, "report.html");
  writeFileSync(file, await res.text());

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, offline: true });
  const fetched: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    fetched.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("request", (r) => !r.url().startsWith("file:") && fetched.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector("body[data-rendered=true]", { timeout: 10_000 });

  // Charts: a line per metric with one point per recorded step, the intervention and the comment marked.
  for (const metric of ["loss", "ppl"]) {
    const d = await page.getAttribute(`svg[data-testid="chart-${metric}"] path.line`, "d");
    assert.ok(d && d.split("L").length >= 50, `chart-${metric} draws its curve (d=${d?.slice(0, 80)})`);
  }
  assert.equal(await page.locator('svg[data-testid="chart-loss"] g.intervention').count(), 1);
  assert.equal(await page.locator('svg[data-testid="chart-loss"] g.annotation').count(), 1);
  assert.match((await page.textContent('[data-testid="intervention-log"]')) ?? "", /step 30/);
  assert.match((await page.textContent('[data-testid="annotation-list"]')) ?? "", /halfway/);
  assert.equal(await page.locator('[data-testid="heatmap-W1"] rect').count(), 4);

  // The scatter: 29 embedding points at the last step; the slider's first position shows step 0, elsewhere.
  assert.equal(await page.textContent('[data-testid="shown-step"]'), "60");
  const last = await points(page);
  assert.equal(last.length, 29);
  assert.ok(last.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)), JSON.stringify(last));
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  await page.screenshot({ path: join(ROOT, "test-results", "report.png"), fullPage: true }).catch(() => {});

  await page.focus('[data-testid="step-slider"]');
  await page.keyboard.press("Home");
  assert.equal(await page.textContent('[data-testid="shown-step"]'), "0");
  const first = await points(page);
  assert.notDeepEqual(first, last, "the points moved with the slider");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.textContent('[data-testid="shown-step"]'), "10");
  const cursor = await page.getAttribute('svg[data-testid="chart-loss"] line.cursor', "x1");
  assert.ok(Number(cursor) > 0, "the charts mark the shown step");

  assert.deepEqual(fetched, [], "the page asked for nothing over the network");
  assert.deepEqual(problems, []);
  await context.close();
});
