// `npm run bench -- memory` and `npm run bench -- history` (issue 6: "memory is flat"; "a stored 1M-step run opens in
// < 1 s with its spikes visible"). Both use a real daemon on a real SQLite store in a temp folder.
//   memory:  one bigram-circle run (defaults) of BENCH_MEMORY_STEPS steps (default 1,000,000), stored as the product
//            stores it and watched by one viewer socket in a child process; the process's memory and tfjs's tensors
//            sampled every BENCH_MEMORY_SAMPLE_SECONDS (5), after a full GC (every sample to BENCH_MEMORY_CSV, if set).
//   history: a finished run of BENCH_HISTORY_STEPS steps (default 1,000,000) written straight into the store, with
//            single-step spikes and a dip in its loss; then its opening timed from a `ws` client and from the built
//            dashboard in headless Chromium.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as tf from "@tensorflow/tfjs";
import { WebSocket } from "ws";
import { PROTOCOL_VERSION, TERMINAL_STATES, type Series } from "@orrery/protocol";
import { RunStore } from "@orrery/store";
import { startDaemon, storeFile } from "@orrery/trainer";
import { CHROMIUM, launchChromium } from "../test/helpers/chromium.ts";
import { benchChild } from "./lib/bench-child.ts";
import { freePort, startNext, stopGroup } from "../test/helpers/next-server.ts";
import { rng, writeStoredRun, type Spike } from "../test/helpers/stored-run.ts";
// What the dashboard plots of a series (its own min/max thinning, ≤ 512 points at the default width): the points its loss chart must draw.
import { chartPoints } from "../apps/dashboard/lib/state/selectors.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MiB = 2 ** 20;
const TOKEN = "bench";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fileSize = (f: string) => (existsSync(f) ? statSync(f).size : 0);

/** A full collection on demand (the flag set at run time, as `node --expose-gc` would). */
function fullGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

// ───────────── memory ─────────────

interface Sample {
  seconds: number;
  step: number;
  running: boolean;
  rss: number;
  heapTotal: number;
  /** RSS less V8's committed heap: the native side (tfjs's wasm memory, SQLite, buffers, the allocator's keep). */
  native: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  tensors: number;
  tensorBytes: number;
}

/** Least-squares slope of y against x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/** Theil–Sen slope: the median of the pairwise slopes, which a few spikes (a GC's committed pages) do not tilt. */
function robustSlope(xs: number[], ys: number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
  return slopes.length ? median(slopes) : NaN;
}

async function memoryRun() {
  const steps = Number(process.env.BENCH_MEMORY_STEPS ?? 1_000_000);
  const sampleMs = Number(process.env.BENCH_MEMORY_SAMPLE_SECONDS ?? 5) * 1000;
  const gc = fullGc();
  const dataDir = mkdtempSync(join(tmpdir(), "orrery-bench-memory-"));
  const daemon = await startDaemon({ port: 0, dataDir, token: TOKEN });
  const run = daemon.manager.create("bigram-circle", { steps });
  const viewer = benchChild(["viewers", daemon.url, TOKEN, run.runId, "1"]); // its memory is not ours
  await viewer.start();
  const t0 = performance.now();
  const samples: Sample[] = [];
  const sample = (): Sample => {
    gc();
    const m = process.memoryUsage();
    const t = tf.memory();
    const stored = daemon.manager.get(run.runId);
    return {
      seconds: (performance.now() - t0) / 1000,
      step: stored.step,
      running: !TERMINAL_STATES.includes(stored.state),
      rss: m.rss / MiB,
      heapTotal: m.heapTotal / MiB,
      native: (m.rss - m.heapTotal) / MiB,
      heapUsed: m.heapUsed / MiB,
      external: m.external / MiB,
      arrayBuffers: m.arrayBuffers / MiB,
      tensors: t.numTensors,
      tensorBytes: t.numBytes,
    };
  };
  for (;;) {
    await sleep(sampleMs);
    const s = sample();
    samples.push(s);
    if (!s.running) break;
  }
  const seconds = samples.at(-1)!.seconds;
  if (process.env.BENCH_MEMORY_CSV) {
    const keys = Object.keys(samples[0]!) as Array<keyof Sample>;
    writeFileSync(process.env.BENCH_MEMORY_CSV, [keys.join(","), ...samples.map((s) => keys.map((k) => s[k]).join(","))].join("\n") + "\n");
  }
  await sleep(500);
  const afterFinish = sample();
  const viewerStats = await viewer.stats();
  await viewer.stop();
  const dbBytes = fileSize(storeFile(dataDir)) + fileSize(`${storeFile(dataDir)}-wal`);
  await daemon.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { steps, samples, afterFinish, seconds, viewerStats, dbBytes, backend: daemon.backend.name };
}

