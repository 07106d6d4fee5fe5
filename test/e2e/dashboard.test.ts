/**
 * Browser test of the dashboard against real parts: the trainer daemon in-process, the BUILT dashboard
 * (`next start`), and Chromium driven by playwright-core. Build first: `npm run build -w @orrery/dashboard`
 * (`npm test` does). Screenshots land in test-results/.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { experiments } from "@orrery/experiments";
import { startDaemon, type Daemon } from "@orrery/trainer";
import { divergingExperiment } from "../helpers/diverging-experiment.ts";
import { DaemonClient } from "../helpers/daemon-client.ts";
import { runOf } from "../helpers/daemon-fixture.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { freePort, startNext, stopGroup } from "../helpers/next-server.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DASHBOARD = join(ROOT, "apps/dashboard");
const SHOTS = join(ROOT, "test-results");

let daemon: Daemon | undefined;
let dataDir: string | undefined;
let next: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl = "";
const token = randomBytes(12).toString("hex");

// ───────────── helpers ─────────────


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value; fails with `what` (and the last value) after `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T>, timeoutMs = 15_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)}${lastError ? `, error: ${String(lastError)}` : ""})`);
}



const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent({ timeout: 5000 })) ?? "").trim();
const stepOf = async (page: Page) => {
  const t = await text(page, "step-counter");
  assert.match(t, /^\d+$/, `step-counter should be digits only, got "${t}"`);
  return Number(t);
};
const circles = (page: Page) =>
  page.$$eval('[data-testid="scatter"] circle[data-token]', (cs) =>
    cs.map((c) => `${c.getAttribute("data-token")}:${c.getAttribute("cx")},${c.getAttribute("cy")}`).join(" "),
  );

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name) }).catch(() => {});
}

// ───────────── setup / teardown ─────────────

before(async () => {
  if (!existsSync(join(DASHBOARD, ".next", "BUILD_ID"))) {
    throw new Error("apps/dashboard is not built (no .next/BUILD_ID): run `npm run build -w @orrery/dashboard` first");
  }
  dataDir = mkdtempSync(join(tmpdir(), "orrery-e2e-"));
  daemon = await startDaemon({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    token,
    backend: "auto",
    experiments: { ...experiments, diverging: divergingExperiment },
  });
  const port = await freePort();
  next = await startNext(port);
  baseUrl = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  if (next) await stopGroup(next);
  await daemon?.close().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openDashboard(t: string = token) {
  const context = await browser!.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${baseUrl}/?daemon=${encodeURIComponent(daemon!.url)}&token=${encodeURIComponent(t)}`);
  return { page, context, pageErrors };
}

// ───────────── tests ─────────────

test("start, watch, pause, step exactly 1, stop, and reload", { timeout: 120_000 }, async () => {
  const { page, context, pageErrors } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    assert.match(await text(page, "backend"), new RegExp(daemon!.backend.name));

    // Bigram 4 is the default experiment; pick it explicitly anyway and make the run long.
    await page.getByTestId("experiment-select").selectOption("bigram-circle");
    await page.getByTestId("field-steps").fill("100000");
    await page.getByTestId("btn-start").click();
    await until("run-state running", async () => (await text(page, "run-state")) === "running");

    const s1 = await stepOf(page);
    await until("the step counter to increase", async () => (await stepOf(page)) > s1);

    await until("a drawn ppl line", () =>
      page.$eval('[data-testid="chart-ppl"] path.recharts-line-curve', (p) => (p.getAttribute("d") ?? "").split("L").length > 3),
    );
    await until("a reference line on the ppl chart", async () => (await page.locator('[data-testid="chart-ppl"] .recharts-reference-line').count()) > 0);

    const before = await until("scatter points", async () => {
      const c = await circles(page);
      return c.split(" ").length === 29 ? c : "";
    });
    await until("the embedding points to move", async () => (await circles(page)) !== before, 15_000, 200);
    await until("matrix W1 with 4 numbers", async () => (await page.locator('[data-testid="matrix-W1"] td').allTextContents()).filter((s) => /^-?\d+\.\d{3}$/.test(s)).length === 4);
    await page.getByTestId("matrix-W2").waitFor();
    await shot(page, "dashboard-running.png");

    await page.getByTestId("btn-pause").click();
    await until("run-state paused", async () => (await text(page, "run-state")) === "paused");
    const paused = await stepOf(page);
    await sleep(1500);
    assert.equal(await stepOf(page), paused, "the step counter must not move while paused");

    await page.getByTestId("input-step-n").fill("1");
    await page.getByTestId("btn-step").click();
    await until(`step counter ${paused + 1}`, async () => (await stepOf(page)) === paused + 1);
    await sleep(1000);
    assert.equal(await stepOf(page), paused + 1, "Step N=1 takes exactly one step");
    assert.equal(await text(page, "run-state"), "paused");

    await page.getByTestId("btn-stop").click();
    await until("run-state stopped", async () => (await text(page, "run-state")) === "stopped");
    const runId = await page.locator('[data-testid="run-list"] button[data-run-id]').first().getAttribute("data-run-id");
    assert.ok(runId);
    assert.equal(await page.getByTestId("error-banner").count(), 0, "no errors expected");

    // The state comes from the daemon: a reload (token no longer in the URL) shows the same run and step.
    assert.doesNotMatch(page.url(), /token=/);
    await page.reload();
    await until("connected after reload", async () => (await text(page, "connection-status")).startsWith("connected"));
    await until("the run re-opened after reload", async () => (await text(page, "run-state")) === "stopped");
    assert.equal(await stepOf(page), paused + 1);
    await until("the stored snapshot drawn after reload", async () => (await circles(page)).split(" ").length === 29);
    await shot(page, "dashboard-after-reload.png");
    assert.deepEqual(pageErrors, []);
  } catch (e) {
    await shot(page, "dashboard-failure.png");
    throw e;
  } finally {
    await context.close().catch(() => {});
  }
});

test("a run whose loss turns NaN pauses with its reason shown", { timeout: 60_000 }, async () => {
  const { page, context } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("diverging");
    await page.getByTestId("field-nan_at").fill("30");
    await page.getByTestId("btn-start").click();
    await until("run-state paused", async () => (await text(page, "run-state")) === "paused");
    const reason = await until("the pause reason", async () => text(page, "run-reason"));
    assert.match(reason, /NaN/);
    await page.getByTestId("btn-stop").click();
    await until("run-state stopped", async () => (await text(page, "run-state")) === "stopped");
  } finally {
    await context.close().catch(() => {});
  }
});

test("Bigram 3 shows its own optimum L0 on the loss chart and its matrices; V = 40 switches to a heatmap", { timeout: 60_000 }, async () => {
  const { page, context } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("low-rank-bigram");
    await page.getByTestId("field-V").fill("40");
    await page.getByTestId("field-R").fill("5");
    await page.getByTestId("field-N").fill("5");
    await page.getByTestId("field-steps").fill("300");
    await page.getByTestId("btn-start").click();
    await until("run-state finished", async () => (await text(page, "run-state")) === "finished", 30_000);
    assert.match(await text(page, "chart-loss"), /L0 = \d\.\d{4}/, "the run's own reference line");
    assert.match(await text(page, "chart-gap"), /Gap/);
    await until("E as a heatmap (40×5 cells)", async () => page.getByTestId("heatmap-E").isVisible());
    await page.screenshot({ path: join(SHOTS, "dashboard-low-rank.png") });
  } finally {
    await context.close().catch(() => {});
  }
});

test("Bigram 4, Experiment 1 by intervention: freeze W1, W2 at diag(−1, −1) mid-run and perplexity falls toward 2", { timeout: 240_000 }, async () => {
  const { page, context, pageErrors } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("bigram-circle");
    await page.getByTestId("field-w_mode").selectOption("random");
    await page.getByTestId("field-seed").fill("1");
    await page.getByTestId("field-steps").fill("1000000");
    // 300 steps of training, then the intervention (a running start would race: how far the run got before the
    // clicks, and so how long it takes to recover, would depend on the machine's speed).
    await page.getByTestId("btn-create-paused").click();
    await until("created", async () => (await text(page, "run-state")) === "created");
    await page.getByTestId("input-step-n").fill("300");
    await page.getByTestId("btn-step").click();
    await until("300 steps of training", async () => (await stepOf(page)) === 300 && (await text(page, "run-state")) === "paused", 30_000);
    const clickedAt = Date.now();
    await page.getByTestId("btn-freeze-W1").click();
    await page.getByTestId("btn-unfreeze-W1").waitFor(); // the panel re-read the groups: W1 is frozen now
    const firstReflected = Date.now() - clickedAt;
    await page.getByTestId("btn-freeze-W2").click();
    await page.getByTestId("btn-unfreeze-W2").waitFor();
    for (const group of ["W1", "W2"]) {
      await page.getByTestId("set-group").selectOption(group);
      await page.getByTestId("set-preset").selectOption("diag");
      await page.getByTestId("set-arg").fill("-1, -1");
      await page.getByTestId("btn-set").click();
    }
    await until("four entries in the intervention log", async () => (await page.getByTestId("intervention-log").locator("li").count()) === 4);
    assert.match(await text(page, "intervention-log"), /W2: .* → \[\[-1, 0\], \[0, -1\]\]/);
    await page.getByTestId("btn-resume").click();
    await until("the W1 matrix shows diag(−1, −1)", async () => /-1\.000\s*0\.000\s*0\.000\s*-1\.000/.test(await text(page, "matrix-W1")));
    // ~3000 steps: seconds on an idle machine, minutes on a busy one.
    await until("perplexity below 2.2", async () => Number(await text(page, "latest-ppl")) < 2.2, 180_000);
    console.log(`  click → W1 shown frozen in ${firstReflected} ms`);
    await shot(page, "dashboard-intervene.png");
    await page.getByTestId("btn-stop").click();
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close().catch(() => {});
  }
});

test("checkpoints: save one under a name, download it, fork a new run from it (shown as a fork in the run list)", { timeout: 60_000 }, async () => {
  const { page, context, pageErrors } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("bigram-circle");
    await page.getByTestId("field-steps").fill("1000000");
    await page.getByTestId("btn-start").click();
    await until("running", async () => (await text(page, "run-state")) === "running");
    await page.getByTestId("btn-pause").click();
    await page.getByTestId("ckpt-name").fill("e2e-save");
    await page.getByTestId("btn-save-ckpt").click();
    await until("listed", async () => /e2e-save/.test(await text(page, "ckpt-list")));
    const link = await page.getByTestId("ckpt-list").locator("a", { hasText: "download" }).first().getAttribute("href");
    const res = await fetch(link!);
    assert.equal(res.status, 200);
    assert.ok((await res.arrayBuffer()).byteLength > 8, "a safetensors file");
    const before = await page.getByTestId("run-parent").count();
    await page.getByTestId("btn-fork-e2e-save").click();
    await until("a fork in the run list", async () => (await page.getByTestId("run-parent").count()) === before + 1);
    await page.getByTestId("run-parent").first().click();
    await until("the fork is paused at the checkpoint's step", async () => (await text(page, "run-state")) === "paused");
    assert.match(await text(page, "run-family"), /fork of \S+ @ \d+ \(e2e-save\)/);
    await page.getByTestId("btn-resume").click();
    await until("the fork draws its parent's curve behind its own", async () => (await page.getByTestId("chart-loss").locator("path.recharts-curve").count()) >= 2);
    await shot(page, "dashboard-fork.png");
    await page.getByTestId("btn-stop").click();
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close().catch(() => {});
  }
});

test("sharing: an owner's viewer link opens in a second browser, live and read-only; a forged command is refused; its comment reaches the owner; revoking disconnects it", { timeout: 90_000 }, async () => {
  const owner = await openDashboard();
  let viewer: Awaited<ReturnType<typeof openDashboard>> | null = null;
  try {
    const page = owner.page;
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("input-your-name").fill("Alice");
    await page.getByTestId("input-your-name").press("Enter");
    await page.getByTestId("experiment-select").selectOption("bigram-circle");
    await page.getByTestId("field-steps").fill("1000000");
    await until("connected as Alice", async () => (await text(page, "connection-status")).startsWith("connected") && (await page.getByTestId("btn-start").isEnabled()));
    await page.getByTestId("btn-start").click();
    await until("running", async () => (await text(page, "run-state")) === "running");
    await until("the owner sees herself watching", async () => /Alice \(you\)\s*owner/.test(await text(page, "presence")));
    await page.getByTestId("share-role").selectOption("viewer");
    await page.getByTestId("btn-create-link").click();
    const href = await page.getByTestId("new-link").getAttribute("href", { timeout: 10_000 });
    const viewerToken = new URL(href!).searchParams.get("token")!;

    viewer = await openDashboard(viewerToken);
    const v = viewer.page;
    await until("the viewer is connected", async () => (await text(v, "connection-status")).startsWith("connected"));
    await v.getByTestId("run-list").locator("button").first().click();
    const first = await stepOf(v);
    await until("the viewer sees the run move", async () => (await stepOf(v)) > first);
    assert.equal(await v.getByTestId("btn-pause").isDisabled(), true, "controls disabled for a viewer");
    assert.equal(await v.getByTestId("btn-start").isDisabled(), true);
    assert.equal(await v.getByTestId("share-panel").count(), 0, "no share panel for a viewer");
    // Presence: each sees the other, with role; the viewer has no name, so the daemon gave it a guest label.
    await until("the owner sees the viewer", async () => /guest-[0-9a-f]{6}\s*viewer/.test(await text(page, "presence")));
    await until("the viewer sees the owner and itself", async () => /Alice\s*owner/.test(await text(v, "presence")) && /\(you\)\s*viewer/.test(await text(v, "presence")));
    const runId = (await v.getByTestId("run-list").locator("span.font-mono").first().textContent())!.trim();
    const forged = await v.evaluate(
      async ({ url, token, runId }) => {
        const ws = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
        await new Promise((r) => (ws.onopen = r));
        const reply = new Promise<string>((r) => (ws.onmessage = (e) => (JSON.parse(e.data).type === "error" ? r(e.data) : undefined)));
        ws.send(JSON.stringify({ type: "hello", protocol: 2 }));
        ws.send(JSON.stringify({ type: "pause", id: "forged", runId }));
        return reply;
      },
      { url: daemon!.url, token: viewerToken, runId },
    );
    assert.match(forged, /"code":"forbidden"/);
    assert.equal(await text(page, "run-state"), "running", "the forged pause changed nothing");

    await v.getByTestId("annotate-text").fill("the viewer was here");
    await v.getByTestId("btn-annotate").click();
    await until("the owner sees the viewer's comment live", async () => /the viewer was here/.test(await text(page, "annotation-list")));

    const linkId = (await page.getByTestId("link-list").locator("li span.text-slate-100").first().textContent())!.trim();
    await page.getByTestId(`btn-revoke-${linkId}`).click();
    await until("the viewer is disconnected", async () => !(await text(v, "connection-status")).startsWith("connected"), 10_000);
    await until("the owner sees the viewer leave", async () => (await page.getByTestId("watcher").count()) === 1);
    await shot(v, "dashboard-viewer-revoked.png");
    await page.getByTestId("btn-stop").click();
  } finally {
    await viewer?.context.close().catch(() => {});
    await owner.context.close().catch(() => {});
  }
});

test("two daemons side by side: add a second by URL and token, see its runs and connection state, open one live; the first stays listed", { timeout: 90_000 }, async () => {
  const otherDir = mkdtempSync(join(tmpdir(), "orrery-e2e-2-"));
  const otherToken = randomBytes(12).toString("hex");
  const other = await startDaemon({ host: "127.0.0.1", port: 0, dataDir: otherDir, token: otherToken, backend: "auto" });
  const { page, context } = await openDashboard();
  try {
    const { client } = await DaemonClient.connect(other.url, otherToken);
    const remote = runOf(await client.request({ type: "start", experiment: "low-rank-bigram", config: { steps: 1_000_000 } }));
    await client.close();
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    const firstDaemonRuns = await page.getByTestId("run-list").locator("button[data-run-id]").count();

    await page.getByTestId("input-add-daemon-url").fill(other.url);
    await page.getByTestId("input-add-daemon-token").fill(otherToken);
    await page.getByTestId("btn-add-daemon").click();
    const row = page.locator(`[data-daemon-url="${other.url}"]`);
    await until("the second daemon connected", async () => (await row.getByTestId("fleet-status").getAttribute("data-status")) === "connected");
    await until("its run listed", async () => (await row.locator(`button[data-run-id="${remote.runId}"]`).count()) === 1);
    assert.equal(await page.getByTestId("run-list").locator(`button[data-run-id="${remote.runId}"]`).count(), 0, "the first daemon's list is its own");
    await shot(page, "dashboard-two-daemons.png");

    await row.locator(`button[data-run-id="${remote.runId}"]`).click();
    await until("the second daemon on screen", async () => ((await page.locator("footer").textContent()) ?? "").includes(other.url));
    await until("connected to it", async () => (await text(page, "connection-status")).startsWith("connected"));
    await until("its run open", async () => (await text(page, "run-id")) === remote.runId);
    const first = await stepOf(page);
    await until("the remote run moves live", async () => (await stepOf(page)) > first);
    const back = page.locator(`[data-daemon-url="${daemon!.url}"]`);
    await until("the first daemon listed beside it, connected", async () => (await back.getByTestId("fleet-status").getAttribute("data-status")) === "connected");
    await until("with its runs", async () => (await back.locator("button[data-run-id]").count()) === firstDaemonRuns);

    // A watched daemon that goes away shows it, and comes back on its own.
    await back.getByText(daemon!.url.replace("ws://", "")).click();
    await until("the first daemon on screen again", async () => ((await page.locator("footer").textContent()) ?? "").includes(daemon!.url));
    const otherRow = page.locator(`[data-daemon-url="${other.url}"]`);
    await until("the second daemon listed", async () => (await otherRow.getByTestId("fleet-status").getAttribute("data-status")) === "connected");
    const port = other.port;
    await other.close();
    await until("its loss shown", async () => (await otherRow.getByTestId("fleet-status").getAttribute("data-status")) !== "connected", 10_000);
    const again = await startDaemon({ host: "127.0.0.1", port, dataDir: otherDir, token: otherToken, backend: "auto" });
    try {
      await until("reconnected by itself", async () => (await otherRow.getByTestId("fleet-status").getAttribute("data-status")) === "connected", 30_000);
      await until("its run still listed", async () => (await otherRow.locator(`button[data-run-id="${remote.runId}"]`).count()) === 1);
    } finally {
      await again.close();
    }
  } finally {
    await context.close().catch(() => {});
    await other.close().catch(() => {});
    rmSync(otherDir, { recursive: true, force: true });
  }
});

test("Induction heads: inspect a paused run's attention on typed tokens; a bad token is refused by name", { timeout: 60_000 }, async () => {
  const { page, context, pageErrors } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("induction-heads");
    await page.getByTestId("field-d_model").fill("16");
    await page.getByTestId("btn-start").click();
    await until("running", async () => (await text(page, "run-state")) === "running");
    await page.getByTestId("btn-pause").click();
    await until("paused", async () => (await text(page, "run-state")) === "paused");
    await page.getByTestId("inspect-input").fill("3 7 1 3 7 1");
    await page.getByTestId("btn-inspect").click();
    await until("layer 2's attention, 6×6", async () => (await page.getByTestId("matrix-inspect-attention_layer2").locator("tr").count()) === 6);
    assert.match(await text(page, "inspect-result"), new RegExp(`“3 7 1 3 7 1” at step ${await stepOf(page)}`));
    await page.getByTestId("inspect-input").fill("3 99");
    await page.getByTestId("btn-inspect").click();
    await until("the error names the token", async () => /token 2 \("99"\)/.test(await text(page, "error-banner")));
    await shot(page, "dashboard-inspect.png");
    assert.deepEqual(pageErrors, []);
    await page.getByTestId("btn-stop").click();
  } finally {
    await context.close().catch(() => {});
  }
});

test("embedding in 3D follows a projection change and rotates on drag; the sweep panel fits a log-log slope over N", { timeout: 90_000 }, async () => {
  const { page, context, pageErrors } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("low-rank-bigram");
    await page.getByTestId("field-V").fill("10");
    await page.getByTestId("field-R").fill("5");
    await page.getByTestId("field-steps").fill("300");
    const listed = () => page.locator('[data-testid="run-list"] button[data-run-id]').count();
    const before = await listed();
    for (const [k, N] of ["1", "2", "3"].entries()) {
      await page.getByTestId("field-N").fill(N);
      await page.getByTestId("btn-start").click();
      await until(`the N=${N} run listed`, async () => (await listed()) === before + k + 1);
    }
    await until("the last run finished", async () => (await text(page, "run-state")) === "finished", 40_000);

    // The last run (N = 3) on screen: its E in 3D, first on raw dims, then on its principal axes.
    const view = page.getByTestId("points-view").first();
    await view.getByTestId("points-dims-3d").click();
    const tokens3d = () =>
      view.locator('[data-testid="scatter-3d"] circle[data-token]').evaluateAll((cs) =>
        cs.map((c) => `${c.getAttribute("data-token")}:${c.getAttribute("cx")},${c.getAttribute("cy")}`).sort().join(" "),
      );
    const raw = await until("10 points in 3D", async () => ((await tokens3d()).split(" ").length === 10 ? tokens3d() : ""));
    await view.getByTestId("points-projection").selectOption("pca");
    assert.equal(await view.getAttribute("data-projection"), "pca");
    await until("the points to move onto the principal axes", async () => (await tokens3d()) !== raw);
    assert.match((await view.getByTestId("scatter-3d").textContent()) ?? "", /PC1 \(\d+%\)/);
    await view.getByTestId("scatter-3d").scrollIntoViewIfNeeded();
    const box = (await view.getByTestId("scatter-3d").boundingBox())!;
    const yaw = await view.getByTestId("scatter-3d").getAttribute("data-yaw");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await until("dragging to rotate the camera", async () => (await view.getByTestId("scatter-3d").getAttribute("data-yaw")) !== yaw);

    // The three runs differ only in N: one series, fitted on log-log axes.
    const sweep = page.getByTestId("sweep-panel");
    await sweep.getByTestId("sweep-experiment").selectOption("low-rank-bigram");
    await sweep.getByTestId("sweep-metric").selectOption("gap");
    await sweep.getByTestId("sweep-key").selectOption("N");
    const slope = await until("a fitted slope over 3 values of N", async () => {
      for (const li of await sweep.getByTestId("sweep-slope").all()) {
        const t = (await li.textContent()) ?? "";
        if (/\(3 values of N\)/.test(t) && /log-log slope -?\d+\.\d{3}/.test(t)) return Number(await li.getAttribute("data-slope"));
      }
      return null;
    }, 20_000);
    assert.ok(Number.isFinite(slope) && slope < 0, `the gap shrinks as N grows (slope ${slope})`);
    assert.ok((await sweep.locator('[data-testid="sweep-chart"] circle[data-run-id]').count()) >= 3);
    await view.screenshot({ path: join(SHOTS, "dashboard-3d.png") }).catch(() => {});
    await sweep.screenshot({ path: join(SHOTS, "dashboard-sweep.png") }).catch(() => {});
    assert.deepEqual(pageErrors, []);
  } catch (e) {
    await shot(page, "dashboard-3d-sweep-failure.png");
    throw e;
  } finally {
    await context.close().catch(() => {});
  }
});

test("reconnects after the daemon restarts, which restores the run from its checkpoint; Resume continues it", { timeout: 90_000 }, async () => {
  const { page, context } = await openDashboard();
  try {
    await until("connected", async () => (await text(page, "connection-status")).startsWith("connected"));
    await page.getByTestId("experiment-select").selectOption("bigram-circle");
    await page.getByTestId("field-steps").fill("100000");
    await page.getByTestId("btn-start").click();
    await until("run-state running", async () => (await text(page, "run-state")) === "running");
    await until("some steps", async () => (await stepOf(page)) > 20);

    // Restart the daemon on the same port and data: on the way down it pauses and checkpoints its runs.
    const { port } = daemon!;
    await daemon!.close();
    await until("the page to notice", async () => !(await text(page, "connection-status")).startsWith("connected"), 10_000);
    daemon = await startDaemon({
      host: "127.0.0.1",
      port,
      dataDir: dataDir!,
      token,
      backend: "auto",
      experiments: { ...experiments, diverging: divergingExperiment },
    });
    await until("reconnected", async () => (await text(page, "connection-status")).startsWith("connected"), 30_000);
    await until("run-state paused", async () => (await text(page, "run-state")) === "paused");
    assert.match(await text(page, "run-reason"), /restored from the checkpoint/);
    const stored = daemon.manager.list().find((r) => r.state === "paused" && r.reason?.includes("restored from the checkpoint"));
    assert.ok(stored, "the daemon restored the run");
    await until(`step counter ${stored.step}`, async () => (await stepOf(page)) === stored.step);
    await page.getByTestId("btn-resume").click();
    await until("run-state running", async () => (await text(page, "run-state")) === "running");
    await until("steps beyond the checkpoint", async () => (await stepOf(page)) > stored.step + 20);
    await page.getByTestId("btn-stop").click();
    await until("run-state stopped", async () => (await text(page, "run-state")) === "stopped");
  } finally {
    await context.close().catch(() => {});
  }
});

test("a wrong token is refused and shown as offline, never as connected", { timeout: 30_000 }, async () => {
  const { page, context } = await openDashboard("not-the-token");
  try {
    await until("the refusal to show", async () => (await text(page, "connection-status")).startsWith("offline"));
    assert.equal(await page.getByTestId("connection-status").getAttribute("data-status"), "reconnecting");
    assert.ok(!(await text(page, "connection-status")).includes("connected"));
    // The daemon is up (its /health answers), so the bar blames the token, not the network.
    await until("the token to be blamed", async () => /check the token/.test((await page.locator("footer").textContent()) ?? ""));
  } finally {
    await context.close().catch(() => {});
  }
});
