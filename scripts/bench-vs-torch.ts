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
import { attachShards, selectBackend, type BackendPreference } from "@orrery/trainer";

const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const REFERENCE = "scripts/torch/bench.py";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CHECK_STEPS = Number(process.env.BENCH_CHECK_STEPS ?? 10);
const BACKENDS = (process.env.BENCH_TORCH_BACKENDS ?? "wasm,cpu").split(",") as BackendPreference[];
const THREADS = (process.env.BENCH_TORCH_THREADS ?? "1x1,1x2,2x1,2x2").split(",").map((s) => s.split("x").map(Number) as [number, number]);
const IDS = process.env.BENCH_EXPERIMENTS?.split(",") ?? Object.keys(experiments);

/** bench.ts's measurement: one child process per backend and experiment, 20 warm-up steps, then steps/s. */
export type Throughput = (backend: BackendPreference, experimentId: string) => { backend: string; stepsPerSecond: number; shards: number } | null;

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
  await attachShards(trainer, experimentId, config, info.name); // the same steps as the timed runs
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

const threadArgs = ([torch, blas]: [number, number], windows: number) =>
  ["--live-rows", "--torch-threads", String(torch), "--blas-threads", String(blas), "--seconds", String(SECONDS), "--repeats", String(windows)];

interface Row {
  /** Steps/s of each run per backend; null where the backend is not available. */
  orrery: Record<string, number[] | null>;
  /** Threads a step ran on, per backend (data-parallel shards). */
  threads: Record<string, number>;
  torch: number[];
  setting: [number, number] | null;
  torchError?: string;
  version?: string;
}

/**
 * One experiment, Orrery and PyTorch taking turns, so that a change of load on a shared machine hits both alike.
 * PyTorch at its best: every torch×BLAS thread setting for one window, then the best one in each round. Orrery:
 * every backend in each round, except one whose first run is under half the best (not repeated).
 */
function measure(throughput: Throughput, experiment: string, config: object, torchOk: boolean): Row {
  const row: Row = { orrery: Object.fromEntries(BACKENDS.map((b) => [b, []])), threads: {}, torch: [], setting: null };
  let best = 0;
  if (torchOk) {
    for (const setting of THREADS) {
      const [r] = torchReference([{ experiment, config }], threadArgs(setting, 1));
      if (r?.stepsPerSecond !== undefined && r.stepsPerSecond > best) [best, row.setting, row.version] = [r.stepsPerSecond, setting, r.torch];
      else if (r?.error) row.torchError = r.error;
    }
  }
  const dropped = new Set<string>();
  for (let round = 0; round < REPEATS; round++) {
    for (const backend of BACKENDS) {
      if (!row.orrery[backend] || dropped.has(backend)) continue;
      const r = throughput(backend, experiment);
      if (r) row.orrery[backend]!.push(r.stepsPerSecond), (row.threads[backend] = r.shards);
      else row.orrery[backend] = null;
    }
    if (round === 0) {
      const top = Math.max(0, ...BACKENDS.map((b) => row.orrery[b]?.[0] ?? 0));
      for (const b of BACKENDS) if ((row.orrery[b]?.[0] ?? top) < top / 2) dropped.add(b);
    }
    if (row.setting) {
      const [r] = torchReference([{ experiment, config }], threadArgs(row.setting, 1));
      if (r?.stepsPerSecond !== undefined) row.torch.push(r.stepsPerSecond);
    }
  }
  return row;
}

const progress = (s: string) => process.stderr.write(`  [torch] ${s}\n`);