export async function memoryTable(): Promise<void> {
  const r = await memoryRun();
  const running = r.samples.filter((s) => s.running);
  if (running.length < 3) {
    console.log(`\nmemory: the run ended after ${running.length} samples; raise BENCH_MEMORY_STEPS`);
    return;
  }
  const nearest = (fraction: number) =>
    running.reduce((best, s) => (Math.abs(s.step - fraction * r.steps) < Math.abs(best.step - fraction * r.steps) ? s : best));
  // Warm-up: kernels, JIT, the store's page cache and the viewer's queue settle in the first seconds.
  const warm = running.find((s) => s.seconds >= 10 && s.step >= 0.02 * r.steps) ?? running[0]!;
  const end = running.at(-1)!;
  const rows: Array<[string, Sample]> = [
    ["after warm-up", warm],
    ["25 %", nearest(0.25)],
    ["50 %", nearest(0.5)],
    ["75 %", nearest(0.75)],
    ["end (last sample while running)", end],
    ["after finish (trainer disposed)", r.afterFinish],
  ];
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(`\n| memory (bigram-circle, ${r.steps.toLocaleString("en")} steps, ${r.backend}, stored + 1 viewer; after a full GC) | step | time | RSS | heapTotal | RSS − heapTotal | heapUsed | external | arrayBuffers | tf tensors | tf bytes |`);
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [label, s] of rows) {
    console.log(`| ${label} | ${s.step.toLocaleString("en")} | ${f(s.seconds, 0)} s | ${f(s.rss)} MiB | ${f(s.heapTotal)} MiB | ${f(s.native)} MiB | ${f(s.heapUsed)} MiB | ${f(s.external)} MiB | ${f(s.arrayBuffers)} MiB | ${s.tensors} | ${s.tensorBytes} |`);
  }
  const from = nearest(0.25);
  const fit = running.filter((s) => s.step >= from.step);
  const per100k = (key: keyof Sample, estimate = slope) => 1e5 * estimate(fit.map((s) => s.step), fit.map((s) => s[key] as number));
  const [rssSlope, nativeSlope, heapSlope, externalSlope] = [per100k("rss"), per100k("native"), per100k("heapUsed"), per100k("external")];
  const [rssRobust, nativeRobust, heapRobust] = [per100k("rss", robustSlope), per100k("native", robustSlope), per100k("heapUsed", robustSlope)];
  // RSS swings by tens of MiB as V8 commits and releases heap pages (heapTotal) and the allocator keeps or returns
  // memory; SQLite's page cache fills up to its 16 MiB (better-sqlite3's default) as the file grows. A leak shows as
  // a trend in heapUsed (JS objects) or in RSS − heapTotal (native): judged on the Theil–Sen slopes, which those
  // spikes do not tilt (the least-squares ones are printed beside them).
  const steady = end.tensors === from.tensors && end.tensorBytes === from.tensorBytes && heapRobust < 0.5;
  const verdict = !steady ? "GROWS (tfjs tensors or the JS heap)" : nativeRobust < 1 ? "is flat" : "GROWS (native memory, RSS − heapTotal)";
  const span = end.step - from.step;
  console.log(
    `\nMemory ${verdict}: from 25 % to the end (${span.toLocaleString("en")} steps) RSS ${f(end.rss - from.rss, 1)} MiB, RSS − heapTotal ` +
      `${f(end.native - from.native, 1)} MiB, heapUsed ${f(end.heapUsed - from.heapUsed, 2)} MiB, tf tensors ${end.tensors - from.tensors >= 0 ? "+" : ""}${end.tensors - from.tensors} ` +
      `(${end.tensorBytes - from.tensorBytes} bytes). Slopes over ${fit.length} samples, MiB per 100k steps, Theil–Sen (least squares): ` +
      `RSS ${f(rssRobust, 2)} (${f(rssSlope, 2)}), RSS − heapTotal ${f(nativeRobust, 2)} (${f(nativeSlope, 2)}), heapUsed ${f(heapRobust, 3)} (${f(heapSlope, 3)}), ` +
      `external (${f(externalSlope, 3)}). Flat: tensors unchanged, heapUsed < 0.5 and RSS − heapTotal < 1 MiB per 100k steps (Theil–Sen).`,
  );
  console.log(
    `${r.samples.length} samples; ${f(r.steps / r.seconds, 0)} steps/s on average; the viewer received ${r.viewerStats.frames} messages ` +
      `(${f(r.viewerStats.bytes! / MiB)} MiB); the SQLite file grew to ${f(r.dbBytes / MiB)} MiB (on disk, not in memory).`,
  );
}

