// `npm run bench -- scatter`: how smoothly the dashboard's embedding scatter animates the paper's path-star graph
// G(5000, 5) (20,001 nodes) in headless Chromium. A real daemon (in its own process) streams a synthetic
// experiment's moving 20,001-point snapshots over the real protocol to the BUILT dashboard (`next start`), which draws
// them with its real points view; then an in-page feed hands the dashboard the same frames at 60/s without a socket
// (what the page itself keeps up with). Build first: `npx turbo run build --filter=@orrery/dashboard`.
//
// Why synthetic: the graph experiments cap graphs at MAX_GRAPH_NODES (their n×n analysis), and training a 20k-node
// embedding is far slower than the frame rate, so no real experiment can produce 20,001-node snapshots every frame.
// The synthetic one has the same shape of data (an n×d embedding E, PCA-projected in the browser like the graph
// views) and a pace set by `hz`. A benchmark, not a test: it prints a table and asserts nothing
// (test/e2e/scatter.test.ts checks the behaviour, on the same harness).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import type { Browser, Page } from "playwright-core";
import { commonFields, experiments, pathStar, resolveFields, type CommonConfig, type Experiment } from "@orrery/experiments";
import { startDaemon } from "@orrery/trainer";
import { launchChromium } from "../test/helpers/chromium.ts";
import { freePort, startNext, stopGroup } from "../test/helpers/next-server.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DASHBOARD = join(ROOT, "apps/dashboard");
const SECONDS = Math.max(5, Number(process.env.BENCH_SECONDS ?? 6));

// ───────────── the synthetic experiment ─────────────

export const SCATTER_EXPERIMENT = "scatter-bench";

export interface ScatterConfig extends CommonConfig {
  arms: number;
  path_length: number;
  width: number;
  hz: number;
}

const fields = [
  { key: "arms", label: "Path-star arms (d)", kind: "number" as const, default: 5000, min: 1, max: 100_000, integer: true },
  { key: "path_length", label: "Path length ℓ (root included)", kind: "number" as const, default: 5, min: 2, max: 100_000, integer: true },
  { key: "width", label: "Embedding width", kind: "number" as const, default: 8, min: 2, max: 64, integer: true },
  { key: "hz", label: "Snapshots per second", kind: "number" as const, default: 60, min: 1, max: 240, integer: true },
  ...commonFields({ steps: 10_000_000, lr: 0, snapshot_every: 10 }),
];

/**
 * A path-star G(arms, ℓ)'s node embedding E (n×width, n = 1 + arms·(ℓ−1)) that moves with time t (seconds): arm a
 * fans out at angle 2πa/arms, node j of an arm sits j along it, and the whole star twists and breathes, plus a
 * fixed small offset per node in the other dimensions, so every point moves each frame while the picture stays a
 * star. Arms hold contiguous ids (as pathStar numbers them), so the index colouring gives each arm its hue.
 * Self-contained (no imports, no named inner functions): the in-page feed runs its source text too.
 */
export function movingPathStar(arms: number, pathLength: number, width: number, seed: number): (t: number) => Float32Array {
  const n = 1 + arms * (pathLength - 1);
  const d = width;
  const arm = new Int32Array(n);
  const depth = new Int32Array(n);
  for (let i = 1; i < n; i++) {
    arm[i] = Math.floor((i - 1) / (pathLength - 1));
    depth[i] = ((i - 1) % (pathLength - 1)) + 1;
  }
  const rest = new Float32Array(n * d);
  let s = seed + 1;
  for (let i = 0; i < n; i++) {
    for (let c = 2; c < d; c++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      rest[i * d + c] = (s / 2 ** 31 - 0.5) * 0.2;
    }
  }
  return (t: number) => {
    const E = Float32Array.from(rest);
    const breathe = 1 + 0.15 * Math.sin(t * 1.3);
    for (let i = 1; i < n; i++) {
      const j = depth[i]!;
      const angle = (2 * Math.PI * arm[i]!) / arms + 0.25 * t + 0.08 * j * Math.sin(t);
      E[i * d] = j * breathe * Math.cos(angle);
      E[i * d + 1] = 0.6 * j * Math.sin(angle);
    }
    return E;
  };
}

/**
 * movingPathStar as an experiment. Steps are paced to hz·snapshot_every per second (the loss blocks until the
 * step's time slot, like a step that computes that long), so snapshots come `hz` times a second; no real training
 * (lr 0 on a dummy weight).
 */
