import type { Reproduction } from "./types.ts";
import { bigramCircleReproduction } from "./bigram-circle.ts";
import { bigramLinearReproduction } from "./bigram-linear.ts";
import { geometricMemoryReproduction } from "./geometric-memory.ts";
import { inductionHeadsReproduction } from "./induction-heads.ts";
import { lowRankBigramReproduction } from "./low-rank-bigram.ts";
import { pathStarReproduction } from "./path-star.ts";

export type { Reproduction, ReproductionOptions, ReproductionRow } from "./types.ts";

/** Reproductions by id (`npm run reproduce -- <id>`): an experiment's id, or a seed's group of experiments. */
export const reproductions: Readonly<Record<string, Reproduction>> = {
  [bigramCircleReproduction.experiment]: bigramCircleReproduction,
  [bigramLinearReproduction.experiment]: bigramLinearReproduction,
  [lowRankBigramReproduction.experiment]: lowRankBigramReproduction,
  [geometricMemoryReproduction.experiment]: geometricMemoryReproduction,
  [pathStarReproduction.experiment]: pathStarReproduction,
  [inductionHeadsReproduction.experiment]: inductionHeadsReproduction,
};