// ───────────── history ─────────────

/** A real `ws` client opening a run as the dashboard does: hello → welcome → history → subscribe (afterSeq) → ack. */
function openRun(url: string, runId: string, maxPoints: number) {
  return new Promise<{ historyMs: number; subscribedMs: number; bytes: number; series: Record<string, Series> }>((resolvePromise, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(`${url}/?token=${TOKEN}`);
    let historyMs = 0;
    let bytes = 0;
    let series: Record<string, Series> = {};
    ws.on("error", reject);
    ws.on("open", () => ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, client: "bench-history" })));
    ws.on("message", (data: Buffer, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString("utf8"));
      if (m.type === "welcome") ws.send(JSON.stringify({ type: "history", id: "h", runId, maxPoints }));
      else if (m.type === "history" && m.id === "h") {
        historyMs = performance.now() - t0;
        bytes = data.byteLength;
        series = m.series;
        ws.send(JSON.stringify({ type: "subscribe", id: "s", runId, afterSeq: m.lastSeq }));
      } else if (m.type === "ack" && m.id === "s") {
        const subscribedMs = performance.now() - t0;
        ws.close();
        resolvePromise({ historyMs, subscribedMs, bytes, series });
      } else if (m.type === "error") reject(new Error(`${m.code}: ${m.message}`));
    });
  });
}




/** Navigation → the run's loss chart drawn with (nearly) all its history's points, in headless Chromium; ms each. */
async function dashboardOpenTimes(daemonUrl: string, runId: string, chartPointCount: number, repeats: number): Promise<{ ms: number[]; socketMs: number[]; drawn: number } | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM}`;
  if (!existsSync(join(ROOT, "apps/dashboard/.next/BUILD_ID"))) return "skipped: the dashboard is not built (npx turbo run build --filter=@orrery/dashboard)";
  const port = await freePort();
  const next = await startNext(port);
  const browser = await launchChromium();
  try {
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}/?daemon=${encodeURIComponent(daemonUrl)}&token=${TOKEN}#run=${encodeURIComponent(runId)}`;
    await fetch(base); // the server's first render is not the run's opening
    const ms: number[] = [];
    const socketMs: number[] = [];
    let drawn = 0;
    for (let i = 0; i < repeats; i++) {
      const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
      const page = await context.newPage();
      const t0 = performance.now();
      page.once("websocket", () => socketMs.push(performance.now() - t0));
      await page.goto(url);
      // Polled every frame: the number of points in the loss chart's line (a linear path: M x,y L x,y …).
      const handle = await page.waitForFunction(
        `(() => {
          const d = document.querySelector('[data-testid="chart-loss"] path.recharts-line-curve')?.getAttribute("d") ?? "";
          const n = d ? d.split("L").length : 0;
          return n >= ${chartPointCount} ? n : 0;
        })()`,
        undefined,
        { polling: "raf", timeout: 30_000 },
      );
      ms.push(performance.now() - t0);
      drawn = (await handle.jsonValue()) as number;
      await context.close();
    }
    return { ms, socketMs, drawn };
  } finally {
    await browser.close().catch(() => {});
    await stopGroup(next);
  }
}

