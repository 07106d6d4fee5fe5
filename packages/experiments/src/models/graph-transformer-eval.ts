import * as tf from "@tensorflow/tfjs";
import { cosineMatrix } from "../analysis/geometry.ts";
import { edgeSequences, pathSequences, timeMajorTokens, truncateSet, type GraphVocabulary, type SequenceSet } from "../datasets/graph-sequences.ts";
import type { Gpt } from "./transformer/gpt.ts";
import { gptKernelAvailable, gptPartLogits } from "./transformer/gpt-kernel.ts";
import { timeMajorOneHot } from "./transformer/sequence-batch.ts";

/**
 * Logits of positions from … length − 1 ([(length − from)·n, V], time-major) of a set of sequences, copied to the
 * host; the model runs only the first `length` positions (causal: the rest cannot change them).
 */
function logitsOf(model: Gpt, set: SequenceSet, length: number, from: number): Float32Array {
  const { V } = model.dims;
  const cut = truncateSet(set, length);
  const logits = tf.tidy(() =>
    gptKernelAvailable(model.dims)
      ? gptPartLogits(model, { n: cut.n, length, from, tokens: tf.tensor1d(timeMajorTokens(cut)) })
      : model.forward(timeMajorOneHot(cut.tokens, cut.n, length, V), cut.n, { length, logitsFrom: from }).logits,
  );
  const out = logits.dataSync() as Float32Array;
  logits.dispose();
  return out;
}

/** The node (token < nodes) with the largest logit in row `row` of logits [·, V]. */
function argmaxNode(logits: Float32Array, row: number, V: number, nodes: number): number {
  const o = row * V;
  let best = 0;
  for (let v = 1; v < nodes; v++) if (logits[o + v]! > logits[o + best]!) best = v;
  return best;
}

/** n×n edge scores: row u holds the node logits after `[EDGE] u`. */
export function edgeScores(model: Gpt, vocab: GraphVocabulary): Float32Array {
  const n = vocab.nodes;
  const { T, V } = model.dims;
  const queries = edgeSequences(Array.from({ length: n }, (_, u) => [u, vocab.PAD] as const), vocab, T);
  const logits = logitsOf(model, queries, 2, 1);
  const scores = new Float32Array(n * n);
  for (let u = 0; u < n; u++) scores.set(logits.subarray(u * V, u * V + n), u * n);
  return scores;
}

export interface PathAccuracy {
  /** Fraction of leaves whose n1 (the node after the root) is the top node logit, teacher-forced up to the root. */
  firstToken: number;
  /** Fraction of leaves whose whole path root … leaf greedy decoding reproduces from `[PATH] leaf [PAUSE]×k`. */
  fullPath: number;
}

export function pathAccuracy(model: Gpt, paths: readonly number[][], pauses: number, vocab: GraphVocabulary): PathAccuracy {
  if (paths.length === 0) return { firstToken: NaN, fullPath: NaN };
  const { T, V } = model.dims;
  const start = 2 + pauses;
  const set = pathSequences(paths, pauses, vocab, T, "first");
  const first = logitsOf(model, set, start + 1, start);
  const firstHits = paths.filter((path, s) => argmaxNode(first, s, V, vocab.nodes) === path[1]).length;

  // Greedy decoding: erase the answers, then predict position start + i from the logits at start + i − 1.
  const longest = Math.max(...paths.map((p) => p.length));
  for (let s = 0; s < set.n; s++) set.tokens.fill(vocab.PAD, s * T + start, (s + 1) * T);
  for (let i = 0; i < longest; i++) {
    const logits = logitsOf(model, set, start + i, start + i - 1);
    for (let s = 0; s < set.n; s++) {
      if (i < paths[s]!.length) set.tokens[s * T + start + i] = argmaxNode(logits, s, V, vocab.nodes);
    }
  }
  const fullHits = paths.filter((path, s) => path.every((node, i) => set.tokens[s * T + start + i] === node)).length;
  return { firstToken: firstHits / paths.length, fullPath: fullHits / paths.length };
}

/**
 * The paper's Fig. 4 geometry: mean cosine between each leaf's embedding and its own path's first node n1,
 * and between each leaf and the other paths' first nodes. `E` is n×d (node rows only).
 */
export function leafFirstNodeCosines(E: ArrayLike<number>, n: number, d: number, paths: readonly number[][]): { same: number; other: number } {
  const cos = cosineMatrix(E, n, d);
  let same = 0;
  let other = 0;
  let otherCount = 0;
  for (const a of paths) {
    const leaf = a[a.length - 1]!;
    for (const b of paths) {
      const c = cos[leaf * n + b[1]!]!;
      if (a === b) same += c;
      else {
        other += c;
        otherCount += 1;
      }
    }
  }
  return { same: same / paths.length, other: otherCount ? other / otherCount : NaN };
}
