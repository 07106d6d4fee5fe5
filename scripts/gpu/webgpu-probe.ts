// WebGPU probe (issue 6, "the GPU path"): does tfjs's webgpu backend run Orrery's training steps on this
// machine, how fast against the wasm and cpu backends, and is it the same computation (same losses)?
// Optional and standalone: nothing in the repo depends on it, and its packages live outside the repo's
// package.json, under `.gpu/` (see scripts/gpu/README.md for the install, the bundle and the device run).
//
//   node --import tsx scripts/gpu/webgpu-probe.ts                 every case on webgpu, wasm and cpu
//   node --import tsx scripts/gpu/webgpu-probe.ts --adapters      what Dawn sees, then exit
//   node --import tsx scripts/gpu/webgpu-probe.ts --dawn-costs    what single WebGPU calls cost here (no tfjs)
//   options: --cases id,id  --backends webgpu,webgpu-ahead,wasm,cpu  --seconds 3  --out DIR
//   env: ORRERY_GPU_DIR (folder holding node_modules/webgpu and node_modules/@tensorflow/tfjs-backend-webgpu;
//        default .gpu/ beside this file's repo, or the folder of the bundle), ORRERY_WEBGPU_MODULE (webgpu's
//        index.js), ORRERY_DAWN_FLAGS (';'-separated flags for Dawn's create(), e.g. "backend=vulkan" or
//        "enable-dawn-features=skip_validation,disable_robustness"), ORRERY_TFJS_FLAGS (';'-separated tfjs
//        flags, e.g. "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=1000").
//
// Each measurement is a child process (tfjs has one engine per process). A training step is the repo's own:
// createTrainer(experiment, experiment.resolveConfig(config)).trainStep(), as scripts/bench.ts times it;
// wasm and cpu come from the trainer's selectBackend.
//
// One thing differs on webgpu: the Trainer reads each step's loss back with dataSync(), and tfjs-webgpu's
// readSync needs OffscreenCanvas, which Node lacks. Here readSync is replaced by a read that queues the
// GPU→CPU copy at once (same place in the command stream) and fills the returned array when the copy lands;
// the step loop awaits it before the next step ("webgpu"), or only every AHEAD steps ("webgpu-ahead", the
// GPU runs ahead of the reads). The losses compared below are those copied values. A kernel that read a GPU
// tensor synchronously for its own use would see zeros; the loss comparison would show it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import type { Config } from "@orrery/protocol";
import { createTrainer, experiments } from "@orrery/experiments";
import { selectBackend, type BackendPreference } from "@orrery/trainer";

interface Case {
  experiment: string;
  config: Config;
  /** Steps from a fresh trainer whose losses are compared across backends (they include the warm-up). */
  checkSteps: number;
  backends: readonly Backend[];
}

type Backend = "webgpu" | "webgpu-ahead" | "wasm" | "cpu";
const ALL_BACKENDS: readonly Backend[] = ["webgpu", "webgpu-ahead", "wasm", "cpu"];
const NO_CPU: readonly Backend[] = ["webgpu", "webgpu-ahead", "wasm"];
const AHEAD = 16;

/** Seed experiments at their default config (as `npm run bench`), then wider ones where a GPU should pay. */
const CASES: Record<string, Case> = {
  "bigram-circle": { experiment: "bigram-circle", config: {}, checkSteps: 30, backends: ALL_BACKENDS },
  "low-rank-bigram": { experiment: "low-rank-bigram", config: {}, checkSteps: 30, backends: ALL_BACKENDS },
  "induction-heads": { experiment: "induction-heads", config: {}, checkSteps: 20, backends: ALL_BACKENDS },
  "graph-transformer": { experiment: "graph-transformer", config: {}, checkSteps: 10, backends: NO_CPU },
  // Wider than the defaults, still with a wasm reference for the losses (a few seconds a step there).
  "induction-heads-wide": {
    experiment: "induction-heads",
    config: { d_model: 256, T: 64, batch_size: 64, eval_every: 1_000_000 },
    checkSteps: 3,
    backends: NO_CPU,
  },
  "graph-transformer-wide": {
    experiment: "graph-transformer",
    config: { d_model: 128, layers: 4, heads: 4, eval_every: 1_000_000 },
    checkSteps: 3,
    backends: NO_CPU,
  },
  // Too big for a CPU reference in a short run: webgpu alone (its first-step loss is the initial loss).
  "induction-heads-xl": {
    experiment: "induction-heads",
    config: { d_model: 256, T: 128, batch_size: 512, eval_every: 1_000_000 },
    checkSteps: 3,
    backends: ["webgpu", "webgpu-ahead"],
  },
};

