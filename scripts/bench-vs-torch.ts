// `npm run bench -- torch`: every experiment's default config trained by Orrery (tfjs wasm and cpu backends) and
// by a PyTorch reference of the same model, data and optimizer (scripts/torch/), steps/s side by side and their
// ratio, the figure issue 6 tracks. Also checks that both compute the same thing (losses step for step from the
// same initial parameters) and reports where Orrery's step time goes (kernels per step, periodic evaluation).
// The PyTorch columns need Debian's python3-torch (/usr/bin/python3, or BENCH_PYTHON); without it they are skipped.
//
// Knobs (environment): BENCH_SECONDS (one measurement window, default 3), BENCH_REPEATS (medians of, default 3),
// BENCH_TORCH_BACKENDS (Orrery's, default "wasm,cpu"), BENCH_TORCH_THREADS (PyTorch settings tried, torch×BLAS
// threads, default "1x1,1x2,2x1,2x2"), BENCH_CHECK_STEPS (steps compared, default 10), BENCH_EXPERIMENTS (ids).
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { createTrainer, experiments } from "@orrery/experiments";
import { selectBackend, type BackendPreference } from "@orrery/trainer";

const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const REFERENCE = "scripts/torch/bench.py";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CHECK_STEPS = Number(process.env.BENCH_CHECK_STEPS ?? 10);
const BACKENDS = (process.env.BENCH_TORCH_BACKENDS ?? "wasm,cpu").split(",") as BackendPreference[];
const THREADS = (process.env.BENCH_TORCH_THREADS ?? "1x1,1x2,2x1,2x2").split(",").map((s) => s.split("x").map(Number) as [number, number]);
const IDS = process.env.BENCH_EXPERIMENTS?.split(",") ?? Object.keys(experiments);

/** bench.ts's measurement: one child process per backend and experiment, 20 warm-up steps, then steps/s. */
export type Throughput = (backend: BackendPreference, experimentId: string) => { backend: string; stepsPerSecond: number } | null;

interface TorchResult {
  experiment: string;
  stepsPerSecond?: number;
  windows?: number[];
  threads?: { torch: number; blas: number };
  losses?: number[];
  opsPerStep?: number;
  torch?: string;
  error?: string;
}

/** What a check child reports: Orrery's losses of the first steps and where a step's time goes. */
interface OrreryCheck {
  backend: string;
  losses: number[];
  kernelsPerStep: number;
  /** The most frequent kernels of a step, "Name count, …". */
  topKernels: string;
  stepMs: number;
  evalMs: number | null;
  evalEvery: number | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2));

