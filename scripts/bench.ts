// `npm run bench`: training throughput per tfjs backend and experiment, the daemon's streaming costs
// measured in a real browser, how many viewers one daemon holds, and Orrery against a PyTorch reference
// (bench-vs-torch.ts), the daemon's memory over a 1M-step run and the opening of a stored 1M-step run
// (bench-memory.ts). A benchmark, not a test: it prints tables and asserts nothing. `npm run bench -- viewers`
// (or throughput, streaming, torch, memory, history) runs only those sections.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { encodeSnapshotFrame, PROTOCOL_VERSION } from "@orrery/protocol";
import { createTrainer, experiments } from "@orrery/experiments";
import { attachShards, selectBackend, startDaemon, type BackendPreference, type Subscriber } from "@orrery/trainer";
import { benchChild } from "./lib/bench-child.ts";
import { torchTable } from "./bench-vs-torch.ts";
import { historyTable, memoryTable } from "./bench-memory.ts";
import { scatterTable } from "./bench-scatter.ts";

const CHROMIUM = "/usr/bin/chromium";
const STEP_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SECTIONS = ["throughput", "streaming", "viewers", "torch", "memory", "history", "scatter"] as const;

/** Child mode: one backend per process (tfjs has one engine), prints one JSON line. */
async function throughputChild(backend: BackendPreference, experimentId: string): Promise<void> {
  const info = await selectBackend(backend);
  const experiment = experiments[experimentId]!;
  const config = experiment.resolveConfig({});
  const trainer = createTrainer(experiment, config);
  const shards = await attachShards(trainer, experimentId, config, info.name); // as the daemon does
  // Warm-up: kernels, optimizer slots, and a first snapshot (views may build fixed probe inputs once).
  for (let i = 0; i < 20; i++) trainer.trainStep();
  trainer.problem.snapshot();
  const tensorsBefore = tf.memory().numTensors;
  const start = performance.now();
  let steps = 0;
  while (performance.now() - start < STEP_SECONDS * 1000) {
    trainer.trainStep();
    steps++;
  }
  const seconds = (performance.now() - start) / 1000;
  const snapshotBytes = encodeSnapshotFrame({ runId: "x".repeat(15), seq: 1, step: 1, tensors: trainer.problem.snapshot() }).byteLength;
  console.log(JSON.stringify({
    backend: info.name,
    experiment: experimentId,
    stepsPerSecond: steps / seconds,
    shards,
    tensorLeak: tf.memory().numTensors - tensorsBefore,
    snapshotBytes,
  }));
}

function throughput(backend: BackendPreference, experimentId: string) {
  try {
    const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/bench.ts", "--child", backend, experimentId], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return JSON.parse(out.trim().split("\n").pop()!) as {
      backend: string; experiment: string; stepsPerSecond: number; shards: number; tensorLeak: number; snapshotBytes: number;
    };
  } catch {
    return null; // backend not available here
  }
}

