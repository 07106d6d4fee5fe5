import { graphTransformer } from "../models/graph-transformer.ts";
import { node2vec } from "../models/node2vec.ts";
import { tinyNN } from "../models/tiny-nn.ts";
import { trainToEnd } from "../training/create-trainer.ts";
import type { Experiment } from "../types.ts";
import type { Reproduction, ReproductionOptions, ReproductionRow } from "./types.ts";

/** What one seed of one setting produced: the metrics of every evaluation, by step. */
export interface GraphRunResult {
  seed: number;
  evals: Map<number, Record<string, number>>;
  final: Record<string, number>;
}

export interface GeometricMemoryCheck {
  setting: string;
  experiment: "node2vec" | "tiny-nn" | "graph-transformer";
  /** Experiment config (steps and eval_every included); the seed is added per run. */
  config: Record<string, string | number | boolean>;
  source: string;
  tolerance: string;
  judge(results: GraphRunResult[]): { measured: string; pass: boolean };
}

const EXPERIMENTS: Record<GeometricMemoryCheck["experiment"], Experiment<any>> = {
  node2vec,
  "tiny-nn": tinyNN,
  "graph-transformer": graphTransformer,
};

export const fmt = (xs: number[], digits = 3) => xs.map((x) => x.toFixed(digits)).join(" ");
export const most = (rs: GraphRunResult[], ok: (r: GraphRunResult) => boolean) => rs.filter(ok).length >= (2 / 3) * rs.length;
export const metric = (key: string) => (r: GraphRunResult) => r.final[key] ?? NaN;
export const at = (step: number, key: string) => (r: GraphRunResult) => r.evals.get(step)?.[key] ?? NaN;
const nextPair = (step: number) => (r: GraphRunResult) => Math.max(at(step, "proj_v4")(r), at(step, "proj_v5")(r));

// EXPERIMENTS.md §3B "Models and hyperparameters": full batch, AdamW wd 0, cosine to lr/10 unless noted.
const TINY_NN = {
  path_star: { graph: "path_star", d: 32, lr: 0.01, steps: 500, schedule: "cosine" },
  grid: { graph: "grid", d: 32, lr: 0.01, steps: 500, schedule: "cosine" },
  // The repo's cycle run is d 512 for 10k steps (≈3 min here); d 128, 3k steps is the CPU preset [G].
  cycle: { graph: "cycle", d: 128, lr: 0.01, steps: 3000, schedule: "constant" },
  irregular: { graph: "irregular", d: 16, lr: 0.005, steps: 1000, schedule: "cosine" },
} as const;
// TinyGPT: 1 layer, 1 head, d 32, lr 0.01, edges only; the forward-only notebook's longer grid run aside.
const TINY_GPT_BASE = { task: "edges", layers: 1, heads: 1, d_model: 32, lr: 0.01, weight_decay: 0, pauses: 0, schedule: "cosine" } as const;
const TINY_GPT = {
  path_star: { ...TINY_GPT_BASE, graph: "path_star", star_degree: 4, path_length: 5, steps: 500 },
  grid: { ...TINY_GPT_BASE, graph: "grid", steps: 500 },
  cycle: { ...TINY_GPT_BASE, graph: "cycle", steps: 700 },
  irregular: { ...TINY_GPT_BASE, graph: "irregular", steps: 2500 },
} as const;
const ASSOCIATIVE = {
  path_star: { graph: "path_star", d: 32, lr: 0.2, steps: 500 },
  grid: { graph: "grid", d: 32, lr: 0.2, steps: 500 },
  cycle: { graph: "cycle", d: 15, lr: 10, steps: 5000 },
  irregular: { graph: "irregular", d: 16, lr: 2, steps: 500 },
} as const;
/** Undirected edge counts, for the chance level of a frozen random E's geometric level. */
const EDGES = { path_star: 16, grid: 24, cycle: 15, irregular: 20 } as const;
const GRAPHS = ["path_star", "grid", "cycle", "irregular"] as const;

const topOne = (graph: keyof typeof TINY_NN, target: number, model: "tiny-nn" | "graph-transformer" = "tiny-nn"): GeometricMemoryCheck => ({
  setting: `${model === "tiny-nn" ? "TinyNN" : "TinyGPT"}, ${graph}: top-1`,
  experiment: model,
  config: model === "tiny-nn" ? { ...TINY_NN[graph], eval_every: TINY_NN[graph].steps } : { ...TINY_GPT[graph], eval_every: TINY_GPT[graph].steps },
  source: `≈ ${target}%`,
  tolerance: `within ${target} ± 3 points in ≥2/3 of seeds`,
  judge: (rs) => ({ measured: `top-1 ${fmt(rs.map(metric("top1")), 1)}`, pass: most(rs, (r) => Math.abs(metric("top1")(r) - target) <= 3) }),
});