interface ChildResult {
  case: string;
  backend: Backend;
  tfBackend: string;
  detail: string;
  /** Losses of steps 1..checkSteps from a fresh trainer. */
  losses: number[];
  /** Wall time of those first steps (shader compilation, first allocations). */
  warmupSeconds: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  /** GPU tensors read back per timed step (webgpu: the loss, plus any evaluation). */
  readsPerStep: number;
  /** Kernels one training step runs (tf.profile of one step after the timing), when it could be counted. */
  kernelsPerStep?: number;
  adapter?: Record<string, unknown>;
}

// ---------------------------------------------------------------- WebGPU through Dawn (the `webgpu` package)

const here = dirname(fileURLToPath(import.meta.url));

function gpuDir(): string {
  const candidates = [process.env.ORRERY_GPU_DIR, here, resolve(here, "../../.gpu")].filter((d): d is string => !!d);
  const found = candidates.find((d) => existsSync(join(d, "node_modules", "webgpu", "index.js")));
  if (!found) throw new Error(`the webgpu package is not installed in any of ${candidates.join(", ")} (see scripts/gpu/README.md)`);
  return found;
}

interface Dawn {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterLike {
  info?: Record<string, unknown>;
  features: Set<string>;
  limits: Record<string, number>;
  requestDevice(descriptor: unknown): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}
interface WebgpuBackendModule {
  WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
}

async function loadDawn(): Promise<{ gpu: GpuLike; flags: string[] }> {
  const module = process.env.ORRERY_WEBGPU_MODULE ?? join(gpuDir(), "node_modules", "webgpu", "index.js");
  const dawn = (await import(pathToFileURL(module).href)) as Dawn;
  Object.assign(globalThis, dawn.globals); // GPUBufferUsage, GPUMapMode, … as in a browser
  const flags = (process.env.ORRERY_DAWN_FLAGS ?? "").split(";").filter(Boolean);
  const gpu = dawn.create(flags);
  (globalThis as { navigator?: unknown }).navigator = { gpu };
  return { gpu, flags };
}

async function loadWebgpuBackendModule(): Promise<WebgpuBackendModule> {
  try {
    // Bundled from .gpu/node_modules by esbuild (NODE_PATH); not a dependency of the repo, hence no types.
    // @ts-ignore
    return (await import("@tensorflow/tfjs-backend-webgpu")) as WebgpuBackendModule;
  } catch {
    // Unbundled (tsx): load it from .gpu/; its tfjs-core resolves to the repo's (installed with --legacy-peer-deps).
    return createRequire(join(gpuDir(), "node_modules", "probe.cjs"))("@tensorflow/tfjs-backend-webgpu") as WebgpuBackendModule;
  }
}

function describeAdapter(adapter: AdapterLike): Record<string, unknown> {
  const info = adapter.info ?? {};
  const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
  return {
    ...pick(info, ["vendor", "architecture", "device", "description", "subgroupMinSize", "subgroupMaxSize"]),
    features: [...adapter.features].sort(),
    limits: pick(adapter.limits as unknown as Record<string, unknown>, [
      "maxBufferSize",
      "maxStorageBufferBindingSize",
      "maxComputeWorkgroupStorageSize",
      "maxComputeInvocationsPerWorkgroup",
    ]),
  };
}

interface Read {
  out: Float32Array | Int32Array | Uint8Array;
  done: Promise<void>;
}
const reads: Read[] = [];

/** Registers and selects tfjs's webgpu backend on Dawn's adapter; returns the adapter's description. */
async function useWebgpu(): Promise<Record<string, unknown>> {
  const module = await loadWebgpuBackendModule();
  const { gpu, flags } = await loadDawn();
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error(`Dawn found no WebGPU adapter (flags: ${JSON.stringify(flags)})`);
  const described = describeAdapter(adapter);
  patchReadSync(module.WebGPUBackend.prototype as unknown as WebgpuInternals);
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  // As the package's own registration does, less its bgra8unorm-storage request (the probe draws nothing).
  tf.registerBackend("webgpu", async () => {
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures: adapter.features.has("timestamp-query") ? ["timestamp-query"] : [],
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    return new module.WebGPUBackend(device, adapter.info);
  }, 3);
  if (!(await tf.setBackend("webgpu"))) throw new Error('tf.setBackend("webgpu") failed');
  await tf.ready();
  const kernels = tf.getKernelsForBackend("webgpu").length;
  if (kernels === 0) throw new Error("no webgpu kernels registered: two copies of @tensorflow/tfjs-core?");
  return { ...described, kernels };
}

interface WebgpuInternals {
  tensorMap: { get(dataId: object): { values: unknown; dtype: string; shape: number[]; resource: unknown } };
  getBufferData(buffer: unknown): Promise<ArrayBuffer>;
  readSync(dataId: object): unknown;
}

/** readSync without OffscreenCanvas: the copy is queued now, the array filled when it lands (see the header). */
function patchReadSync(proto: WebgpuInternals): void {
  proto.readSync = function (this: WebgpuInternals, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === "string") return data.values;
    if (data.dtype === "complex64") throw new Error("webgpu-probe: complex64 readSync is not supported");
    const size = data.shape.reduce((a, b) => a * b, 1);
    const out = data.dtype === "float32" ? new Float32Array(size) : data.dtype === "int32" ? new Int32Array(size) : new Uint8Array(size);
    const done = this.getBufferData(data.resource).then((buffer) => {
      out.set(data.dtype === "float32" ? new Float32Array(buffer, 0, size) : new Int32Array(buffer, 0, size));
    });
    reads.push({ out, done });
    return out;
  };
}

