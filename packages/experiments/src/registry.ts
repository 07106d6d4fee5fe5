import { bigramCircle } from "./models/bigram-circle.ts";
import { bigramLinear } from "./models/bigram-linear.ts";
import { graphTransformer } from "./models/graph-transformer.ts";
import { inductionHeads } from "./models/induction-heads.ts";
import { lowRankBigram } from "./models/low-rank-bigram.ts";
import { node2vec } from "./models/node2vec.ts";
import { tinyNN } from "./models/tiny-nn.ts";
import type { Experiment } from "./types.ts";

/** Every experiment the lab can run, by id. New experiments register here. */
export const experiments: Readonly<Record<string, Experiment<any>>> = {
  [bigramCircle.info.id]: bigramCircle,
  [bigramLinear.info.id]: bigramLinear,
  [lowRankBigram.info.id]: lowRankBigram,
  [node2vec.info.id]: node2vec,
  [tinyNN.info.id]: tinyNN,
  [graphTransformer.info.id]: graphTransformer,
  [inductionHeads.info.id]: inductionHeads,
};

export const DEFAULT_EXPERIMENT = bigramCircle.info.id;

export function getExperiment(id: string): Experiment<any> | undefined {
  return Object.hasOwn(experiments, id) ? experiments[id] : undefined;
}