const fullRecovery = (setting: string, experiment: GeometricMemoryCheck["experiment"], config: GeometricMemoryCheck["config"]): GeometricMemoryCheck => ({
  setting,
  experiment,
  config: { eval_every: config.steps as number, ...config },
  source: "top-5 recovery 100%",
  tolerance: "100% in ≥2/3 of seeds",
  judge: (rs) => ({ measured: `top-5 ${fmt(rs.map(metric("top5")), 1)}`, pass: most(rs, (r) => metric("top5")(r) === 100) }),
});

/** EXPERIMENTS.md §3B targets table and the regularizer notebook's margin signs. */
export const geometricMemoryChecks: GeometricMemoryCheck[] = [
  ...GRAPHS.map((g) => fullRecovery(`TinyNN, ${g}`, "tiny-nn", TINY_NN[g])),
  ...GRAPHS.map((g) => fullRecovery(`Node2Vec, ${g}`, "node2vec", { graph: g, steps: 10_000, eval_every: 1000 })),
  ...GRAPHS.map((g) => fullRecovery(`TinyGPT, ${g}`, "graph-transformer", TINY_GPT[g])),
  topOne("cycle", 50),
  topOne("path_star", 53),
  topOne("grid", 33),
  topOne("cycle", 50, "graph-transformer"),
  topOne("path_star", 53, "graph-transformer"),
  topOne("grid", 33, "graph-transformer"),
  ...GRAPHS.map(
    (g): GeometricMemoryCheck => ({
      setting: `Associative control (E frozen), ${g}: d ${ASSOCIATIVE[g].d}, lr ${ASSOCIATIVE[g].lr}`,
      experiment: "tiny-nn",
      config: { ...ASSOCIATIVE[g], schedule: "cosine", freeze_embedding: true, eval_every: ASSOCIATIVE[g].steps },
      source: "top-5 100%, no geometry",
      tolerance: `100% and |level| < 3/√(d·edges) = ${(3 / Math.sqrt(ASSOCIATIVE[g].d * EDGES[g])).toFixed(3)} (random E) in ≥2/3 of seeds`,
      judge: (rs) => ({
        measured: `top-5 ${fmt(rs.map(metric("top5")), 1)}; level ${fmt(rs.map(metric("geo_level")))}`,
        pass: most(rs, (r) => metric("top5")(r) === 100 && Math.abs(metric("geo_level")(r)) < 3 / Math.sqrt(ASSOCIATIVE[g].d * EDGES[g])),
      }),
    }),
  ),
  {
    setting: "Associative \"fast\" control: cycle, E frozen, d 512, lr 0.1",
    experiment: "tiny-nn",
    config: { graph: "cycle", d: 512, lr: 0.1, steps: 10, schedule: "cosine", freeze_embedding: true, eval_every: 1 },
    source: "top-5 100% after 1–2 steps; level ≈ 0 (−0.008)",
    tolerance: "100% by step 2 and |level| < 0.05 in ≥2/3 of seeds",
    judge: (rs) => ({
      measured: `top-5@2 ${fmt(rs.map(at(2, "top5")), 1)}; level ${fmt(rs.map(metric("geo_level")))}`,
      pass: most(rs, (r) => at(2, "top5")(r) === 100 && Math.abs(metric("geo_level")(r)) < 0.05),
    }),
  },
  {
    setting: "Node2Vec, cycle: projection on the 2 Fiedler vectors",
    experiment: "node2vec",
    config: { graph: "cycle", steps: 10_000, eval_every: 1000 },
    source: "1.0, 1.0",
    tolerance: "both ≥ 0.99 in ≥2/3 of seeds",
    judge: (rs) => ({
      measured: `v2 ${fmt(rs.map(metric("proj_v2")))}; v3 ${fmt(rs.map(metric("proj_v3")))}`,
      pass: most(rs, (r) => metric("proj_v2")(r) >= 0.99 && metric("proj_v3")(r) >= 0.99),
    }),
  },
  {
    setting: "Node2Vec, cycle: next eigenpair (max of v4, v5)",
    experiment: "node2vec",
    config: { graph: "cycle", steps: 10_000, eval_every: 1000 },
    source: "0.19 @1k, 0.06 @3k, 0.001 @10k",
    tolerance: "0.12–0.26 @1k, 0.03–0.09 @3k, ≤ 0.005 @10k in ≥2/3 of seeds",
    judge: (rs) => ({
      measured: `@1k ${fmt(rs.map(nextPair(1000)))}; @3k ${fmt(rs.map(nextPair(3000)))}; @10k ${fmt(rs.map(nextPair(10_000)), 4)}`,
      pass: most(rs, (r) => {
        const [a, b, c] = [nextPair(1000)(r), nextPair(3000)(r), nextPair(10_000)(r)];
        return a >= 0.12 && a <= 0.26 && b >= 0.03 && b <= 0.09 && c <= 0.005;
      }),
    }),
  },
  {
    setting: "Node2Vec, cycle: edge cosine and loss per node",
    experiment: "node2vec",
    config: { graph: "cycle", steps: 10_000, eval_every: 1000 },
    source: "edge cosine ≈ 0.96; loss plateau 1.435",
    tolerance: "0.96 ± 0.02 and 1.435 ± 0.005 in ≥2/3 of seeds",
    judge: (rs) => ({
      measured: `cos ${fmt(rs.map(metric("geo_level")))}; loss ${fmt(rs.map(metric("loss")), 4)}`,
      pass: most(rs, (r) => Math.abs(metric("geo_level")(r) - 0.96) <= 0.02 && Math.abs(metric("loss")(r) - 1.435) <= 0.005),
    }),
  },
  {
    setting: "TinyNN, cycle, no self-edges: zig-zag (d 128 CPU preset)",
    experiment: "tiny-nn",
    config: { ...TINY_NN.cycle, eval_every: TINY_NN.cycle.steps },
    source: "edge cosine −0.11 … −0.26; 2-hop ≈ 0.5",
    tolerance: "edge cosine in [−0.5, −0.05] and 2-hop ≥ 0.3 in ≥2/3 of seeds",
    judge: (rs) => ({
      measured: `edge ${fmt(rs.map(metric("geo_level")))}; 2-hop ${fmt(rs.map(metric("two_hop_cos")))}`,
      pass: most(rs, (r) => metric("geo_level")(r) >= -0.5 && metric("geo_level")(r) <= -0.05 && metric("two_hop_cos")(r) >= 0.3),
    }),
  },
  ...(
    [
      ["self-edges, lr 1e-2", { self_edges: true, lr: 0.01 }, "6.88", 1],
      ["lr 1e-2", { lr: 0.01 }, "7.87", 1],
      ["lr 1e-4", { lr: 1e-4 }, "3.42", 1],
      ["unit-normal init, lr 1e-4", { init: "non_geometric", lr: 1e-4 }, "−0.75 (associative)", -1],
      ["unit-normal init, lr 0.1 + cosine", { init: "non_geometric", lr: 0.1, schedule: "cosine" }, "11.99", 1],
    ] as const
  ).map(
    ([name, overrides, source, sign]): GeometricMemoryCheck => ({
      setting: `Regularizer notebook, cycle, ${name}: margin sign (d 128, 10k steps)`,
      experiment: "tiny-nn",
      config: { graph: "cycle", d: 128, steps: 10_000, schedule: "constant", eval_every: 10_000, ...overrides },
      source: `margin ${source}`,
      tolerance: `margin ${sign > 0 ? "> 0" : "< 0"} in ≥2/3 of seeds`,
      judge: (rs) => ({
        measured: `margin ${fmt(rs.map(metric("margin")), 2)}; skewed top-1 ${fmt(rs.map(metric("margin_top1")), 0)}%`,
        pass: most(rs, (r) => Math.sign(metric("margin")(r)) === sign),
      }),
    }),
  ),
];