/** Step → browser latency of streamed metrics: a live run on a real daemon, watched by Chromium. */
async function streamingLatency() {
  const dataDir = mkdtempSync(join(tmpdir(), "orrery-bench-"));
  const daemon = await startDaemon({ port: 0, dataDir, token: "bench" });
  const emitted = new Map<number, number>(); // seq → epoch ms when the step's metrics were produced
  const run = daemon.manager.create("bigram-circle", { steps: 1_000_000 });
  const probe: Subscriber = {
    metrics: (_id, p) => void emitted.set(p.seq, performance.timeOrigin + performance.now()),
    snapshot: () => {},
    state: () => {},
    intervention: () => {},
    annotation: () => {},
  };
  daemon.manager.subscribe(run.runId, probe);
  const rssBefore = process.memoryUsage().rss;
  let received: Array<[number, number]> = [];
  let viewer = "none";
  // Steps/s of the run alone (storing, no viewer), then while the browser watches.
  const aloneStart = daemon.manager.get(run.runId).step;
  await new Promise((r) => setTimeout(r, STEP_SECONDS * 1000));
  const stepsPerSecondAlone = (daemon.manager.get(run.runId).step - aloneStart) / STEP_SECONDS;
  let stepsAtWatchStart = daemon.manager.get(run.runId).step;
  let watchStart = performance.now();
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage();
    // A page on a loopback origin, as the dashboard's would be (about:blank's origin is "null", which the daemon refuses).
    await page.goto(`${daemon.url.replace(/^ws/, "http")}/health`);
    stepsAtWatchStart = daemon.manager.get(run.runId).step;
    watchStart = performance.now();
    received = await page.evaluate(
      async ({ url, runId, ms, protocol }) => {
        const out: Array<[number, number]> = [];
        const ws = new WebSocket(`${url}/?token=bench`);
        await new Promise((r) => (ws.onopen = r));
        ws.onmessage = (e) => {
          if (typeof e.data !== "string") return;
          const m = JSON.parse(e.data);
          const now = performance.timeOrigin + performance.now();
          if (m.type === "metrics") for (const p of m.points) out.push([p.seq, now]);
        };
        ws.send(JSON.stringify({ type: "hello", protocol }));
        ws.send(JSON.stringify({ type: "subscribe", id: "s", runId }));
        await new Promise((r) => setTimeout(r, ms));
        ws.close();
        return out;
      },
      { url: daemon.url, runId: run.runId, ms: STEP_SECONDS * 1000, protocol: PROTOCOL_VERSION },
    );
    viewer = "chromium";
    await browser.close();
  }
  const latencies = received.flatMap(([seq, at]) => (emitted.has(seq) ? [at - emitted.get(seq)!] : [])).sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const watchedSteps = daemon.manager.get(run.runId).step - stepsAtWatchStart;
  const result = {
    viewer,
    points: latencies.length,
    p50: pct(0.5),
    p99: pct(0.99),
    stepsPerSecondAlone,
    stepsPerSecondWatched: watchedSteps / ((performance.now() - watchStart) / 1000),
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    rssGrowthMiB: (process.memoryUsage().rss - rssBefore) / 2 ** 20,
    stepsTotal: daemon.manager.get(run.runId).step,
  };
  await daemon.close();
  rmSync(dataDir, { recursive: true, force: true });
  return result;
}

const CONNECT_TIMEOUT_MS = 120_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Viewers one daemon holds: a run of bigram-circle (defaults) trains in this process's daemon while N viewer
 * sockets, hosted in a child process, watch it; the daemon's steps/s is the median of a few windows per N.
 */