export const scatterExperiment: Experiment<ScatterConfig> = {
  info: {
    id: SCATTER_EXPERIMENT,
    title: "Scatter benchmark — moving path-star G(5000, 5) embedding (synthetic)",
    description: "bench and test only: a synthetic n×d embedding of a path-star graph that moves every step, paced to hz snapshots/s",
    fields,
    metrics: [{ key: "loss", label: "Loss" }],
    views: [{ tensor: "E", kind: "points", label: "Embeddings E (path-star, synthetic)", projection: "pca" }],
  },
  resolveConfig: (partial) => resolveFields(fields, partial) as unknown as ScatterConfig,
  create(config) {
    const at = movingPathStar(config.arms, config.path_length, config.width, config.seed);
    const n = pathStar(config.arms, config.path_length).n;
    const w = tf.variable(tf.zeros([1]), true);
    const slot = new Int32Array(new SharedArrayBuffer(4));
    const start = performance.now();
    const rate = config.hz * config.snapshot_every;
    let step = 0;
    return {
      params: { w },
      frozen: [],
      loss: () => {
        step++;
        const wait = start + (step * 1000) / rate - performance.now();
        if (wait > 0) Atomics.wait(slot, 0, 0, wait);
        return tf.sum(tf.square(w)) as tf.Scalar;
      },
      metrics: (loss) => ({ loss }),
      snapshot: () => [{ name: "E", shape: [n, config.width], data: at(step / rate) }],
      dispose: () => w.dispose(),
    };
  },
};

// ───────────── daemon + built dashboard + Chromium ─────────────