// ---------------------------------------------------------------- one measurement (child process)

async function measure(backend: Backend, caseId: string, seconds: number): Promise<ChildResult> {
  const c = CASES[caseId];
  if (!c) throw new Error(`unknown case ${caseId} (known: ${Object.keys(CASES).join(", ")})`);
  let detail: string;
  let adapter: Record<string, unknown> | undefined;
  if (backend === "webgpu" || backend === "webgpu-ahead") {
    adapter = await useWebgpu();
    detail = `tfjs-backend-webgpu on Dawn: ${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(" / ")}`;
  } else {
    detail = (await selectBackend(backend as BackendPreference)).reason;
  }
  // The webgpu flags exist only where its backend is loaded: applied there.
  for (const flag of adapter ? (process.env.ORRERY_TFJS_FLAGS ?? "").split(";").filter(Boolean) : []) {
    const [name, value = ""] = flag.split("=");
    tf.env().set(name!, value === "true" ? true : value === "false" ? false : Number.isNaN(Number(value)) ? value : Number(value));
  }
  const experiment = experiments[c.experiment]!;
  const trainer = createTrainer(experiment, experiment.resolveConfig(c.config));
  const ahead = backend === "webgpu-ahead" ? AHEAD : 1;

  // One trainer step; the loss is the step's first read-back (the Trainer's value.dataSync()).
  const pending: Array<{ read: Read | undefined; loss: number }> = [];
  let gpuReads = 0;
  const step = async (wait: boolean) => {
    const before = reads.length;
    const result = trainer.trainStep();
    gpuReads += reads.length - before;
    pending.push({ read: reads[before], loss: result.loss });
    if (wait) await Promise.all(reads.splice(0).map((r) => r.done));
  };
  const flush = async () => {
    await Promise.all(reads.splice(0).map((r) => r.done));
    const losses = pending.map((p) => (p.read ? p.read.out[0]! : p.loss));
    pending.length = 0;
    return losses;
  };

  const warmStart = performance.now();
  for (let i = 0; i < c.checkSteps; i++) await step(true);
  const losses = await flush();
  const warmupSeconds = (performance.now() - warmStart) / 1000;

  gpuReads = 0;
  const start = performance.now();
  let steps = 0;
  while (performance.now() - start < seconds * 1000 || steps < 3) {
    steps++;
    await step(steps % ahead === 0);
  }
  const timedLosses = await flush();
  const elapsed = (performance.now() - start) / 1000;
  if (!timedLosses.every(Number.isFinite)) throw new Error(`non-finite loss in the timed steps on ${backend}`);
  let kernelsPerStep: number | undefined;
  try {
    kernelsPerStep = (await tf.profile(() => void trainer.trainStep())).kernels.length;
    await flush();
  } catch {
    // counting is a bonus
  }
  trainer.dispose();
  return {
    case: caseId,
    backend,
    tfBackend: tf.getBackend(),
    detail,
    losses,
    warmupSeconds,
    steps,
    seconds: elapsed,
    stepsPerSecond: steps / elapsed,
    readsPerStep: gpuReads / steps,
    kernelsPerStep,
    ...(adapter && { adapter }),
  };
}

