import type { CopyingBatch } from "../datasets/copying.ts";

/*
 * Mechanistic read-outs of attention probabilities laid out time-major, [T, n, T] (query position,
 * sequence, key position), as the transformer's tfjs forward pass returns them, or sequence-major, [n, T, T], as
 * the one-kernel evaluation does (attention-only-forward-kernel.ts).
 */
export type AttentionLayout = "time-major" | "sequence-major";

/** Where attention[query j of sequence s, key k] lies. */
const indexer = (layout: AttentionLayout, n: number, T: number) =>
  layout === "time-major" ? (j: number, s: number, k: number) => (j * n + s) * T + k : (j: number, s: number, k: number) => (s * T + j) * T + k;

/**
 * Mean attention that second-copy positions j = start2 … start2 + L − 1 pay to the token after their earlier
 * occurrence, j − (start2 − start1) + 1: what an induction head attends to. About 1/(j + 1) when uniform.
 */
export function inductionScore(attention: ArrayLike<number>, batch: CopyingBatch, layout: AttentionLayout = "time-major"): number {
  const { n, T, starts, lengths } = batch;
  const at = indexer(layout, n, T);
  let total = 0;
  let count = 0;
  for (let s = 0; s < n; s++) {
    const [start1, start2] = [starts[2 * s]!, starts[2 * s + 1]!];
    for (let j = start2; j < start2 + lengths[s]!; j++) {
      total += attention[at(j, s, j - (start2 - start1) + 1)]!;
      count++;
    }
  }
  return count ? total / count : NaN;
}

/** Mean attention from every position j ≥ 1 to j − 1: what a previous-token head attends to. */
export function previousTokenScore(attention: ArrayLike<number>, n: number, T: number, layout: AttentionLayout = "time-major"): number {
  const at = indexer(layout, n, T);
  let total = 0;
  for (let j = 1; j < T; j++) for (let s = 0; s < n; s++) total += attention[at(j, s, j - 1)]!;
  return total / ((T - 1) * n);
}
