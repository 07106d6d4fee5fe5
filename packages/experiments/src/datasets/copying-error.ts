import type { CopyingBatch } from "./copying.ts";

/**
 * The source's error mask (OOD repo `utils.py` mask_get_given_starts with ignore_segment = 1): 1 at positions
 * start2 + burn … start2 + L − 1 of the second copy. Position j is scored on predicting token j + 1.
 *
 * Kept as the source has it, quirk included: the last masked position (start2 + L − 1) predicts the background
 * token after the copy, which no model can know, so a perfect copier still errs there (see `errorFloor`).
 */
export function errorMask(batch: CopyingBatch, burn: number): Uint8Array {
  const { n, T, lengths, starts } = batch;
  const mask = new Uint8Array(n * T);
  for (let s = 0; s < n; s++) {
    const start2 = starts[2 * s + 1]!;
    const L = lengths[s]!;
    if (burn >= L) throw new RangeError(`burn-in ${burn} leaves nothing to score in a pattern of length ${L}`);
    mask.fill(1, s * T + start2 + burn, s * T + start2 + L);
  }
  return mask;
}

/**
 * The error a perfect copier scores under `errorMask`: the fraction of masked positions whose target is the
 * background token after the second copy, Σ_s 1 / Σ_s (L_s − burn). With L fixed that is 1/(L − burn):
 * 1/21 at the source's OOD L = 25, burn 4; 1/10 at the CPU variant's L = 12, burn 2. (A guess at that token
 * is right with chance ≈ 1/V, so a real model's floor sits slightly below, at (1 − 1/V)/(L − burn).)
 */
export function errorFloor(batch: CopyingBatch, mask: Uint8Array): number {
  let masked = 0;
  let unpredictable = 0;
  for (let s = 0; s < batch.n; s++) {
    const last = s * batch.T + batch.starts[2 * s + 1]! + batch.lengths[s]! - 1;
    for (let j = s * batch.T; j < (s + 1) * batch.T; j++) masked += mask[j]!;
    unpredictable += mask[last]!;
  }
  return masked ? unpredictable / masked : NaN;
}

/**
 * 1 − (correct next-token predictions at masked positions) / (masked positions), as the source's loss_err:
 * `predictions[s·T + j]` is the model's argmax at position j, compared with token j + 1.
 */
export function maskedError(batch: CopyingBatch, mask: Uint8Array, predictions: ArrayLike<number>): number {
  const { n, T, tokens } = batch;
  let masked = 0;
  let correct = 0;
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < T; j++) {
      const i = s * T + j;
      if (!mask[i]) continue;
      masked++;
      // The source drops position T − 1 from the numerator only; with T ≥ 2L + 2 no copy reaches it.
      if (j < T - 1 && predictions[i] === tokens[i + 1]) correct++;
    }
  }
  return masked ? 1 - correct / masked : NaN;
}