async function adapters(): Promise<void> {
  const { gpu, flags } = await loadDawn();
  console.log(`Dawn flags: ${JSON.stringify(flags)}`);
  for (const powerPreference of ["high-performance", "low-power"]) {
    const adapter = await gpu.requestAdapter({ powerPreference });
    console.log(`${powerPreference}: ${adapter ? JSON.stringify(describeAdapter(adapter)) : "no adapter"}`);
    if (!adapter) process.exitCode = 1;
  }
  delete (globalThis as { navigator?: unknown }).navigator; // lets Node exit (Dawn holds the loop while referenced)
}

/**
 * What the WebGPU calls a tfjs kernel makes cost on this machine, without tfjs: buffer creation (tfjs makes a
 * new mapped staging buffer for every upload), writeBuffer (uniforms), bind groups, a dispatch, a submit, and
 * the round trip of a read. Microseconds per call, median of 5 rounds.
 */
async function dawnCosts(): Promise<void> {
  const { gpu } = await loadDawn();
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("Dawn found no WebGPU adapter");
  const device = (await adapter.requestDevice({})) as any;
  const g = globalThis as any;
  const { STORAGE, COPY_SRC, COPY_DST, MAP_READ, MAP_WRITE, UNIFORM } = g.GPUBufferUsage;
  const module = device.createShaderModule({
    code: "@group(0) @binding(0) var<storage, read_write> b: array<f32>;\n" +
      "@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) i: vec3u) { if (i.x < arrayLength(&b)) { b[i.x] = b[i.x] * 0.5 + 1.0; } }",
  });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const storage = device.createBuffer({ size: 4096, usage: STORAGE | COPY_SRC | COPY_DST });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] });
  const uniform = device.createBuffer({ size: 256, usage: UNIFORM | COPY_DST });
  const idle = () => device.queue.onSubmittedWorkDone();
  const dispatches = (count: number, freshBindGroups: boolean) => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    for (let i = 0; i < count; i++) {
      pass.setBindGroup(0, freshBindGroups ? device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] }) : bindGroup);
      pass.dispatchWorkgroups(16);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
  };
  const tests: Array<[string, number, () => void | Promise<void>]> = [
    ["createBuffer 4 KiB storage + destroy", 1, () => device.createBuffer({ size: 4096, usage: STORAGE | COPY_SRC | COPY_DST }).destroy()],
    ["createBuffer 4 KiB mappedAtCreation (tfjs upload staging) + unmap + destroy", 1, () => {
      const b = device.createBuffer({ size: 4096, usage: MAP_WRITE | COPY_SRC, mappedAtCreation: true });
      new Float32Array(b.getMappedRange()).fill(1);
      b.unmap();
      b.destroy();
    }],
    ["queue.writeBuffer 64 B (tfjs uniforms)", 1, () => device.queue.writeBuffer(uniform, 0, new Int32Array(16))],
    ["createBindGroup", 1, () => device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] })],
    ["submit of 1 dispatch (per dispatch)", 1, () => dispatches(1, false)],
    ["submit of 15 dispatches, one bind group (per dispatch)", 15, () => dispatches(15, false)],
    ["submit of 15 dispatches, a new bind group each (per dispatch)", 15, () => dispatches(15, true)],
    ["submit of 1 dispatch + onSubmittedWorkDone (round trip)", 1, async () => {
      dispatches(1, false);
      await idle();
    }],
    ["copy 4 KiB to a staging buffer + mapAsync (a read-back)", 1, async () => {
      const staging = device.createBuffer({ size: 4096, usage: MAP_READ | COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(storage, 0, staging, 0, 4096);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(g.GPUMapMode.READ);
      staging.unmap();
      staging.destroy();
    }],
  ];
  console.log("| WebGPU call (Dawn, no tfjs) | µs per call or dispatch |\n|---|---:|");
  for (const [name, per, run] of tests) {
    const rounds: number[] = [];
    for (let round = 0; round < 6; round++) {
      const n = 200;
      const start = performance.now();
      for (let i = 0; i < n; i++) await run();
      await idle();
      if (round > 0) rounds.push(((performance.now() - start) * 1000) / n / per); // round 0 warms up
    }
    rounds.sort((a, b) => a - b);
    console.log(`| ${name} | ${rounds[2]!.toFixed(1)} |`);
  }
  device.destroy();
  delete (globalThis as { navigator?: unknown }).navigator;
}

