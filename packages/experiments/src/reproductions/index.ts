import type { Reproduction } from "./types.ts";
import { bigramCircleReproduction } from "./bigram-circle.ts";
import { lowRankBigramReproduction } from "./low-rank-bigram.ts";

export type { Reproduction, ReproductionOptions, ReproductionRow } from "./types.ts";

/** Reproductions by experiment id (`npm run reproduce -- <id>`). */
export const reproductions: Readonly<Record<string, Reproduction>> = {
  [bigramCircleReproduction.experiment]: bigramCircleReproduction,
  [lowRankBigramReproduction.experiment]: lowRankBigramReproduction,
};
