import type { CopyingBatch } from "../datasets/copying.ts";

/*
 * Mechanistic read-outs of attention probabilities laid out time-major, [T, n, T] (query position,
 * sequence, key position), as the transformer returns them.
 */

/**
 * Mean attention that second-copy positions j = start2 … start2 + L − 1 pay to the token after their earlier
 * occurrence, j − (start2 − start1) + 1: what an induction head attends to. About 1/(j + 1) when uniform.
 */
export function inductionScore(attention: ArrayLike<number>, batch: CopyingBatch): number {
  const { n, T, starts, lengths } = batch;
  let total = 0;
  let count = 0;
  for (let s = 0; s < n; s++) {
    const [start1, start2] = [starts[2 * s]!, starts[2 * s + 1]!];
    for (let j = start2; j < start2 + lengths[s]!; j++) {
      total += attention[(j * n + s) * T + j - (start2 - start1) + 1]!;
      count++;
    }
  }
  return count ? total / count : NaN;
}

/** Mean attention from every position j ≥ 1 to j − 1: what a previous-token head attends to. */
export function previousTokenScore(attention: ArrayLike<number>, n: number, T: number): number {
  let total = 0;
  for (let j = 1; j < T; j++) for (let s = 0; s < n; s++) total += attention[(j * n + s) * T + j - 1]!;
  return total / ((T - 1) * n);
}
