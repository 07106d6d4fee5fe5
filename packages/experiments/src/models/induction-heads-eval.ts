import * as tf from "@tensorflow/tfjs";
import type { CopyingBatch } from "../datasets/copying.ts";
import { errorFloor, errorMask, maskedError } from "../datasets/copying-error.ts";
import { inductionScore, previousTokenScore } from "./induction-heads-scores.ts";
import type { AttentionOnlyTransformer } from "./transformer/attention-only.ts";
import { evaluateAttentionOnly } from "./transformer/attention-only-forward-kernel.ts";
import { attentionOnlyKernelAvailable } from "./transformer/attention-only-kernel.ts";
import { crossEntropy } from "./cross-entropy.ts";
import { nextTokenTargets, timeMajorOneHot, toSequenceMajor } from "./transformer/sequence-batch.ts";

export interface InductionTestSets {
  /** Held out from the training distribution. */
  id: CopyingBatch;
  /** Uniform tokens, one longer pattern length. */
  ood: CopyingBatch;
  burn: number;
}

interface PreparedSet {
  batch: CopyingBatch;
  mask: Uint8Array;
  inputs: tf.Tensor2D;
  targets: tf.Tensor2D;
  /** The tokens as floats [n, T], for the one-kernel evaluation. */
  tokens: tf.Tensor2D;
}

/**
 * ID/OOD error (the source's masked error) and loss (every next-token position) on fixed test sets, and on the
 * OOD set how much the last layer attends like an induction head and layer 1 like a previous-token head.
 */
export function inductionEvaluator(model: AttentionOnlyTransformer, sets: InductionTestSets) {
  const { V } = model.dims;
  const prepare = (batch: CopyingBatch): PreparedSet => ({
    batch,
    mask: errorMask(batch, sets.burn),
    inputs: timeMajorOneHot(batch.tokens, batch.n, batch.T, V),
    targets: nextTokenTargets(batch.tokens, batch.n, batch.T, V),
    tokens: tf.tensor2d(Float32Array.from(batch.tokens), [batch.n, batch.T]),
  });
  const id = prepare(sets.id);
  const ood = prepare(sets.ood);

  const measure = (set: PreparedSet) => {
    const { n, T } = set.batch;
    if (attentionOnlyKernelAvailable(model.dims)) {
      // One kernel on wasm SIMD (attention-only-forward-kernel.ts); the tfjs forward pass below elsewhere.
      const r = evaluateAttentionOnly(model, set.tokens);
      return {
        error: maskedError(set.batch, set.mask, r.predictions),
        loss: r.loss,
        induction: inductionScore(r.last, set.batch, "sequence-major"),
        previousToken: previousTokenScore(r.first, n, T, "sequence-major"),
      };
    }
    const [loss, predictions, first, last] = tf.tidy(() => {
      const { logits, attention } = model.forward(set.inputs, n);
      const count = n * (T - 1);
      return [crossEntropy(logits, set.targets, count), tf.argMax(logits, 1), attention[0]!, attention[attention.length - 1]!];
    });
    const result = {
      error: maskedError(set.batch, set.mask, toSequenceMajor(predictions.dataSync(), n, T)),
      loss: loss.dataSync()[0]!,
      induction: inductionScore(last.dataSync(), set.batch),
      previousToken: previousTokenScore(first.dataSync(), n, T),
    };
    tf.dispose([loss, predictions, first, last]);
    return result;
  };

  const oodFloor = errorFloor(ood.batch, ood.mask);
  const idFloor = errorFloor(id.batch, id.mask);
  return {
    references: {
      ood_error: { value: oodFloor, label: `floor ${oodFloor.toFixed(3)}: the masked token after the copy is random` },
      id_error: { value: idFloor, label: `floor ${idFloor.toFixed(3)}` },
    },
    /** The first OOD test sequence: the input whose attention pattern the snapshots show. */
    oodProbe: timeMajorOneHot(ood.batch.tokens.subarray(0, ood.batch.T), 1, ood.batch.T, V),
    evaluate(): Record<string, number> {
      const a = measure(id);
      const b = measure(ood);
      return {
        id_error: a.error,
        id_loss: a.loss,
        ood_error: b.error,
        ood_loss: b.loss,
        induction_score: b.induction,
        previous_token_score: b.previousToken,
      };
    },
    dispose(): void {
      tf.dispose([id.inputs, id.targets, id.tokens, ood.inputs, ood.targets, ood.tokens, this.oodProbe]);
    },
  };
}