/**
 * Trains one seed of a check's setting with the daemon's Trainer and keeps every evaluation. Pass the same
 * `cache` across checks: several of them judge the same run (e.g. the cycle's top-5, top-1 and zig-zag).
 */
export function runGraphSeed(check: GeometricMemoryCheck, seed: number, cache?: Map<string, GraphRunResult>): GraphRunResult {
  const key = JSON.stringify([check.experiment, Object.entries(check.config).sort(), seed]);
  const cached = cache?.get(key);
  if (cached) return cached;
  const result = trainSeed(check, seed);
  cache?.set(key, result);
  return result;
}

function trainSeed(check: GeometricMemoryCheck, seed: number): GraphRunResult {
  const experiment = EXPERIMENTS[check.experiment];
  const evals = new Map<number, Record<string, number>>();
  let final: Record<string, number> = {};
  trainToEnd(experiment, experiment.resolveConfig({ ...check.config, seed }), ({ step, metrics }) => {
    if ("top5" in metrics) evals.set(step, metrics);
    final = { ...final, ...metrics };
  });
  return { seed, evals, final };
}

export const geometricMemoryReproduction: Reproduction = {
  experiment: "geometric-memory",
  title: "Geometric memory — tiny graphs, Node2Vec, TinyNN, TinyGPT (seed 002, EXPERIMENTS.md §3B)",
  /** Each check carries its own step count (the repo's); `steps` does not apply. */
  run: (options) => judgeChecks(geometricMemoryChecks, options),
};

/** Trains each check's seeds (sharing runs between checks of the same setting) and judges them. */
export function judgeChecks(checks: readonly GeometricMemoryCheck[], { seeds = 3, log = () => {} }: ReproductionOptions): ReproductionRow[] {
  const cache = new Map<string, GraphRunResult>();
  return checks.map((check) => {
    const results = Array.from({ length: seeds }, (_, seed) => runGraphSeed(check, seed, cache));
    const { measured, pass } = check.judge(results);
    log(`${check.setting}: ${pass ? "pass" : "FAIL"}`);
    return { setting: check.setting, source: check.source, tolerance: check.tolerance, measured, pass };
  });
}