async function viewerLoad() {
  const pairs = Number(process.env.BENCH_PAIRS ?? 9);
  const windowMs = Number(process.env.BENCH_WINDOW_SECONDS ?? 2) * 1000;
  const maxViewers = Number(process.env.BENCH_MAX_VIEWERS ?? 400);
  const dataDir = mkdtempSync(join(tmpdir(), "orrery-bench-viewers-"));
  const daemon = await startDaemon({ port: 0, dataDir, token: "bench" });
  const run = daemon.manager.create("bigram-circle", { steps: 100_000_000 });
  const step = () => daemon.manager.get(run.runId).step;
  await sleep(8000); // warm-up: kernels, JIT
  /** The daemon's steps/s and CPU (cores) over one window. */
  const window = async () => {
    const [s0, start, usage] = [step(), performance.now(), process.cpuUsage()];
    await sleep(windowMs);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(usage);
    return { stepsPerSecond: (step() - s0) / seconds, cpu: (used.user + used.system) / 1e6 / seconds };
  };
  /**
   * Alternating windows without and with the load (`on` / `off` switch it), in pairs, the order swapped every
   * other pair: on a busy machine the drift between the two windows of a pair is small, so the pairs' ratio is
   * what the load costs. Medians over the pairs.
   */
  const paired = async (on: () => void, off: () => void) => {
    const [alone, watched, cpuAlone, cpuWatched, ratios] = [[], [], [], [], []] as [number[], number[], number[], number[], number[]];
    let onSeconds = 0;
    for (let p = 0; p < pairs; p++) {
      let a = { stepsPerSecond: 0, cpu: 0 };
      let w = a;
      for (const loaded of p % 2 ? [true, false] : [false, true]) {
        (loaded ? on : off)();
        const t0 = performance.now();
        await sleep(300); // what was queued drains
        if (loaded) w = await window();
        else a = await window();
        if (loaded) onSeconds += (performance.now() - t0) / 1000;
      }
      alone.push(a.stepsPerSecond);
      watched.push(w.stepsPerSecond);
      cpuAlone.push(a.cpu);
      cpuWatched.push(w.cpu);
      ratios.push(w.stepsPerSecond / a.stepsPerSecond);
    }
    off();
    return { alone: median(alone), watched: median(watched), drop: 1 - median(ratios), cpuAlone: median(cpuAlone), cpuWatched: median(cpuWatched), onSeconds };
  };
  type Row = { label: string; result: Awaited<ReturnType<typeof paired>> | null; rssMiB: number; connectS: number | null; receives: string };
  const rows: Row[] = [];
  const perSecond = (a: Record<string, number> | undefined, b: Record<string, number> | undefined, key: string, seconds: number, per = 1) =>
    a && b ? (b[key]! - a[key]!) / per / seconds : 0;
  /**
   * One row: `viewers` sockets, hosted in a child process, connect and subscribe; then the daemon's own subscription
   * list switches them on and off between windows (connected but unsubscribed sockets cost nothing between pings).
   * With `flood`, the viewers stay subscribed and a flooding client in a third process is stopped and continued.
   */
  const row = async (label: string, viewers: number, flood: boolean) => {
    const host = viewers > 0 ? benchChild(["viewers", daemon.url, "bench", run.runId, String(viewers)]) : null;
    const ready = host ? await Promise.race([host.start(), sleep(CONNECT_TIMEOUT_MS).then(() => null)]) : null;
    const rss = () => process.memoryUsage().rss / 2 ** 20;
    if (host && !ready) {
      await host.stop();
      rows.push({ label, result: null, rssMiB: rss(), connectS: null, receives: `not all connected within ${CONNECT_TIMEOUT_MS / 1000} s` });
      return Infinity;
    }
    const watchers = daemon.manager.subscribersOf(run.runId);
    const flooder = flood ? benchChild(["flood", daemon.url, "bench"]) : null;
    await flooder?.start();
    const [before, floodBefore] = [await host?.stats(), await flooder?.stats()];
    const result = flood
      ? await paired(() => flooder!.resume(), () => flooder!.pause())
      : await paired(
          () => watchers.forEach((s) => daemon.manager.subscribe(run.runId, s)),
          () => watchers.forEach((s) => daemon.manager.unsubscribe(run.runId, s)),
        );
    flooder?.resume(); // a stopped process answers nothing
    const [after, floodAfter] = [await host?.stats(), await flooder?.stats()];
    const rssMiB = rss();
    if (flood) watchers.forEach((s) => daemon.manager.unsubscribe(run.runId, s));
    await host?.stop();
    await flooder?.stop();
    const seconds = flood ? result.onSeconds * 2 : result.onSeconds;
    let receives = host
      ? `${perSecond(before, after, "frames", seconds, viewers).toFixed(0)} msgs/s, ${(perSecond(before, after, "bytes", seconds, viewers) / 1024).toFixed(1)} KiB/s`
      : "";
    if (after?.closed) receives += `, ${after.closed} closed`;
    if (flooder) {
      const d = (key: string) => floodAfter![key]! - floodBefore![key]!;
      receives += `; the flooder sent ${(d("sent") / result.onSeconds).toFixed(0)} msgs/s, was closed ${d("connections")}× and refused (429) ${d("refused")}×`;
    }
    rows.push({ label, result, rssMiB, connectS: ready ? ready.connectMs! / 1000 : null, receives });
    return result.drop;
  };
  // Up to 100 always; beyond, while the daemon holds.
  let [held, holding] = [0, true];
  for (const n of [0, 1, 10, 25, 50, 100, 200, 400, 800, 1600].filter((n) => n <= maxViewers)) {
    if (n > 100 && !holding) break;
    const drop = await row(n === 0 ? "0 (both windows alone: the noise)" : String(n), n, false);
    if (n > 0 && !(drop <= 0.05)) holding = false;
    if (holding) held = n;
  }
  await row("10 watching, + 1 client flooding (reconnecting)", 10, true);
  const steps = step();
  await daemon.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { rows, held, steps, pairs, windowMs };
}

