import { inductionHeads, type InductionHeadsConfig } from "../models/induction-heads.ts";
import { trainToEnd } from "../training/create-trainer.ts";
import type { StepResult } from "../training/trainer.ts";
import type { Reproduction, ReproductionOptions, ReproductionRow } from "./types.ts";

export interface OodCurve {
  layers: number;
  seed: number;
  /** Evaluations (every `eval_every` steps, and step 1): OOD and ID error, OOD attention scores. */
  points: { step: number; oodError: number; idError: number; inductionScore: number; previousTokenScore: number }[];
  /** The error a perfect copier scores under the source's mask (1/(L − burn)). */
  floor: number;
}

/** One run of the CPU variant (EXPERIMENTS.md §4(e)) through trainToEnd, recording the evaluations. */
export function oodCurve(config: Partial<InductionHeadsConfig>, steps: number): OodCurve {
  const resolved = inductionHeads.resolveConfig({ ...config, steps });
  const points: OodCurve["points"] = [];
  const record = ({ step, metrics }: StepResult) => {
    if (metrics.ood_error === undefined) return;
    points.push({
      step,
      oodError: metrics.ood_error,
      idError: metrics.id_error!,
      inductionScore: metrics.induction_score!,
      previousTokenScore: metrics.previous_token_score!,
    });
  };
  const { inspected: floor } = trainToEnd(inductionHeads, resolved, record, (t) => t.problem.references?.ood_error?.value ?? NaN);
  return { layers: resolved.layers, seed: resolved.seed, points, floor };
}

/** The first evaluated step whose OOD error is below `level` (null: never). */
export function firstStepBelow(curve: OodCurve, level: number): number | null {
  return curve.points.find((p) => p.oodError < level)?.step ?? null;
}

const last = (curve: OodCurve) => curve.points[curve.points.length - 1]!;
export const finalOodError = (curve: OodCurve): number => last(curve).oodError;

const at = (curve: OodCurve, step: number) => curve.points.find((p) => p.step === step)?.oodError;
const fmt = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(3));
const describeCurve = (c: OodCurve, steps: number[]) =>
  `seed ${c.seed}: ${steps.filter((s) => at(c, s) !== undefined).map((s) => `${s}: ${fmt(at(c, s))}`).join(", ")}`;

export const inductionHeadsReproduction: Reproduction = {
  experiment: inductionHeads.info.id,
  title: "Induction heads — copying task, CPU variant (Zhong, EXPERIMENTS.md §4)",
  run({ steps = 5000, seeds = 1, log = () => {} }: ReproductionOptions): ReproductionRow[] {
    const run = (layers: number) =>
      Array.from({ length: seeds }, (_, seed) => {
        const curve = oodCurve({ layers, seed }, steps);
        log(`${layers} layer(s), seed ${seed}: OOD error ${curve.points.filter((p) => p.step % 500 === 0).map((p) => `${p.step}: ${p.oodError.toFixed(3)}`).join(", ")}`);
        return curve;
      });
    const two = run(2);
    const one = run(1);
    const marks = [...new Set([1000, 1500, 2000, 4000, steps])];
    const transitions = two.map((c) => firstStepBelow(c, 0.5));
    const floor = two[0]!.floor;

    return [
      {
        setting: `2 layers, OOD (uniform, L = 12) error after ${steps} steps`,
        source: "[V] 0.25 by step 2000, 0.176 by 4000 (floor 0.10)",
        tolerance: "< 0.3 at the end",
        measured: two.map((c) => describeCurve(c, marks)).join("; "),
        pass: two.every((c) => finalOodError(c) < 0.3),
      },
      {
        setting: "2 layers: a sharp transition after a plateau at chance",
        source: "[V] 0.94–0.96 for about 1200 steps, then down to 0.25 by 2000",
        tolerance: "≥ 0.85 at step 500; first below 0.5 between steps 600 and 3000",
        measured: two.map((c, i) => `seed ${c.seed}: ${fmt(at(c, 500))} at 500, below 0.5 at ${transitions[i] ?? "never"}`).join("; "),
        pass: two.every((c, i) => (at(c, 500) ?? 0) >= 0.85 && transitions[i] !== null && transitions[i]! >= 600 && transitions[i]! <= 3000),
      },
      {
        setting: `1 layer, OOD error after ${steps} steps`,
        source: "[S] the 1-layer model does not generalise OOD",
        tolerance: "> 0.8 at the end",
        measured: one.map((c) => describeCurve(c, marks)).join("; "),
        pass: one.every((c) => finalOodError(c) > 0.8),
      },
      {
        setting: "the mechanism: an induction head over a previous-token head (attention on OOD sequences, at the end)",
        source: "[S] the transition arrives with an induction head and a previous-token head",
        tolerance: "[G] 2 layers: last layer → token after the earlier occurrence > 0.5, layer 1 → previous token > 0.3; 1 layer: < 0.3",
        measured: [...two, ...one]
          .map((c) => `${c.layers}L seed ${c.seed}: induction ${fmt(last(c).inductionScore)}, previous-token ${fmt(last(c).previousTokenScore)}`)
          .join("; "),
        pass:
          two.every((c) => last(c).inductionScore > 0.5 && last(c).previousTokenScore > 0.3) &&
          one.every((c) => last(c).inductionScore < 0.3),
      },
      {
        setting: "error floor of the source's mask (burn-in 2, L = 12)",
        source: "[C] 1/(L − burn) = 0.10 (1/21 at full size)",
        tolerance: "floor 0.100; the 2-layer error never below floor − 0.03 (lucky guesses of the random token)",
        measured: `floor ${floor.toFixed(3)}, lowest 2-layer error ${Math.min(...two.flatMap((c) => c.points.map((p) => p.oodError))).toFixed(3)}`,
        pass: Math.abs(floor - 0.1) < 1e-9 && two.every((c) => c.points.every((p) => p.oodError >= floor - 0.03)),
      },
    ];
  },
};