// ---------------------------------------------------------------- the table (parent process)

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runChild(backend: Backend, caseId: string, seconds: number): ChildResult | { error: string } {
  const args = [...process.execArgv, process.argv[1]!, "--child", backend, caseId, "--seconds", String(seconds)];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: Number(option("child-timeout") ?? 240) * 1000, maxBuffer: 64 << 20 });
  const line = r.stdout?.trim().split("\n").pop() ?? "";
  if (r.status === 0 && line.startsWith("{")) return JSON.parse(line) as ChildResult;
  const why = r.error ? String(r.error.message) : `exit ${r.status ?? r.signal}`;
  const stderr = (r.stderr ?? "").split("\n").filter((l) => l.trim() && !/^\s+at /.test(l)).slice(-4).join(" | ");
  return { error: `${why}: ${stderr}`.slice(0, 600) };
}

function relDiff(a: number[], ref: number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, ref.length); i++) worst = Math.max(worst, Math.abs(a[i]! - ref[i]!) / Math.max(Math.abs(ref[i]!), 1e-6));
  return worst;
}

async function main(): Promise<void> {
  const seconds = Number(option("seconds") ?? 3);
  if (process.argv[2] === "--child") {
    const result = await measure(process.argv[3] as Backend, process.argv[4]!, seconds);
    console.log(JSON.stringify(result));
    delete (globalThis as { navigator?: unknown }).navigator;
    process.exit(0); // Dawn's instance would keep the event loop alive
  }
  if (process.argv[2] === "--adapters") return adapters();
  if (process.argv[2] === "--dawn-costs") return dawnCosts();

  const caseIds = option("cases")?.split(",") ?? Object.keys(CASES);
  const wanted = (option("backends")?.split(",") ?? ALL_BACKENDS) as Backend[];
  const outDir = option("out");
  const cpuModel = cpus()[0]?.model ?? "?";
  console.log(`webgpu probe — ${cpus().length} cores (${cpuModel}), Node ${process.version}, ${seconds} s per measurement`);
  const results: Array<ChildResult | { case: string; backend: Backend; error: string }> = [];
  let adapterShown = false;
  const rows: string[] = [];
  for (const caseId of caseIds) {
    const c = CASES[caseId];
    if (!c) throw new Error(`unknown case ${caseId} (known: ${Object.keys(CASES).join(", ")})`);
    const mine: ChildResult[] = [];
    for (const backend of c.backends.filter((b) => wanted.includes(b))) {
      const r = runChild(backend, caseId, seconds);
      if ("error" in r) {
        results.push({ case: caseId, backend, error: r.error });
        rows.push(`| ${caseId} | ${backend} | failed | | | | ${r.error.replaceAll("|", "/")} | | |`);
        console.log(`  ${caseId} ${backend}: failed: ${r.error}`);
        continue;
      }
      if (r.adapter && !adapterShown) {
        console.log(`adapter: ${JSON.stringify(r.adapter)}`);
        adapterShown = true;
      }
      console.log(`  ${caseId} ${backend}: ${r.stepsPerSecond.toFixed(1)} steps/s (${r.steps} steps), loss@${r.losses.length} ${r.losses.at(-1)?.toPrecision(6)}`);
      results.push(r);
      mine.push(r);
    }
    const ref = mine.find((r) => r.backend === "wasm") ?? mine.find((r) => r.backend === "cpu");
    for (const r of mine) {
      const agreement = ref && r !== ref ? relDiff(r.losses, ref.losses).toExponential(1) : ref === r ? "(reference)" : "—";
      rows.push(
        `| ${caseId} | ${r.backend} | ${r.stepsPerSecond.toFixed(r.stepsPerSecond < 10 ? 2 : 0)} | ${r.warmupSeconds.toFixed(1)} s / ${r.losses.length} | ` +
          `${r.losses.at(-1)?.toPrecision(6)} | ${agreement} | ${r.readsPerStep ? r.readsPerStep.toFixed(2) : ""} | ` +
          `${r.kernelsPerStep ?? ""} | ${r.kernelsPerStep ? (1e6 / r.stepsPerSecond / r.kernelsPerStep).toFixed(0) : ""} |`,
      );
    }
  }
  console.log(`\n| case | backend | steps/s | first steps (time / count) | loss at last checked step | max rel. loss diff vs ${"wasm"} (steps 1..n) | GPU reads/step | kernels/step | µs/kernel |`);
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) console.log(row);
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "webgpu-probe.json"), JSON.stringify({ cores: cpus().length, cpuModel, node: process.version, seconds, cases: CASES, results }, null, 1));
  }
}

await main();