/** The `torch` section of `npm run bench`: prints the comparison, the loss agreement and where the time goes. */
export async function torchTable(throughput: Throughput): Promise<void> {
  const ids = IDS.filter((id) => id in experiments);
  const configs = Object.fromEntries(ids.map((id) => [id, experiments[id]!.resolveConfig({})]));
  const unavailable = torchUnavailable();

  console.log(`\n| PyTorch vs Orrery (defaults, ${cpus().length} cores: ${cpus()[0]?.model ?? "?"}) | ${BACKENDS.map((b) => `Orrery ${b}`).join(" | ")} | Orrery best | PyTorch (torch×BLAS threads) | ratio Orrery / PyTorch |`);
  console.log(`|---|${BACKENDS.map(() => "---:|").join("")}---:|---:|---:|`);
  const bestBackends: Record<string, string> = {};
  let version = "";
  for (const id of ids) {
    progress(`${id}: Orrery (${BACKENDS.join(", ")}) and PyTorch, ${REPEATS} rounds`);
    const row = measure(throughput, id, configs[id]!, !unavailable);
    const medians = Object.fromEntries(BACKENDS.map((b) => [b, row.orrery[b]?.length ? median(row.orrery[b]!) : null]));
    const threads = (b: string) => ((row.threads[b] ?? 1) > 1 ? `, ${row.threads[b]} threads` : "");
    const runs = (b: string) => (row.orrery[b]!.length < REPEATS ? `, ${row.orrery[b]!.length} run` : "");
    const notes = (b: string) => `${threads(b)}${runs(b)}`.slice(2);
    const cells = BACKENDS.map((b) => (medians[b] === null ? "not available" : `${fmt(medians[b]!)}${notes(b) ? ` (${notes(b)})` : ""}`));
    const bestBackend = BACKENDS.filter((b) => medians[b] !== null).sort((a, b) => medians[b]! - medians[a]!)[0];
    const best = bestBackend ? medians[bestBackend]! : NaN;
    if (bestBackend) bestBackends[id] = bestBackend;
    const t = row.torch.length ? median(row.torch) : null;
    version ||= row.version ?? "";
    const torchCell = unavailable ? "skipped" : t !== null ? `${fmt(t)} (${row.setting!.join("×")})` : `error: ${row.torchError ?? "?"}`;
    const ratio = t !== null ? `**${(best / t).toFixed(2)}×**` : "";
    console.log(`| ${id} | ${cells.join(" | ")} | ${bestBackend ? `${fmt(best)} (${bestBackend})` : "—"} | ${torchCell} | ${ratio} |`);
  }
  console.log(
    `\nEach a median of ${REPEATS} rounds, Orrery and PyTorch taking turns. Orrery: a process per run, ${SECONDS} s after 20 warm-up steps` +
      ` (a backend under half the best after one run is not repeated); a step is Trainer.trainStep, its periodic evaluation included.` +
      ` PyTorch: ${unavailable ? `skipped: ${unavailable}` : `torch ${version} (${PYTHON}), a process per run, ${SECONDS} s after 20 warm-up steps;` +
      ` the thread setting is the best of ${THREADS.map((t) => t.join("×")).join(", ")} (torch×OpenBLAS threads), one run each;` +
      " forward, backward, Adam/SGD, decay, data and loss.item(), no evaluation."}` +
      " graph-transformer: both compute only the positions its loss reads (Orrery's liveParts, the reference's --live-rows)." +
      " Orrery's threads: data-parallel shards of each batch (apps/trainer/src/shards) where the problem can be split.",
  );

  // Same computation: both start from the same parameters (scripts/torch ports Orrery's Rng) and, in check mode,
  // replay Orrery's data stream, so the losses agree step for step up to float rounding.
  console.log(`\n| same computation? (first ${CHECK_STEPS} steps) | loss step 1, Orrery / PyTorch | loss step ${CHECK_STEPS}, Orrery / PyTorch | agreement | Orrery kernels/step | PyTorch ops/step | Orrery step without evaluation | Orrery evaluation | Orrery's most frequent kernels per step |`);
  console.log("|---|---|---|---|---:|---:|---:|---|---|");
  const checks = unavailable ? [] : torchReference(ids.map((id) => ({ experiment: id, config: configs[id]! })), ["--live-rows", "--check", String(CHECK_STEPS), "--ops"]);
  for (const id of ids) {
    const backend = bestBackends[id] ?? "wasm";
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