export async function historyTable(): Promise<void> {
  const steps = Number(process.env.BENCH_HISTORY_STEPS ?? 1_000_000);
  const maxPoints = 2000; // what the dashboard asks for (lib/connection/client.ts historyPoints)
  const dataDir = mkdtempSync(join(tmpdir(), "orrery-bench-history-"));
  const random = rng(Number(process.env.BENCH_SEED ?? 7));
  const draw = () => 1 + Math.floor(random() * steps);
  const spikeSteps = Array.from({ length: 5 }, draw);
  const dipSteps = [draw()];
  const runId = "stored-1m";
  const store = RunStore.open(storeFile(dataDir));
  const buildStart = performance.now();
  const { spikes } = writeStoredRun(store, { runId, steps, spikeSteps, dipSteps, snapshotEvery: 50, sharpnessEvery: 1000 });
  const buildSeconds = (performance.now() - buildStart) / 1000;
  store.close();
  const dbBytes = fileSize(storeFile(dataDir)) + fileSize(`${storeFile(dataDir)}-wal`);

  const daemon = await startDaemon({ port: 0, dataDir, token: TOKEN });
  try {
    const opens = [];
    for (let i = 0; i < 5; i++) opens.push(await openRun(daemon.url, runId, maxPoints));
    const { series, bytes } = opens[0]!;
    const f = (x: number) => x.toFixed(0);
    console.log(`\n| history (a stored run of ${steps.toLocaleString("en")} steps, maxPoints ${maxPoints}) | value |`);
    console.log("|---|---:|");
    console.log(`| stored: loss + ppl every step, sharpness every 1000, a snapshot every 50 | ${(2 * steps + steps / 1000 + steps / 50).toLocaleString("en")} rows, ${(dbBytes / MiB).toFixed(0)} MiB, written in ${buildSeconds.toFixed(1)} s |`);
    console.log(`| ws: connect → history arrives (first, cold) | ${f(opens[0]!.historyMs)} ms |`);
    console.log(`| ws: connect → history arrives (median of 5) | ${f(median(opens.map((o) => o.historyMs)))} ms |`);
    console.log(`| ws: connect → history → subscribed (median of 5) | ${f(median(opens.map((o) => o.subscribedMs)))} ms |`);
    console.log(`| history message | ${(bytes / 1024).toFixed(0)} KiB; loss ${series.loss?.step.length} points, ppl ${series.ppl?.step.length}, sharpness ${series.sharpness?.step.length} |`);
    const plotted = chartPoints(series.loss);
    const browser = await dashboardOpenTimes(daemon.url, runId, plotted.length, 3).catch((e: Error) => `skipped: ${e.message}`);
    if (typeof browser === "string") console.log(`| dashboard in Chromium: navigation → loss chart drawn | ${browser} |`);
    else {
      console.log(`| dashboard in Chromium: navigation → loss chart drawn (median of 3) | ${f(median(browser.ms))} ms (${browser.ms.map(f).join(", ")}) |`);
      console.log(`| of which: navigation → the page opens its daemon socket (median) | ${f(median(browser.socketMs))} ms |`);
      console.log(`| points drawn in the loss chart's line (the dashboard plots ${plotted.length} of the history's ${series.loss?.step.length}) | ${browser.drawn} |`);
    }
    const has = (s: Series | undefined, spike: Spike, value: number) => {
      const i = s?.step.indexOf(spike.step) ?? -1;
      return i >= 0 && s!.value[i] === value ? "yes" : "no";
    };
    const plottedValue = new Map(plotted.map((p) => [p.step, p.value]));
    console.log("\n| injected outlier | step | loss | in the downsampled loss | in the downsampled ppl | among the loss chart's plotted points |");
    console.log("|---|---:|---:|:-:|:-:|:-:|");
    for (const spike of [...spikes].sort((a, b) => a.step - b.step)) {
      console.log(`| ${spike.kind} | ${spike.step.toLocaleString("en")} | ${spike.loss.toFixed(3)} | ${has(series.loss, spike, spike.loss)} | ${has(series.ppl, spike, spike.ppl)} | ${plottedValue.get(spike.step) === spike.loss ? "yes" : "no"} |`);
    }
  } finally {
    await daemon.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
