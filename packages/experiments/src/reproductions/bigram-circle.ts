import { circleOrderScore } from "../analysis/circle.ts";
import { bigramCircle } from "../models/bigram-circle.ts";
import { trainToEnd } from "../training/create-trainer.ts";
import type { Reproduction, ReproductionOptions } from "./types.ts";

/** What one seed of one setting produced. */
export interface SeedResult {
  seed: number;
  finalPpl: number;
  /** Perplexity at selected steps. */
  pplAt: Record<number, number>;
  /** Longest stretch of consecutive steps with perplexity within 4.14 ± 0.02 (Experiment 2's plateau). */
  plateauSteps: number;
  circleOrder: number;
  /** det(W1) at the end: negative when W1 = W2 turned indefinite early (the diag(1,−1)-like basin, ppl ≈ 3.85). */
  detW1: number;
}

export interface Check {
  setting: string;
  config: Record<string, string | number>;
  source: string;
  tolerance: string;
  judge(results: SeedResult[]): { measured: string; pass: boolean };
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(" ");
const count = (rs: SeedResult[], ok: (r: SeedResult) => boolean) => rs.filter(ok).length;

/** EXPERIMENTS.md §1(e): the seed's four settings plus Experiment 2. */
export const bigramCircleChecks: Check[] = [
  {
    setting: "W1 = W2 = I, frozen",
    config: { w_mode: "frozen_id" },
    source: "ppl 4.15",
    tolerance: "≥4/6 seeds within 4.15 ± 0.02",
    judge: (rs) => ({ measured: `ppl ${fmt(rs.map((r) => r.finalPpl))}`, pass: count(rs, (r) => Math.abs(r.finalPpl - 4.15) <= 0.02) >= (4 / 6) * rs.length }),
  },
  {
    setting: "W = diag(1,-1), frozen",
    config: { w_mode: "frozen_flip" },
    source: "locally wrong; no number",
    tolerance: "ppl clearly above 2.1 (all seeds)",
    judge: (rs) => ({ measured: `ppl ${fmt(rs.map((r) => r.finalPpl))}`, pass: rs.every((r) => r.finalPpl > 2.1) }),
  },
  {
    setting: "W = diag(-1,-1), frozen",
    config: { w_mode: "frozen_neg" },
    source: "ppl 2.01",
    tolerance: "≥4/6 seeds ≤ 2.02",
    judge: (rs) => ({ measured: `ppl ${fmt(rs.map((r) => r.finalPpl))}`, pass: count(rs, (r) => r.finalPpl <= 2.02) >= (4 / 6) * rs.length }),
  },
  {
    setting: "W random, trainable",
    config: { w_mode: "random" },
    source: "no circle",
    tolerance: "no ordered circle (order score < 1) in ≥4/6 seeds",
    judge: (rs) => ({
      measured: `order ${fmt(rs.map((r) => r.circleOrder))}; ppl ${fmt(rs.map((r) => r.finalPpl))}`,
      pass: count(rs, (r) => r.circleOrder < 1) >= (4 / 6) * rs.length,
    }),
  },
  // Not every seed plateaus at 4.14, and that is the setting, not a bug: from the same init an independent float64
  // NumPy re-implementation (torch's Adam) matches this trainer's perplexity to 3 decimals. Adam at 1e-2 moves W1 ≈ W2
  // by O(1) in the first ~100 steps; where they turn indefinite (det < 0) the run settles in the diag(1,−1)-like basin
  // at ppl ≈ 3.83–3.89 (NumPy: 5 of 30 seeds; ours: seeds 2, 3, 16 of 0–17); a few seeds skip the plateau for 2.1–2.3.
  {
    setting: "W = I + noise, trainable (Exp. 2)",
    config: { w_mode: "trainable" },
    source: "plateau 4.14, then 2",
    tolerance: "a plateau (≥ 200 steps) at 4.14 ± 0.02, then final < 2.05, in ≥4/6 seeds",
    judge: (rs) => ({
      measured:
        `plateau steps ${rs.map((r) => r.plateauSteps).join(" ")}; ppl@1k ${fmt(rs.map((r) => r.pplAt[1000] ?? NaN))}; ` +
        `final ${fmt(rs.map((r) => r.finalPpl))}; det W1 < 0 (indefinite basin) in seeds [${rs.filter((r) => r.detW1 < 0).map((r) => r.seed)}]`,
      pass: count(rs, (r) => r.plateauSteps >= 200 && r.finalPpl < 2.05) >= (4 / 6) * rs.length,
    }),
  },
];

/** Trains one seed of a setting with the daemon's Trainer and measures what the checks need. */
export function runSeed(config: Record<string, string | number>, seed: number, steps: number, recordAt: number[] = [1000]): SeedResult {
  const resolved = bigramCircle.resolveConfig({ ...config, seed, steps });
  const pplAt: Record<number, number> = {};
  let [plateauSteps, stretch] = [0, 0];
  const { last, inspected } = trainToEnd(
    bigramCircle,
    resolved,
    ({ step, metrics }) => {
      if (recordAt.includes(step)) pplAt[step] = metrics.ppl!;
      stretch = Math.abs(metrics.ppl! - 4.14) <= 0.02 ? stretch + 1 : 0;
      plateauSteps = Math.max(plateauSteps, stretch);
    },
    (trainer) => {
      const w = trainer.problem.params.W1!.dataSync();
      return {
        circleOrder: circleOrderScore(trainer.problem.params.E!.dataSync() as Float32Array, resolved.p, resolved.n_embd),
        detW1: resolved.n_embd === 2 ? w[0]! * w[3]! - w[1]! * w[2]! : NaN,
      };
    },
  );
  const finalPpl = last.metrics.ppl!;
  return { seed, finalPpl, pplAt, plateauSteps, ...inspected };
}

export const bigramCircleReproduction: Reproduction = {
  experiment: bigramCircle.info.id,
  title: "Bigram 4 — walk on a circle (seed 000)",
  run({ steps = 20_000, seeds = 6, log = () => {} }: ReproductionOptions) {
    return bigramCircleChecks.map((check) => {
      const results = Array.from({ length: seeds }, (_, seed) => {
        const r = runSeed(check.config, seed, steps);
        log(`${check.setting}, seed ${seed}: ppl ${r.finalPpl.toFixed(4)}`);
        return r;
      });
      const { measured, pass } = check.judge(results);
      return { setting: check.setting, source: check.source, tolerance: check.tolerance, measured, pass };
    });
  },
};
