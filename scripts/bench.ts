// `npm run bench`: training throughput per tfjs backend and experiment, the daemon's streaming costs
// measured in a real browser, and Orrery against a PyTorch reference (bench-vs-torch.ts). A benchmark, not a
// test: it prints tables and asserts nothing. `npm run bench -- torch` runs only the PyTorch comparison.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { encodeSnapshotFrame, PROTOCOL_VERSION } from "@orrery/protocol";
import { createTrainer, experiments } from "@orrery/experiments";
import { selectBackend, startDaemon, type BackendPreference, type Subscriber } from "@orrery/trainer";
import { torchTable } from "./bench-vs-torch.ts";

const CHROMIUM = "/usr/bin/chromium";
const STEP_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

/** Child mode: one backend per process (tfjs has one engine), prints one JSON line. */
async function throughputChild(backend: BackendPreference, experimentId: string): Promise<void> {
  const info = await selectBackend(backend);
  const experiment = experiments[experimentId]!;
  const config = experiment.resolveConfig({});
  const trainer = createTrainer(experiment, config);
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
      backend: string; experiment: string; stepsPerSecond: number; tensorLeak: number; snapshotBytes: number;
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

async function main() {
  if (process.argv[2] === "--child") return throughputChild(process.argv[3] as BackendPreference, process.argv[4]!);

  console.log(`Orrery bench — ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, ${STEP_SECONDS} s per measurement\n`);
  if (process.argv[2] === "torch") return torchTable(throughput);
  console.log("| experiment | backend | steps/s | tensors leaked (after warm-up) | bytes/snapshot |");
  console.log("|---|---|---:|---:|---:|");
  for (const experimentId of Object.keys(experiments)) {
    for (const backend of ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const) {
      const r = throughput(backend, experimentId);
      if (!r) {
        console.log(`| ${experimentId} | ${backend} | not available | | |`);
        continue;
      }
      console.log(`| ${experimentId} | ${r.backend} | ${r.stepsPerSecond.toFixed(0)} | ${r.tensorLeak} | ${r.snapshotBytes} |`);
    }
  }
  const s = await streamingLatency();
  console.log(`\n| streaming (bigram-circle, default backend, 1 ${s.viewer} viewer) | value |`);
  console.log("|---|---:|");
  console.log(`| metric points timed | ${s.points} |`);
  console.log(`| step → browser latency p50 | ${s.p50.toFixed(1)} ms |`);
  console.log(`| step → browser latency p99 | ${s.p99.toFixed(1)} ms |`);
  console.log(`| daemon steps/s, storing, no viewer | ${s.stepsPerSecondAlone.toFixed(0)} |`);
  console.log(`| daemon steps/s, storing, 1 viewer | ${s.stepsPerSecondWatched.toFixed(0)} |`);
  console.log(`| bench process RSS (daemon + playwright client) | ${s.rssMiB.toFixed(0)} MiB (+${s.rssGrowthMiB.toFixed(1)} MiB over ${s.stepsTotal} steps) |`);
  await torchTable(throughput); // Orrery vs a PyTorch reference (scripts/torch/)
}

await main();