export interface ScatterLab {
  browser: Browser;
  daemonUrl: string;
  baseUrl: string;
  token: string;
  close(): Promise<void>;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



/** Child mode: a daemon that knows the scatter experiment; prints its URL as a JSON line, closes on SIGTERM. */
async function daemonChild(dataDir: string, token: string): Promise<void> {
  const daemon = await startDaemon({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    token,
    backend: "cpu",
    experiments: { ...experiments, [SCATTER_EXPERIMENT]: scatterExperiment },
  });
  process.once("SIGTERM", () => void daemon.close().finally(() => process.exit(0)));
  console.log(JSON.stringify({ url: daemon.url }));
}

/** The daemon in its own process, as it runs for real (not sharing an event loop with the Playwright client). */
async function spawnDaemon(dataDir: string, token: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--daemon", dataDir, token], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stderr?.on("data", (b: Buffer) => (log += b.toString()));
  const url = await new Promise<string>((res, rej) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      log += `${line}\n`;
      if (line.startsWith('{"url"')) res((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => rej(new Error(`the scatter daemon exited with ${code}:\n${log}`)));
    setTimeout(() => rej(new Error(`the scatter daemon did not start within 60 s:\n${log}`)), 60_000).unref();
  });
  return { url, child };
}

/** A daemon that knows the scatter experiment, the built dashboard served by `next start`, and Chromium. */
export async function openScatterLab(): Promise<ScatterLab> {
  if (!existsSync(join(DASHBOARD, ".next", "BUILD_ID"))) {
    throw new Error("apps/dashboard is not built (no .next/BUILD_ID): run `npx turbo run build --filter=@orrery/dashboard` first");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "orrery-scatter-"));
  const token = "scatter-bench";
  let daemon: ChildProcess | undefined;
  let next: ChildProcess | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => {});
    if (next) await stopGroup(next);
    if (daemon) await stopGroup(daemon);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const started = await spawnDaemon(dataDir, token);
    daemon = started.child;
    const port = await freePort();
    next = await startNext(port);
    browser = await launchChromium();
    return { browser, daemonUrl: started.url, baseUrl: `http://127.0.0.1:${port}`, token, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Polls `probe` until it returns a truthy value. */
export async function until<T>(what: string, probe: () => Promise<T>, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe().catch(() => undefined);
    if (last) return last as NonNullable<T>;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * Opens the dashboard on the lab's daemon and starts a scatter run from the UI with `config` (arms, path_length,
 * width, hz…); `query` is appended to the page URL. Resolves once the scatter shows all n points.
 */
export async function startScatterRun(lab: ScatterLab, config: Partial<Record<keyof ScatterConfig, number>>, query = "") {
  const context = await lab.browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  // Snapshot frames the page receives (binary WebSocket messages; metrics go as text), counted in the page;
  // and the in-page feed (feedSnapshots).
  await page.addInitScript(FEED_IN_PAGE(movingPathStar.toString()));
  await page.goto(`${lab.baseUrl}/?daemon=${encodeURIComponent(lab.daemonUrl)}&token=${encodeURIComponent(lab.token)}${query}`);
  await until("connected", async () => ((await page.getByTestId("connection-status").textContent()) ?? "").startsWith("connected"));
  await page.getByTestId("experiment-select").selectOption(SCATTER_EXPERIMENT);
  for (const [key, value] of Object.entries(config)) await page.getByTestId(`field-${key}`).fill(String(value));
  await page.getByTestId("btn-start").click();
  const resolved = scatterExperiment.resolveConfig(config);
  const n = pathStar(resolved.arms, resolved.path_length).n;
  await until(`the scatter of ${n} points`, async () => (await scatterPointCount(page)) === n, 60_000, 200);
  /** Snapshot frames handed to the dashboard so far (from the daemon, or from the in-page feed while it runs). */
  const snapshotsReceived = () => page.evaluate("window.__orreryFeed.delivered") as Promise<number>;
  /** Switches the snapshot source to the in-page feed: the same graph and motion, `hz` frames a second. */
  const feedSnapshots = (hz: number) =>
    page.evaluate(
      `window.__orreryFeed.start(${JSON.stringify({ arms: resolved.arms, pathLength: resolved.path_length, width: resolved.width, seed: resolved.seed, hz })})`,
    );
  return { page, context, pageErrors, n, snapshotsReceived, feedSnapshots };
}

/** How many points the (first) scatter says it draws, and with which renderer. */
export async function scatterPointCount(page: Page): Promise<number> {
  const label = await page.getByTestId("scatter").first().getAttribute("aria-label", { timeout: 1000 });
  return Number(/of (\d+) points/.exec(label ?? "")?.[1] ?? NaN);
}

export interface FrameStats {
  points: number;
  renderer: string;
  seconds: number;
  frames: number;
  fpsP50: number;
  /** The 99th-percentile frame time: 1 % of frames took longer. */
  worst1Ms: number;
  redraws: number;
  redrawsPerSecond: number;
  /** Snapshot frames the page received per second (NaN when not counted). */
  snapshotsPerSecond: number;
}

/**
 * The page's WebSocket, wrapped (an init script, before the dashboard loads): counts binary messages (snapshot
 * frames), and `window.__orreryFeed.start(config)` switches the dashboard's snapshot source from the daemon to
 * frames encoded in the page itself (the same "ORS1" format, the same movingPathStar motion, one second of it
 * replayed in a loop) at `hz`, handed to the dashboard's own message handler: everything after the socket (decoding, state, the points view, the
 * scatter) is the real dashboard. The daemon's own snapshot frames are dropped while the feed runs; its metrics
 * and states still flow.
 */
const FEED_IN_PAGE = (moving: string) => `(() => {
  const Native = window.WebSocket;
  const sockets = [];
  let last = null;
  let timer = 0;
  const feed = (window.__orreryFeed = { delivered: 0, fed: 0, dropped: 0 });
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
    get onmessage() {
      return this.__handler ?? null;
    }
    set onmessage(fn) {
      this.__handler = fn;
      super.onmessage = fn
        ? (e) => {
            if (typeof e.data !== "string") {
              try {
                const bytes = new Uint8Array(e.data);
                const len = new DataView(e.data).getUint32(4, true);
                const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
                if (h.requestId === undefined) last = h;
              } catch {}
              if (timer) return void feed.dropped++;
              feed.delivered++;
            }
            fn.call(this, e);
          }
        : null;
    }
  };
  feed.start = ({ arms, pathLength, width, seed = 0, hz = 60 }) => {
    if (!last) throw new Error("no snapshot from the daemon yet: nothing to continue");
    const at = (${moving})(arms, pathLength, width, seed);
    const n = 1 + arms * (pathLength - 1);
    // One second of motion, computed up front and replayed in a loop: the page should spend its time on what a
    // real socket would hand it, not on making the data.
    const frames = Array.from({ length: hz }, (_, f) => at(f / hz));
    const { runId } = last;
    let seq = last.seq + 1000000;
    let step = last.step;
    clearInterval(timer);
    timer = setInterval(() => {
      const E = frames[step % hz];
      const json = new TextEncoder().encode(JSON.stringify({ runId, seq: ++seq, step: ++step, tensors: [{ name: "E", shape: [n, width] }] }));
      const offset = (8 + json.length + 3) & ~3;
      const buf = new ArrayBuffer(offset + 4 * E.length);
      const bytes = new Uint8Array(buf);
      bytes.set([0x4f, 0x52, 0x53, 0x31], 0);
      new DataView(buf).setUint32(4, json.length, true);
      bytes.set(json, 8);
      new Float32Array(buf, offset).set(E);
      for (const ws of sockets) if (ws.readyState === 1 && ws.__handler) ws.__handler.call(ws, new MessageEvent("message", { data: buf }));
      feed.fed++;
      feed.delivered++;
    }, 1000 / hz);
  };
  feed.stop = () => {
    clearInterval(timer);
    timer = 0;
  };
})()`;

// In-page code as text: tsx's transform would wrap named functions in a helper the page does not have.
const MEASURE_IN_PAGE = `async (ms) => {
  const el = document.querySelector('[data-testid="scatter"]');
  const host = el.closest('[data-testid="points-view"]') || el;
  let redraws = 0;
  const observer = new MutationObserver((records) => {
    if (records.some((m) => m.attributeName === "cx" || m.attributeName === "data-draws")) redraws++;
  });
  observer.observe(host, { subtree: true, attributes: true, attributeFilter: ["cx", "data-draws"] });
  const stamps = [];
  await new Promise((done) => {
    const t0 = performance.now();
    requestAnimationFrame(function frame(t) {
      stamps.push(t);
      if (t - t0 < ms) requestAnimationFrame(frame);
      else done();
    });
  });
  observer.disconnect();
  const now = document.querySelector('[data-testid="scatter"]');
  return { stamps, redraws, renderer: now.getAttribute("data-renderer") || now.tagName.toLowerCase(), label: now.getAttribute("aria-label") || "" };
}`;

/**
 * Counts frames (requestAnimationFrame timestamps) and redraws of the first scatter (DOM commits that move its
 * points: the SVG circles' cx, or the canvas's data-draws counter) over `seconds`.
 */
export async function measureScatter(page: Page, seconds = SECONDS, snapshotsReceived?: () => Promise<number>): Promise<FrameStats> {
  const received0 = (await snapshotsReceived?.()) ?? 0;
  const r = (await page.evaluate(`(${MEASURE_IN_PAGE})(${seconds * 1000})`)) as { stamps: number[]; redraws: number; renderer: string; label: string };
  const received = ((await snapshotsReceived?.()) ?? NaN) - received0;
  const gaps = r.stamps.slice(1).map((t, i) => t - r.stamps[i]!).sort((a, b) => a - b);
  const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? NaN;
  const span = (r.stamps.at(-1)! - r.stamps[0]!) / 1000;
  return {
    points: Number(/of (\d+) points/.exec(r.label)?.[1] ?? NaN),
    renderer: r.renderer,
    seconds: span,
    frames: gaps.length,
    fpsP50: 1000 / q(0.5),
    worst1Ms: q(0.99),
    redraws: r.redraws,
    redrawsPerSecond: r.redraws / span,
    snapshotsPerSecond: received / span,
  };
}

// ───────────── the table ─────────────

/** The rows: the paper's G(5000, 5) on the automatic renderer and forced to SVG, and a small graph for scale. */
const ROWS: { label: string; config: Partial<Record<keyof ScatterConfig, number>>; query: string }[] = [
  { label: "G(5000, 5)", config: {}, query: "" },
  { label: "G(5000, 5)", config: {}, query: "&scatter=svg" },
  { label: "G(20, 5)", config: { arms: 20 }, query: "" },
];

/** Snapshots per second asked of the daemon and of the in-page feed. */
const HZ = 60;

export async function scatterTable(): Promise<void> {
  const lab = await openScatterLab();
  const rows: string[] = [];
  const line = (label: string, source: string, s: FrameStats) =>
    `| ${label} | ${s.points} | ${s.renderer} | ${source} | ${s.fpsP50.toFixed(1)} | ${s.worst1Ms.toFixed(1)} | ${s.redrawsPerSecond.toFixed(1)} | ${s.snapshotsPerSecond.toFixed(1)} |`;
  try {
    for (const row of ROWS) {
      const run = await startScatterRun(lab, { ...row.config, hz: HZ }, row.query);
      try {
        await sleep(1500); // warm-up: JIT, first layouts
        rows.push(line(row.label, "daemon", await measureScatter(run.page, SECONDS, run.snapshotsReceived)));
        await run.feedSnapshots(HZ);
        await sleep(1500);
        rows.push(line(row.label, "in-page feed", await measureScatter(run.page, SECONDS, run.snapshotsReceived)));
        await run.page.getByTestId("btn-stop").click().catch(() => {});
      } finally {
        await run.context.close().catch(() => {});
      }
    }
  } finally {
    await lab.close();
  }
  console.log(`\n| scatter (${SECONDS} s each, headless Chromium) | points | renderer | snapshots from | fps p50 | worst 1 % frame (ms) | redraws/s | snapshots delivered/s |`);
  console.log("|---|---:|---|---|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log(`
fps: requestAnimationFrame timestamps (p50 → fps; worst 1 %: the 99th-percentile frame time); redraws: scatter updates
committed to the page (each new snapshot drawn); delivered: snapshot frames handed to the dashboard's socket handler.
Snapshots (n×8, PCA-projected in the browser like the graph views) come at ${HZ}/s either from a real daemon in its own
process (a synthetic experiment streamed over the real protocol, stored as it goes) or from an in-page feed that
encodes the same frames in the page and hands them to the dashboard's socket handler (the daemon's own snapshot frames
dropped): the daemon row is end to end, the feed row what the dashboard itself keeps up with. ${cpus().length} cores.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "--daemon") await daemonChild(process.argv[3]!, process.argv[4]!);
  else await scatterTable();
}