/** Null when the PyTorch reference can run here, else why not. */
export function torchUnavailable(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} did not start (${r.error.message})`;
  return r.status === 0 ? null : `${PYTHON} cannot import torch (${lastLine(r.stderr)})`;
}

/** Runs the reference on several experiments in one Python process (torch loads once); one result each. */
export function torchReference(jobs: { experiment: string; config: object }[], args: string[]): TorchResult[] {
  const r = spawnSync(PYTHON, [REFERENCE, "--jobs", JSON.stringify(jobs), ...args], {
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) return jobs.map((j) => ({ experiment: j.experiment, error: lastLine(r.stderr ?? String(r.error)) }));
  return r.stdout.trim().split("\n").map((line) => JSON.parse(line) as TorchResult);
}

/** Child mode: Orrery's losses over the first CHECK_STEPS steps, kernels per step, and a step's time without and with evaluation. */
async function checkChild(backend: BackendPreference, experimentId: string, steps: number): Promise<void> {
  const info = await selectBackend(backend);
  const experiment = experiments[experimentId]!;
  const config = experiment.resolveConfig({});
  const trainer = createTrainer(experiment, config);
  const losses = Array.from({ length: steps }, () => trainer.trainStep().loss);
  // The periodic evaluation (edge recovery, path accuracy, ...) is timed apart from the training step.
  const problem = trainer.problem;
  const evaluate = problem.evaluate?.bind(problem);
  problem.evaluate = undefined;
  const profiled = 5;
  const profile = await tf.profile(() => {
    for (let i = 0; i < profiled; i++) trainer.trainStep();
  });
  // Real kernels only: custom-gradient ops and named op scopes show up as wrappers around their kernels.
  const kernels = profile.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend()) !== undefined);
  // The most frequent kernels (the profiler's per-kernel times are inflated by its own checks: counts only).
  const counts = new Map<string, number>();
  for (const k of kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  const topKernels = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, n]) => `${name} ${n / profiled}`)
    .join(", ");
  const timed = (f: () => void, minMs: number, minRuns: number) => {
    const start = performance.now();
    let runs = 0;
    while (runs < minRuns || performance.now() - start < minMs) f(), runs++;
    return (performance.now() - start) / runs;
  };
  const stepMs = timed(() => trainer.trainStep(), 1000, 3);
  const every = typeof config.eval_every === "number" ? config.eval_every : null;
  const evalMs = evaluate && every ? timed(() => void evaluate(every), 0, 2) : null;
  const result: OrreryCheck = { backend: info.name, losses, kernelsPerStep: kernels.length / profiled, topKernels, stepMs, evalMs, evalEvery: evalMs === null ? null : every };
  console.log(JSON.stringify(result));
}

function orreryCheck(backend: string, experimentId: string): OrreryCheck | null {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--check", backend, experimentId, String(CHECK_STEPS)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return r.status === 0 ? (JSON.parse(lastLine(r.stdout)) as OrreryCheck) : null;
}

/** Orrery's steps/s per backend: REPEATS runs each, except a backend whose first run is under half the best (one run). */
function orreryThroughput(throughput: Throughput, experimentId: string) {
  const out: Record<string, { median: number; runs: number[] } | null> = {};
  let best = 0;
  for (const backend of BACKENDS) {
    const runs: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const r = throughput(backend, experimentId);
      if (!r) break;
      runs.push(r.stepsPerSecond);
      if (i === 0 && r.stepsPerSecond < best / 2) break;
    }
    out[backend] = runs.length ? { median: median(runs), runs } : null;
    best = Math.max(best, out[backend]?.median ?? 0);
  }
  return out;
}

const progress = (s: string) => process.stderr.write(`  [torch] ${s}\n`);

/** The `torch` section of `npm run bench`: prints the comparison, the loss agreement and where the time goes. */
export async function torchTable(throughput: Throughput): Promise<void> {
  const ids = IDS.filter((id) => id in experiments);
  const configs = Object.fromEntries(ids.map((id) => [id, experiments[id]!.resolveConfig({})]));
  const unavailable = torchUnavailable();

  const orrery: Record<string, ReturnType<typeof orreryThroughput>> = {};
  for (const id of ids) {
    progress(`Orrery ${id} (${BACKENDS.join(", ")})`);
    orrery[id] = orreryThroughput(throughput, id);
  }

  // PyTorch at its best: each torch×BLAS thread setting once, then the best setting REPEATS windows (their median).
  const torch: Record<string, TorchResult> = {};
  let version = "";
  if (!unavailable) {
    const jobs = ids.map((id) => ({ experiment: id, config: configs[id]! }));
    const sweep: Record<string, { setting: [number, number]; stepsPerSecond: number }> = {};
    for (const setting of THREADS) {
      progress(`PyTorch, ${setting[0]} torch × ${setting[1]} BLAS threads`);
      for (const r of torchReference(jobs, ["--torch-threads", String(setting[0]), "--blas-threads", String(setting[1]), "--seconds", String(SECONDS), "--repeats", "1"])) {
        if (r.stepsPerSecond !== undefined && r.stepsPerSecond > (sweep[r.experiment]?.stepsPerSecond ?? 0)) sweep[r.experiment] = { setting, stepsPerSecond: r.stepsPerSecond };
        else if (r.error) torch[r.experiment] = r;
      }
    }
    for (const setting of THREADS) {
      const mine = jobs.filter((j) => sweep[j.experiment]?.setting === setting);
      if (!mine.length) continue;
      progress(`PyTorch, best setting ${setting.join("×")} for ${mine.map((j) => j.experiment).join(", ")}: ${REPEATS} windows`);
      const args = ["--torch-threads", String(setting[0]), "--blas-threads", String(setting[1]), "--seconds", String(SECONDS), "--repeats", String(REPEATS)];
      for (const r of torchReference(mine, args)) (torch[r.experiment] = r), (version ||= r.torch ?? "");
    }
  }

  console.log(`\n| PyTorch vs Orrery (defaults, ${cpus().length} cores: ${cpus()[0]?.model ?? "?"}) | ${BACKENDS.map((b) => `Orrery ${b}`).join(" | ")} | Orrery best | PyTorch (torch×BLAS threads) | ratio Orrery / PyTorch |`);
  console.log(`|---|${BACKENDS.map(() => "---:|").join("")}---:|---:|---:|`);
  for (const id of ids) {
    const o = orrery[id]!;
    const cells = BACKENDS.map((b) => (o[b] ? `${fmt(o[b]!.median)}${o[b]!.runs.length < REPEATS ? ` (${o[b]!.runs.length} run)` : ""}` : "not available"));
    const bestBackend = BACKENDS.filter((b) => o[b]).sort((a, b) => o[b]!.median - o[a]!.median)[0];
    const best = bestBackend ? o[bestBackend]!.median : NaN;
    const t = torch[id];
    const torchCell = unavailable ? "skipped" : t?.stepsPerSecond ? `${fmt(t.stepsPerSecond)} (${t.threads!.torch}×${t.threads!.blas})` : `error: ${t?.error ?? "?"}`;
    const ratio = t?.stepsPerSecond ? `**${(best / t.stepsPerSecond).toFixed(2)}×**` : "";
    console.log(`| ${id} | ${cells.join(" | ")} | ${bestBackend ? `${fmt(best)} (${bestBackend})` : "—"} | ${torchCell} | ${ratio} |`);
  }
  console.log(
    `\nOrrery: median of ${REPEATS} processes of ${SECONDS} s after 20 warm-up steps (a backend under half the best after one run is not repeated);` +
      ` a step is Trainer.trainStep, its periodic evaluation included. PyTorch: ${unavailable ? `skipped: ${unavailable}` : `torch ${version} (${PYTHON}),` +
      ` each of ${THREADS.map((t) => t.join("×")).join(", ")} (torch×OpenBLAS threads) tried for one window, the best then median of ${REPEATS} windows of ${SECONDS} s;` +
      " forward, backward, Adam/SGD, decay, data and loss.item(), no evaluation."}`,
  );

  // Same computation: both start from the same parameters (scripts/torch ports Orrery's Rng) and, in check mode,
  // replay Orrery's data stream, so the losses agree step for step up to float rounding.
  console.log(`\n| same computation? (first ${CHECK_STEPS} steps) | loss step 1, Orrery / PyTorch | loss step ${CHECK_STEPS}, Orrery / PyTorch | agreement | Orrery kernels/step | PyTorch ops/step | Orrery step without evaluation | Orrery evaluation | Orrery's most frequent kernels per step |`);
  console.log("|---|---|---|---|---:|---:|---:|---|---|");
  const checks = unavailable ? [] : torchReference(ids.map((id) => ({ experiment: id, config: configs[id]! })), ["--check", String(CHECK_STEPS), "--ops"]);
  for (const id of ids) {
    const o = orrery[id]!;
    const backend = BACKENDS.filter((b) => o[b]).sort((a, b) => o[b]!.median - o[a]!.median)[0] ?? "wasm";
    progress(`check ${id} on ${backend}`);
    const mine = orreryCheck(backend, id);
    const check = checks.find((c) => c.experiment === id);
    const theirs = check?.losses;
    const pair = (i: number) => `${mine?.losses[i]?.toPrecision(6) ?? "?"} / ${theirs?.[i]?.toPrecision(6) ?? "—"}`;
    const rel = (i: number) => (mine && theirs ? Math.abs(mine.losses[i]! - theirs[i]!) / Math.max(1e-12, Math.abs(theirs[i]!)) : NaN);
    const worst = Math.max(...Array.from({ length: CHECK_STEPS }, (_, i) => rel(i)));
    const agreement = !theirs ? "—" : worst < 1e-4 ? `same (max rel. diff ${worst.toExponential(0)})` : `**MISMATCH** (max rel. diff ${worst.toExponential(1)})`;
    const evalCell = mine?.evalMs != null ? `${fmt(mine.evalMs)} ms every ${mine.evalEvery} steps (${((100 * mine.evalMs) / mine.evalEvery! / (mine.stepMs + mine.evalMs / mine.evalEvery!)).toFixed(0)} % of time)` : "none";
    const stepCell = mine ? `${fmt(mine.stepMs)} ms (${((1000 * mine.stepMs) / mine.kernelsPerStep).toFixed(0)} µs/kernel)` : "?";
    console.log(`| ${id} (${mine?.backend ?? backend}) | ${pair(0)} | ${pair(CHECK_STEPS - 1)} | ${agreement} | ${mine?.kernelsPerStep ?? "?"} | ${check?.opsPerStep ?? "—"} | ${stepCell} | ${evalCell} | ${mine?.topKernels ?? ""} |`);
  }
  console.log(
    "\nKernels: tfjs kernels of one training step (tf.profile over 5 steps, custom-gradient wrappers left out); µs/kernel is the" +
      " step's time over them. PyTorch ops: the profiler's top-level events of one step (ops called from Python, autograd" +
      " nodes, optimizer ops). Evaluation: Problem.evaluate, which trainStep runs every eval_every steps.",
  );
  console.log("\nConfigs (experiment.resolveConfig({}), snapshot and sharpness keys left out):");
  for (const id of ids) {
    const { snapshot_every: _e, sharpness_every: _h, ...rest } = configs[id]! as Record<string, unknown>;
    console.log(`- ${id}: ${JSON.stringify(rest)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "--check") {
  await checkChild(process.argv[3] as BackendPreference, process.argv[4]!, Number(process.argv[5]));
}