async function main() {
  if (process.argv[2] === "--child") return throughputChild(process.argv[3] as BackendPreference, process.argv[4]!);
  const only = process.argv.slice(2);
  const unknown = only.filter((a) => !SECTIONS.includes(a as (typeof SECTIONS)[number]));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(", ")}: choose from ${SECTIONS.join(", ")}`);
  const section = (name: (typeof SECTIONS)[number]) => only.length === 0 || only.includes(name);

  console.log(`Orrery bench — ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, ${STEP_SECONDS} s per measurement\n`);
  if (section("throughput")) throughputTable();
  if (section("streaming")) await streamingTable();
  if (section("viewers")) await viewersTable();
  if (section("torch")) await torchTable(throughput); // Orrery vs a PyTorch reference (scripts/torch/)
  if (section("memory")) await memoryTable(); // RSS, heap and tfjs tensors over a long stored run (bench-memory.ts)
  if (section("history")) await historyTable(); // a stored 1M-step run opened over ws and in the dashboard
  if (section("scatter")) await scatterTable(); // the 20,001-node path-star scatter in Chromium (bench-scatter.ts)
}

function throughputTable() {
  console.log("| experiment | backend | steps/s | threads | tensors leaked (after warm-up) | bytes/snapshot |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const experimentId of Object.keys(experiments)) {
    for (const backend of ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const) {
      const r = throughput(backend, experimentId);
      if (!r) {
        console.log(`| ${experimentId} | ${backend} | not available | | | |`);
        continue;
      }
      console.log(`| ${experimentId} | ${r.backend} | ${r.stepsPerSecond.toFixed(0)} | ${r.shards} | ${r.tensorLeak} | ${r.snapshotBytes} |`);
    }
  }
}

async function streamingTable() {
  const s = await streamingLatency();
  console.log(`\n| streaming (bigram-circle, default backend, 1 ${s.viewer} viewer) | value |`);
  console.log("|---|---:|");
  console.log(`| metric points timed | ${s.points} |`);
  console.log(`| step → browser latency p50 | ${s.p50.toFixed(1)} ms |`);
  console.log(`| step → browser latency p99 | ${s.p99.toFixed(1)} ms |`);
  console.log(`| daemon steps/s, storing, no viewer | ${s.stepsPerSecondAlone.toFixed(0)} |`);
  console.log(`| daemon steps/s, storing, 1 viewer | ${s.stepsPerSecondWatched.toFixed(0)} |`);
  console.log(`| bench process RSS (daemon + playwright client) | ${s.rssMiB.toFixed(0)} MiB (+${s.rssGrowthMiB.toFixed(1)} MiB over ${s.stepsTotal} steps) |`);
}

async function viewersTable() {
  const v = await viewerLoad();
  console.log("\n| viewers (bigram-circle, defaults, default backend) | daemon steps/s alone → watched | drop | daemon CPU alone → watched | daemon RSS | connect + first metrics | each viewer receives |");
  console.log("|---|---:|---:|---:|---:|---:|---|");
  for (const { label, result: r, rssMiB, connectS, receives } of v.rows) {
    const measured = r
      ? `${r.alone.toFixed(0)} → ${r.watched.toFixed(0)} | ${(100 * r.drop).toFixed(1)} % | ${r.cpuAlone.toFixed(2)} → ${r.cpuWatched.toFixed(2)} cores`
      : " | | ";
    console.log(`| ${label} | ${measured} | ${rssMiB.toFixed(0)} MiB | ${connectS === null ? "" : `${connectS.toFixed(1)} s`} | ${receives} |`);
  }
  console.log(`\nOne daemon held ${v.held} concurrent viewers with its training steps/s within 5 % of the daemon alone.`);
  console.log(`Each row alternates ${v.pairs} pairs of ${v.windowMs / 1000} s windows, alone and watched (the order swapped every other pair);`);
  console.log("drop = 1 − the median of the pairs' ratios, so a busy machine's drift cancels out. The viewers are WebSocket");
  console.log("clients in a separate child process, niced and kept to the last core (they count frames, not parse them): their");
  console.log(`CPU is not charged to the daemon's process (CPU and RSS above are the daemon's), though on this ${cpus().length}-core machine they`);
  console.log("still share the machine with it.");
  console.log("They stay connected; between windows the daemon's subscription list switches them on and off. The flooding");
  console.log("client runs in a third process (stopped and continued between windows), with the owner's token.");
}

await main();
